"""The Main Access Manager, logged in through the real form, on a phone and on a desktop screen,
asks who could act for the enterprise on a day: an impossible date first, which is refused next to
its field; then a day last week, which lists the people who could act then (one since removed, not
one who was blocked for all groups that day), by online service, with who granted what and until
when; and downloads the list as CSV. Every page on the way is checked with axe-core."""

import csv
import io
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from access import services
from access.models import Designation, Enterprise, Grant, LegalRepresentative, Membership, OnlineService
from tests.e2e.conftest import follow_menu
from tests.factories import actor_of

pytestmark = pytest.mark.e2e

BRUSSELS = ZoneInfo("Europe/Brussels")
DAY = timedelta(days=1)
DMFA = "DmfA (multifunctional declaration)"
DIMONA = "Dimona (immediate declaration of employment)"
DB2P = "DB2P (supplementary pensions database)"


def at(day, hour):
    return time_machine.travel(datetime.combine(day, time(hour), tzinfo=BRUSSELS), tick=False)


@pytest.fixture
def last_week(e2e_world):
    """The enterprise as if set up a month ago. Five days ago the Group Manager granted DmfA to
    Mats until tomorrow; four days ago the MAM blocked Tom for all groups until two days ago;
    yesterday Paula was removed from the pension-fund group."""
    world = e2e_world
    then = timezone.now() - 30 * DAY
    Designation.objects.update(valid_from=then, designated_at=then)
    LegalRepresentative.objects.update(valid_from=then.date())
    Membership.objects.update(created_at=then)
    Grant.objects.update(granted_at=then)
    Enterprise.objects.update(activated_at=then)
    today = timezone.localdate()
    with at(today - 5 * DAY, 9):
        services.grant_create(
            actor_of(world, world.group_manager),
            world.member_membership,
            OnlineService.objects.get(code="dmfa"),
            until=today + DAY,
        )
    with at(today - 4 * DAY, 8):
        services.person_block_everywhere(
            actor_of(world, world.main), world.tax_member, reason="Inquiry", until=today - 2 * DAY
        )
    with at(today - DAY, 16):
        services.membership_delete(actor_of(world, world.main), world.pension_membership, reason="Left")
    return today - 3 * DAY


@pytest.mark.parametrize("width", [390, 1366])
def test_a_manager_asks_who_could_act_on_a_day_last_week(
    page: Page, width: int, e2e_world, last_week, log_in, assert_accessible
):
    world = e2e_world
    page.set_viewport_size({"width": width, "height": 900})
    main = page.get_by_role("main")

    page.goto("/accounts/login/")
    log_in("main")
    page.get_by_role("link", name="Acme").click()
    follow_menu(page, "Who could act")
    expect(page.get_by_role("heading", name="Who could act", level=1)).to_be_visible()
    form = page.get_by_role("form", name="Choose the day")
    expect(form.get_by_label("Day")).to_have_value(timezone.localdate().strftime("%d/%m/%Y"))
    assert_accessible(f"who could act at {width} px")

    # An impossible date: said next to the field, and nobody listed.
    form.get_by_label("Online service").select_option(label="Every online service")
    form.get_by_label("Day").fill("31/02/2026")
    form.get_by_role("button", name="Show").click()
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading")).to_have_text("There is a problem")
    expect(alert.get_by_role("link", name="Enter a date as day/month/year, e.g. 31/03/2026.")).to_have_attribute(
        "href", "#id_day"
    )
    day = page.get_by_role("form", name="Choose the day").get_by_label("Day")
    expect(day).to_have_attribute("aria-invalid", "true")
    expect(day).to_have_accessible_description(re.compile(r"Enter a date as day/month/year, e\.g\. 31/03/2026\."))
    expect(page).to_have_title(re.compile("^Error:"))
    expect(main.get_by_role("table")).to_have_count(0)
    expect(page.get_by_role("link", name="Download this list (CSV)")).to_have_count(0)
    assert_accessible(f"who could act with an error at {width} px")

    # A day last week: by service, the people who could act then.
    day.fill(last_week.strftime("%d/%m/%Y"))
    page.get_by_role("form", name="Choose the day").get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/who-could-act/\?service=&day=\d\d%2F\d\d%2F\d{4}$"))
    expect(page.get_by_role("heading", name=re.compile("^Who could act on "), level=2)).to_be_visible()
    expect(main.get_by_role("heading", level=3)).to_have_text([DB2P, DIMONA, DMFA])
    dmfa = main.get_by_role("region", name=DMFA)
    rows = dmfa.get_by_role("row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_role("cell")).to_have_text(
        [
            "Mats Member",
            world.member.niss_masked,
            "Employer",
            re.compile(r"\d"),
            "Greta Group",
            re.compile(r"\d{4}"),
        ]
    )
    expect(main.get_by_role("region", name=DB2P)).to_contain_text("Paula Pension")  # removed since
    expect(main).not_to_contain_text("Tom Taxman")  # blocked for all groups all that day
    assert_accessible(f"who could act last week at {width} px")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download this list (CSV)").click()
    assert download.value.suggested_filename == f"who-could-act-{world.enterprise.number}-{last_week:%Y-%m-%d}.csv"
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: PTH123, SIM115 - a file of the browser's
    header, *lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header == [
        "Online service",
        "Person",
        "National register number",
        "Group",
        "Granted at",
        "Granted by",
        "Until",
    ]
    assert [(line[0], line[1], line[3], line[5]) for line in lines] == [
        (DB2P, "Paula Pension", "Pension-fund manager", ""),
        (DIMONA, "Mats Member", "Employer", ""),
        (DMFA, "Mats Member", "Employer", "Greta Group"),
    ]
    assert lines[2][6] == (timezone.localdate() + DAY).isoformat()
