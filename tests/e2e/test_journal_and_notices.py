"""A Group Manager, logged in with their Belgian identity through the development identity
provider, on a phone and on a desktop screen: blocks a user with the reason shared, and the user
receives one e-mail that gives it (through the outbox, on a real SMTP server); then filters the
journal by action and date (an impossible date first), reads what changed, and downloads the
events as CSV. Every page on the way is checked with axe-core."""

import csv
import io
import re
from email.header import decode_header, make_header

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import OutboundMessage
from tests.e2e.conftest import follow_menu

pytestmark = pytest.mark.e2e

REASON = "Lent his badge to a visitor"


@pytest.fixture
def member_with_an_address(e2e_world, settings):
    """The user of the employer group can be told, in Dutch; each change is told at once."""
    settings.NOTICE_BATCH_SECONDS = 0
    member = e2e_world.member
    member.email = "mats.member@example.be"
    member.preferred_language = "nl"
    member.save(update_fields=["email", "preferred_language"])
    return member


@pytest.mark.parametrize("width", [390, 1366])
def test_a_manager_blocks_with_a_shared_reason_then_searches_and_exports_the_journal(
    page: Page,
    width: int,
    federal_login,
    e2e_world,
    member_with_an_address,
    smtp_server,
    eager_tasks,
    assert_accessible,
):
    world = e2e_world
    page.set_viewport_size({"width": width, "height": 900})
    main = page.get_by_role("main")

    # A real login with a Belgian identity, at the development identity provider.
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Log in with eID, itsme or MyGov.be").click()
    expect(page.get_by_role("heading", name="Development identity provider")).to_be_visible()
    page.get_by_label("Greta Group").check()
    page.get_by_label("itsme").check()
    page.get_by_role("button", name="Log in as this identity").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_role("link", name="Acme").click()

    # Block the user for the group, sharing the reason with them.
    follow_menu(page, "Employer")
    page.get_by_role("link", name="Edit Mats Member in this group").click()
    page.get_by_role("link", name="Block for this group").click()
    share = page.get_by_role("checkbox", name="Tell the person why")
    expect(share).not_to_be_checked()  # kept in the journal only, unless the manager chooses
    expect(share).to_have_accessible_description(re.compile("The e-mail that tells them of the block"))
    assert_accessible(f"block form at {width} px")
    page.get_by_label("Reason").fill(REASON)
    share.check()
    page.get_by_role("button", name="Block", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("The user is blocked for this group.")

    # One e-mail to the user, in their language, with the reason: an outbox row, sent over SMTP.
    [message] = OutboundMessage.objects.all()
    assert (message.purpose, message.recipient, message.language, message.status) == (
        "access_changes",
        "mats.member@example.be",
        "nl",
        "sent",
    )
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["To"] == "mats.member@example.be"
    assert str(make_header(decode_header(mail["Subject"]))) == "Uw toegang is gewijzigd – Toegangsbeheer"
    body = smtp_server.bodies()[0].replace("\r\n", "\n")
    assert f"U bent geblokkeerd voor de groep Werkgever.\n  Reden: {REASON}" in body

    # The journal, filtered by action and day: an impossible date is refused and filters nothing.
    follow_menu(page, "Journal")
    expect(page.get_by_role("heading", name="Journal", level=1)).to_be_visible()
    assert_accessible(f"journal at {width} px")
    filters = page.get_by_role("form", name="Filter the journal")
    filters.get_by_label("Action").select_option(label="blocked for the group")
    since = filters.get_by_label("Since")
    since.fill("31/02/2026")
    filters.get_by_role("button", name="Filter").click()
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading")).to_have_text("There is a problem")
    expect(alert.get_by_role("link", name="Enter a date as day/month/year, e.g. 31/03/2026.")).to_have_attribute(
        "href", "#id_since"
    )
    since = page.get_by_role("form", name="Filter the journal").get_by_label("Since")
    expect(since).to_have_attribute("aria-invalid", "true")
    expect(since).to_have_accessible_description(re.compile(r"Enter a date as day/month/year, e\.g\. 31/03/2026\."))
    expect(since).to_have_value("31/02/2026")
    expect(page.get_by_role("link", name="Download these events (CSV)")).to_have_count(0)
    assert_accessible(f"journal filter with an error at {width} px")

    today = timezone.localdate().strftime("%d/%m/%Y")
    since.fill(today)
    page.get_by_role("form", name="Filter the journal").get_by_label("Until").fill(today)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/journal/\?action=membership_blocked&since=.+&until=.+$"))
    rows = main.get_by_role("row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_role("cell")).to_have_text(
        [
            re.compile(r"\d"),
            "blocked for the group",
            "Greta Group",
            "Mats Member",
            "Employer",
            "Status: active → blocked Until: – Reason shared with the person: yes",
            REASON,
        ]
    )
    expect(page.get_by_role("form", name="Filter the journal").get_by_label("Action")).to_have_value(
        "membership_blocked"
    )
    assert_accessible(f"filtered journal at {width} px")

    # The same events as CSV.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these events (CSV)").click()
    assert re.fullmatch(
        rf"journal-{world.enterprise.number}-\d{{4}}-\d{{2}}-\d{{2}}\.csv", download.value.suggested_filename
    )
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: PTH123, SIM115 - a file of the browser's
    header, *lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header == ["Time", "Action", "By", "About", "Scope", "Before", "After", "Reason"]
    assert [line[1:] for line in lines] == [
        [
            "blocked for the group",
            "Greta Group",
            "Mats Member",
            "Employer",
            "Status: active",
            "Status: blocked; Until: –; Reason shared with the person: yes",
            REASON,
        ]
    ]
