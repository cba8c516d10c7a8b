"""A user, logged in through the real form, on a phone and on a desktop screen: opens My access from
the account menu, reads their online service with who granted it, until when and when they last
used it; starts to give it up and cancels, then confirms without ticking the box (refused, with
the summary of errors), then gives it up; it is gone. Their Group Manager then reads it in the
enterprise's journal. Every page on the way is checked with axe-core."""

import re
from datetime import date, datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from access.models import Grant, ServiceUse
from tests.e2e.conftest import follow_menu

pytestmark = pytest.mark.e2e

DIMONA = "Dimona (immediate declaration of employment)"
WHY = "I no longer declare new staff"


@pytest.fixture
def dimona_until_and_used(e2e_world):
    """The member's Dimona: granted by their Group Manager until 31 March 2031, last used on
    6 May 2026."""
    grant = Grant.objects.get(membership=e2e_world.member_membership, service__code="dimona")
    Grant.objects.filter(pk=grant.pk).update(granted_by=e2e_world.group_manager, valid_until=date(2031, 3, 31))
    ServiceUse.objects.create(
        person=e2e_world.member,
        enterprise=e2e_world.enterprise,
        service=grant.service,
        last_used_at=timezone.make_aware(datetime(2026, 5, 6, 9, 30)),
    )
    return grant


@pytest.mark.parametrize("width", [390, 1366])
def test_a_user_gives_up_a_service_from_my_access_and_the_manager_reads_it_in_the_journal(
    page: Page, width: int, e2e_world, dimona_until_and_used, log_in, assert_accessible
):
    page.set_viewport_size({"width": width, "height": 900})
    main = page.get_by_role("main")

    # From the account menu, My access: one enterprise, so its page.
    log_in("member")
    page.get_by_role("navigation", name="Your account").get_by_role("link", name="My access").click()
    expect(page.get_by_role("heading", name="My access", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/e/{e2e_world.enterprise.pk}/my-access/$"))
    expect(main.get_by_role("heading", name="Employer", level=3)).to_be_visible()
    row = main.get_by_role("row").filter(has_text=DIMONA)
    expect(row.get_by_role("cell")).to_have_text(
        [DIMONA, "Greta Group", re.compile(r"\d{4}"), "March 31, 2031", "May 6, 2026", "Give up"]
    )
    automatic = main.get_by_role("region", name="Online services that come with your standing")
    expect(automatic.get_by_role("row").filter(has_text="ContactData")).to_contain_text("User")
    assert_accessible(f"my access at {width} px")

    # Give it up: first the confirmation, and a change of mind.
    row.get_by_role("link", name=f"Give up {DIMONA}").click()
    expect(page.get_by_role("heading", name=f"Give up {DIMONA}", level=1)).to_be_visible()
    expect(main).to_contain_text("Only a manager can grant it to you again.")
    assert_accessible(f"giving up, the confirmation at {width} px")
    main.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="My access", level=1)).to_be_visible()
    expect(main.get_by_role("row").filter(has_text=DIMONA)).to_have_count(1)

    # Then confirmed without ticking the box: refused, the summary says why and leads to the box.
    main.get_by_role("row").filter(has_text=DIMONA).get_by_role("link", name=f"Give up {DIMONA}").click()
    main.get_by_label("Tell your managers why (optional)").fill(WHY)
    main.get_by_role("button", name="Give up this online service").click()
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading")).to_have_text("There is a problem")
    tick = alert.get_by_role("link", name="Tick the box if you want to give up this online service.")
    expect(tick).to_have_attribute("href", "#id_understood")
    expect(page).to_have_title(re.compile(r"^Error: "))
    understood = main.get_by_role("checkbox", name=re.compile("only a manager can grant this online service"))
    expect(understood).to_have_attribute("aria-invalid", "true")
    expect(main.get_by_label("Tell your managers why (optional)")).to_have_value(WHY)
    assert_accessible(f"giving up with an error at {width} px")

    understood.check()
    main.get_by_role("button", name="Give up this online service").click()
    expect(page.get_by_role("status")).to_have_text(f"You have given up {DIMONA}.")
    expect(main.get_by_role("row").filter(has_text=DIMONA)).to_have_count(0)
    expect(main).to_contain_text("No online service is granted to you in this group.")
    assert_accessible(f"my access after giving up at {width} px")

    # The Group Manager reads it in the enterprise's journal: done by the user, about the user.
    page.get_by_role("button", name="Log out").click()
    log_in("group_manager")
    page.get_by_role("link", name="Acme").click()
    follow_menu(page, "Journal")
    expect(page.get_by_role("heading", name="Journal", level=1)).to_be_visible()
    event = main.get_by_role("row").filter(has_text="online service given up by the user")
    expect(event.get_by_role("cell")).to_have_text(
        [
            re.compile(r"\d"),
            f"online service given up by the user – {DIMONA}",
            "Mats Member",
            "Mats Member",
            "Employer",
            f"Online service: {DIMONA} → –",
            WHY,
        ]
    )
    assert_accessible(f"the manager's journal at {width} px")
