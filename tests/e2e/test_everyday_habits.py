"""The real service's habits, in a real browser at a phone's width (390 px) and a laptop's (1366 px),
every page checked by axe-core: one click from the home page to a group's users; names found as
people type them (a part of a number typed first is refused); the eye, pencil and bin beside the
users a manager may act on; adding a user by number first (a wrong one typed first); a person
blocked for all groups who reloads is told why; an outsider is told they have no standing."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from access import services
from access.identifiers import format_niss
from access.models import Membership
from tests import factories
from tests.factories import actor_of

pytestmark = pytest.mark.e2e

WIDTHS = [pytest.param(390, id="phone"), pytest.param(1366, id="laptop")]
DIMONA = "Dimona (immediate declaration of employment)"
CONFIRM = "I confirm that this person is a staff member of the enterprise, active in this group."


@pytest.mark.parametrize("width", WIDTHS)
def test_a_group_manager_finds_users_as_people_type_them_and_acts_where_allowed(
    page: Page, e2e_world, log_in, assert_accessible, width: int
):
    world = e2e_world
    employer = world.groups["employer"]
    for given, surname in (("Chloé", "Martin"), ("Emre", "Ünal")):
        factories.member(factories.person(None, given, surname), employer)
    factories.member(world.co_main, employer)  # above a Group Manager: nothing but the eye
    page.set_viewport_size({"width": width, "height": 900})
    log_in("group_manager")
    main = page.get_by_role("main")

    # One click from the home page lists the group's users.
    expect(main.get_by_text("The users of your groups:")).to_be_visible()
    assert_accessible("home page with the groups")
    main.get_by_role("link", name="Employer").click()
    expect(page).to_have_url(f"/e/{world.enterprise.pk}/groups/{employer.pk}/")
    expect(page.get_by_role("heading", name="4 users", exact=True)).to_be_visible()

    # The eye beside everyone; the pencil and the bin only where the Group Manager may act.
    for name in ("Chloé Martin", "Mats Member"):
        expect(page.get_by_role("link", name=f"View the permissions of {name}")).to_be_visible()
        expect(page.get_by_role("link", name=f"Edit {name} in this group")).to_be_visible()
        expect(page.get_by_role("link", name=f"Delete {name} from this group")).to_be_visible()
    expect(page.get_by_role("link", name="View the permissions of Colette Comain")).to_be_visible()
    expect(page.get_by_role("link", name="Edit Colette Comain in this group")).to_have_count(0)
    expect(page.get_by_role("link", name="Delete Colette Comain from this group")).to_have_count(0)
    assert_accessible("group page with the actions")

    # A part of a number is refused, and says so; the name typed without its accent finds her.
    search = page.get_by_role("searchbox", name="Search by name or national register number")
    search.fill("85.07")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("Type the whole national register number")
    assert_accessible("group page, a part of a number searched")
    search = page.get_by_role("searchbox", name="Search by name or national register number")
    search.fill("chloe")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"\?q=chloe$"))
    expect(page.get_by_role("heading", name="1 user", exact=True)).to_be_visible()
    # (At a phone's width a cell's name starts with its column's: the text is looked for instead.)
    expect(main.get_by_role("table").get_by_text("Chloé Martin", exact=True)).to_be_visible()
    expect(main.get_by_text("Emre Ünal")).to_have_count(0)
    assert_accessible("group page, found by name")

    # The users list finds Ünal typed in capitals without the diaeresis, with his group's actions.
    page.goto(f"/e/{world.enterprise.pk}/users/")
    page.get_by_role("searchbox", name="Search by name or national register number").fill("UNAL")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 person", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Edit Emre Ünal in Employer")).to_be_visible()
    expect(page.get_by_role("link", name="Delete Emre Ünal from Employer")).to_be_visible()
    assert_accessible("users list, found by name")
    page.get_by_role("link", name="Edit Emre Ünal in Employer").click()
    expect(page.get_by_role("heading", name="Emre Ünal – Employer")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_user_is_added_by_number_first_then_services(page: Page, e2e_world, log_in, assert_accessible, width: int):
    world = e2e_world
    employer = world.groups["employer"]
    known = world.other_member  # known to the portal: a user of another enterprise
    page.set_viewport_size({"width": width, "height": 900})
    log_in("group_manager")
    page.goto(f"/e/{world.enterprise.pk}/groups/{employer.pk}/")
    page.get_by_role("link", name="Add a user").click()

    # A wrong number first: the first step says why.
    page.get_by_label("National register number").fill("85.07.30-033.29")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("its check digits do not match")
    expect(page.get_by_text("Step 1 of 2")).to_be_visible()
    assert_accessible("add a user, a wrong number")

    # The number of someone the portal knows: their name, and the services only.
    page.get_by_label("National register number").fill(format_niss(known.niss))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Step 2 of 2")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text="Olga Othermember")).to_be_visible()
    expect(page.get_by_label("Given name")).to_have_count(0)
    assert_accessible("add a user, the services")

    # Sent without the confirmation: the error, and the choice kept.
    page.get_by_role("group", name="Online services").get_by_role("checkbox", name=DIMONA, exact=True).check()
    page.get_by_role("button", name="Add the user").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm that this person is a staff member")
    expect(page.get_by_role("checkbox", name=DIMONA, exact=True)).to_be_checked()
    assert_accessible("add a user, the services with an error")
    page.get_by_role("checkbox", name=CONFIRM).check()
    page.get_by_role("button", name="Add the user").click()
    expect(page.get_by_role("status")).to_have_text("Olga Othermember is now a user of this group.")
    assert Membership.objects.filter(person=known, group=employer, removed_at__isnull=True).exists()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_person_blocked_for_all_groups_who_reloads_is_told_why(
    page: Page, e2e_world, log_in, assert_accessible, width: int
):
    world = e2e_world
    page.set_viewport_size({"width": width, "height": 900})
    log_in("member")
    page.get_by_role("link", name="Acme").click()
    expect(page.get_by_role("heading", name="Acme", level=1)).to_be_visible()

    services.person_block_everywhere(actor_of(world, world.main), world.member, reason="Inquiry")
    page.reload()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("status")).to_have_text(
        "You were logged out: you are blocked for all groups of Acme. "
        "If you think this is a mistake, ask a manager of the enterprise."
    )
    expect(page.get_by_text("Inquiry")).to_have_count(0)
    assert_accessible("login page after a block")

    # Said once: a wrong password next gets the login's own error, and no word of the block.
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_text("You were logged out")).to_have_count(0)


@pytest.mark.parametrize("width", WIDTHS)
def test_an_outsider_is_told_they_have_no_standing(
    page: Page, browser: Browser, e2e_world, log_in, assert_accessible, width: int
):
    world = e2e_world
    page.set_viewport_size({"width": width, "height": 900})
    log_in("outsider")
    # An enterprise that does not exist first, then one that does: the same page.
    for enterprise_id in (999_999, world.enterprise.pk):
        response = page.goto(f"/e/{enterprise_id}/users/")
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", name="You have no standing in this enterprise", level=1)).to_be_visible()
        expect(page.get_by_text("ask its Main Access Manager or another manager to add you")).to_be_visible()
        expect(page.get_by_text("You may not do this")).to_have_count(0)
        assert_accessible(f"no standing at {enterprise_id}")
    page.get_by_role("link", name="The enterprises you act for").click()
    expect(page.get_by_role("heading", name="Choose an enterprise")).to_be_visible()
