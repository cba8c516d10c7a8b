"""The Group Manager of the employer group, in a real browser: add a newcomer with two online
services (the number first, then the names and services), block, unblock and delete them, then
read it all back in the journal. Every page on the way is checked with axe-core against WCAG 2.1
A and AA."""

import re

import pytest
from playwright.sync_api import Page, expect

from access.identifiers import format_niss
from access.models import AuditEvent, Grant, Membership, Person
from tests import factories

pytestmark = pytest.mark.e2e

DIMONA = "Dimona (immediate declaration of employment)"
DMFA = "DmfA (multifunctional declaration)"
CONFIRM = "I confirm that this person is a staff member of the enterprise, active in this group."
BAD_CHECK_DIGITS = "85.07.30-033.29"  # 85.07.30-033.28 is valid
BLOCK_REASON = "Shared her password with a colleague"
DELETE_REASON = "Left the enterprise on 31 March"
ANYTIME = re.compile(r"\d")


def status_line(page: Page):
    return page.get_by_text("Status in this group:")


def test_group_manager_adds_blocks_unblocks_and_deletes_a_user(page: Page, e2e_world, log_in, assert_accessible):
    world = e2e_world
    enterprise_id = world.enterprise.pk
    employer = world.groups["employer"]
    niss = factories.niss()
    newcomer = "Nina Newcomer"
    menu = page.get_by_role("navigation", name="Enterprise menu")
    main = page.get_by_role("main")

    # Logs in through the real form and chooses the enterprise.
    page.goto("/accounts/login/")
    assert_accessible("login form")
    log_in("group_manager")
    expect(page.get_by_role("heading", name="Choose an enterprise")).to_be_visible()
    assert_accessible("choice of enterprise")
    page.get_by_role("link", name="Acme").click()

    # The dashboard says who they are here.
    expect(page).to_have_url(f"/e/{enterprise_id}/")
    expect(page.get_by_role("heading", name="Acme", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Your standing")).to_contain_text("Group Manager")
    assert_accessible("dashboard")

    # The employer group, from the left menu.
    menu.get_by_role("link", name="Employer").click()
    expect(page).to_have_url(f"/e/{enterprise_id}/groups/{employer.pk}/")
    expect(page.get_by_role("heading", name="Employer", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="1 user", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Edit Mats Member in this group")).to_be_visible()
    assert_accessible("group page")

    # Add a user, first the national register number: a wrong one is refused and nothing is created.
    page.get_by_role("link", name="Add a user").click()
    expect(page).to_have_url(f"/e/{enterprise_id}/groups/{employer.pk}/add/")
    expect(page.get_by_role("heading", name="Add a user to Employer")).to_be_visible()
    expect(page.get_by_text("Step 1 of 2")).to_be_visible()
    expect(page.get_by_label("Given name")).to_have_count(0)
    assert_accessible("add-user form, the number")
    page.get_by_label("National register number").fill(BAD_CHECK_DIGITS)
    page.get_by_role("button", name="Continue").click()

    # The summary of the errors, at the top, has the focus and leads to the field; the title says so.
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading")).to_have_text("There is a problem")
    expect(alert.get_by_role("link")).to_have_text(
        "This national register number is not valid: its check digits do not match."
    )
    expect(alert).to_be_focused()
    expect(page).to_have_title("Error: Add a user – Access Management")
    expect(alert.get_by_role("link")).to_have_attribute("href", "#id_niss")
    niss_field = page.get_by_label("National register number")
    expect(niss_field).to_have_attribute("aria-invalid", "true")
    expect(niss_field).to_have_accessible_description(re.compile("its check digits do not match"))
    expect(niss_field).to_have_value(BAD_CHECK_DIGITS)
    expect(page).to_have_url(f"/e/{enterprise_id}/groups/{employer.pk}/add/")
    assert_accessible("add-user form with an error")
    assert not Person.objects.filter(surname="Newcomer").exists()
    assert Membership.objects.filter(group=employer).count() == 1

    # ... corrected: the portal does not know the person, so it asks the names with the services.
    niss_field.fill(format_niss(niss))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Step 2 of 2")).to_be_visible()
    expect(page.get_by_text("The portal does not know this person yet")).to_be_visible()
    expect(main.get_by_role("definition").first).to_have_text(format_niss(niss))
    assert_accessible("add-user form, the services")
    page.get_by_label("Given name").fill("Nina")
    page.get_by_label("Surname").fill("Newcomer")
    services = page.get_by_role("group", name="Online services")
    services.get_by_role("checkbox", name=DIMONA, exact=True).check()
    services.get_by_role("checkbox", name=DMFA, exact=True).check()
    page.get_by_role("checkbox", name=CONFIRM).check()
    page.get_by_role("button", name="Add the user").click()
    expect(page.get_by_role("status")).to_have_text(f"{newcomer} is now a user of this group.")
    membership = Membership.objects.get(person__niss=niss)
    expect(page).to_have_url(f"/e/{enterprise_id}/memberships/{membership.pk}/")
    expect(page.get_by_role("heading", name=f"{newcomer} – Employer")).to_be_visible()
    expect(status_line(page)).to_have_text("Status in this group: active")
    expect(main.get_by_role("listitem")).to_contain_text([DIMONA, DMFA])
    expect(page.get_by_role("button", name=f"Revoke {DIMONA}")).to_be_visible()
    expect(page.get_by_role("button", name=f"Revoke {DMFA}")).to_be_visible()
    assert_accessible("membership page")

    # The group page lists them; its row leads back to the membership.
    page.get_by_role("link", name="Back to the group").click()
    expect(page.get_by_role("heading", name="2 users", exact=True)).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=newcomer, exact=True))
    expect(row.get_by_role("cell")).to_have_text(
        [newcomer, format_niss(niss)[:9] + "***.**", "active", f"{DIMONA}, {DMFA}", ""]
    )
    row.get_by_role("link", name=f"Edit {newcomer} in this group").click()
    expect(page).to_have_url(f"/e/{enterprise_id}/memberships/{membership.pk}/")

    # Block for the group, with a reason.
    page.get_by_role("link", name="Block for this group").click()
    expect(page.get_by_role("heading", name=f"Block {newcomer} for Employer")).to_be_visible()
    assert_accessible("block form")
    page.get_by_label("Reason").fill(BLOCK_REASON)
    page.get_by_role("button", name="Block", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("The user is blocked for this group.")
    expect(status_line(page)).to_have_text(f"Status in this group: blocked – {BLOCK_REASON}")
    expect(page.get_by_role("link", name="Block for this group")).to_have_count(0)
    assert_accessible("membership page, blocked")

    # Unblock.
    page.get_by_role("button", name="Unblock for this group").click()
    expect(page.get_by_role("status")).to_have_text("The user is unblocked for this group.")
    expect(status_line(page)).to_have_text("Status in this group: active")
    expect(page.get_by_role("button", name="Unblock for this group")).to_have_count(0)

    # Delete from the group, with a reason: back on the group page, they are gone.
    page.get_by_role("link", name="Delete from this group").click()
    expect(page.get_by_role("heading", name=f"Delete {newcomer} from Employer")).to_be_visible()
    assert_accessible("delete form")
    page.get_by_label("Reason").fill(DELETE_REASON)
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page).to_have_url(f"/e/{enterprise_id}/groups/{employer.pk}/")
    expect(page.get_by_role("status")).to_have_text(f"{newcomer} is no longer a user of this group.")
    expect(page.get_by_role("heading", name="1 user", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name=newcomer, exact=True)).to_have_count(0)
    expect(page.get_by_role("cell", name="Mats Member", exact=True)).to_be_visible()

    # The journal tells the story, newest first.
    menu.get_by_role("link", name="Journal").click()
    expect(page.get_by_role("heading", name="Journal", level=1)).to_be_visible()
    journal = [
        ("deleted from the group", f"Status: active → – Online services: {DIMONA}, {DMFA} → –", DELETE_REASON),
        ("unblocked for the group", f"Status: blocked → active Reason: {BLOCK_REASON} → –", "–"),
        ("blocked for the group", "Status: active → blocked Until: – Reason shared with the person: no", BLOCK_REASON),
        (f"online service granted – {DMFA}", f"Online service: {DMFA}", "–"),
        (f"online service granted – {DIMONA}", f"Online service: {DIMONA}", "–"),
        ("user added to the group", f"Status: active Online services: {DIMONA}, {DMFA}", "–"),
    ]
    rows = main.get_by_role("row")
    expect(rows).to_have_count(1 + len(journal))
    for row, (action, change, reason) in zip(rows.all()[1:], journal, strict=True):
        expect(row.get_by_role("cell")).to_have_text(
            [ANYTIME, action, "Greta Group", newcomer, "Employer", change, reason]
        )
    assert_accessible("journal")

    # What the database kept.
    membership.refresh_from_db()
    assert membership.removed_at is not None
    assert membership.removed_by == world.group_manager
    assert membership.status == Membership.Status.ACTIVE
    assert not Grant.objects.filter(membership=membership, revoked_at__isnull=True).exists()
    events = AuditEvent.objects.filter(target_person=membership.person).order_by("created_at", "pk")
    assert [(e.action, e.reason) for e in events] == [
        ("user_created", ""),
        ("service_granted", ""),
        ("service_granted", ""),
        ("membership_blocked", BLOCK_REASON),
        ("membership_unblocked", ""),
        ("membership_deleted", DELETE_REASON),
    ]
    assert {e.actor for e in events} == {world.group_manager}
    assert {e.group for e in events} == {employer}
    assert {e.ip_address for e in events} == {"127.0.0.1"}


def test_language_choice_changes_the_pages_and_persists(page: Page, e2e_world, log_in):
    log_in("group_manager")
    page.goto(f"/e/{e2e_world.enterprise.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_label("Language").select_option("nl")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page).to_have_url(f"/e/{e2e_world.enterprise.pk}/")
    expect(page.get_by_label("Taal")).to_have_value("nl")

    # The next page stays in Dutch, although the browser still asks for English.
    page.get_by_role("navigation", name="Menu van de onderneming").get_by_role("link", name="Logboek").click()
    expect(page).to_have_url(f"/e/{e2e_world.enterprise.pk}/journal/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logboek")
