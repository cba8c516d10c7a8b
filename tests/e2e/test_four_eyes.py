"""Four eyes in a real browser, on a phone and on a desktop screen: the Main Access Manager
designates a co-Main Access Manager, typing a wrong national register number first; the
designation waits, the page says so, and she cannot approve it herself. The co-Main Access
Manager logs in in a second, fresh browser, finds the request from the menu, approves it, and the
new co-MAM appears among the managers. The page reads in French, Dutch and German too. Every page
on the way is checked with axe-core."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from access.models import ApprovalRequest, AuditEvent, Designation
from tests import factories
from tests.e2e.conftest import follow_menu

pytestmark = pytest.mark.e2e

WHAT = "Designate Cora Second as co-Main Access Manager"


@pytest.fixture
def second_context(browser: Browser, live_server) -> Iterator[BrowserContext]:  # type: ignore[no-untyped-def]
    """Another browser, sharing nothing with the first: the second manager's."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", extra_http_headers={"Accept-Language": "en"}
    )
    yield context
    context.close()


def log_in_on(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


@pytest.mark.parametrize("width", [390, 1366])
def test_a_co_main_designation_waits_for_a_second_manager_who_approves_it(
    page: Page, second_context: BrowserContext, width: int, e2e_world, log_in, assert_accessible, axe
):
    world = e2e_world
    page.set_viewport_size({"width": width, "height": 900})
    main = page.get_by_role("main")

    # The MAM designates from the managers page: a wrong number first.
    log_in("main")
    page.get_by_role("link", name="Acme").click()
    follow_menu(page, "Managers")
    expect(page.get_by_role("heading", name="Managers", level=1)).to_be_visible()
    main.get_by_label("Role").select_option("co_main")
    main.get_by_label("National register number").fill("12345678901")
    main.get_by_label("Given name").fill("Cora")
    main.get_by_label("Surname").fill("Second")
    main.get_by_role("button", name="Designate").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(f"a wrong national register number at {width} px")
    assert not ApprovalRequest.objects.exists()

    niss = factories.niss()
    main.get_by_label("National register number").fill(niss)
    main.get_by_role("button", name="Designate").click()

    # It waits: the page of second approvals says so, and offers her no approval of her own request.
    expect(page.get_by_role("heading", name="Second approvals", level=1)).to_be_visible()
    told = "The designation of Cora Second waits for a second manager's approval."
    expect(page.get_by_role("status")).to_have_text(told)
    row = main.get_by_role("row").filter(has_text=WHAT)
    expect(row).to_contain_text("Your request: another manager approves it.")
    expect(row.get_by_role("button")).to_have_count(0)
    assert_accessible(f"a designation waiting at {width} px")
    assert not Designation.objects.filter(person__niss=niss).exists()
    follow_menu(page, "Managers")
    expect(main).not_to_contain_text("Cora Second")

    # The co-MAM, in a browser of her own, finds it from the menu and approves it.
    other = second_context.new_page()
    other.set_viewport_size({"width": width, "height": 900})
    log_in_on(other, "co_main")
    other.get_by_role("link", name="Acme").click()
    follow_menu(other, "Second approvals")
    waiting = other.get_by_role("main").get_by_role("row").filter(has_text=WHAT)
    expect(waiting).to_contain_text("Marie Main")
    results = axe.run(other)
    assert results.violations_count == 0, results.generate_report()
    waiting.get_by_role("button", name=f"Approve: {WHAT}").click()
    expect(other.get_by_role("status")).to_have_text(f"Approved and carried out: {WHAT}.")
    expect(other.get_by_role("main")).to_contain_text("No request is waiting.")
    expect(other.get_by_role("main")).to_contain_text(f"{WHAT}: approved and carried out")
    results = axe.run(other)
    assert results.violations_count == 0, results.generate_report()

    # It took effect: the new co-MAM is among the managers, designated by the MAM, approved by the co-MAM.
    follow_menu(page, "Managers")
    expect(main.get_by_role("row").filter(has_text="Cora Second")).to_contain_text("co-Main Access Manager")
    made = AuditEvent.objects.get(action="designation_created", target_person__niss=niss)
    assert made.actor == world.main
    assert made.after and made.after["via"]["approved_by"] == world.co_main.full_name


@pytest.mark.parametrize(
    ("language", "heading", "waiting"),
    [
        ("fr", "Secondes approbations", "Désigner Cora Second en tant que co-Gestionnaire"),
        ("nl", "Tweede goedkeuringen", "Cora Second aanwijzen als co-Hoofdtoegangsbeheerder"),
        ("de", "Zweite Genehmigungen", "Cora Second als Co-Hauptzugriffsverwalter ernennen"),
    ],
)
def test_the_page_of_second_approvals_in_other_languages(
    page: Page, e2e_world, log_in, assert_accessible, language, heading, waiting
):
    from access import selectors, services

    main = factories.actor_of(e2e_world, e2e_world.main)
    services.designation_create(main, kind="co_main", person=factories.person(None, "Cora", "Second"))
    assert selectors.current_designations().filter(person__surname="Second").count() == 0
    log_in("co_main")
    page.goto(f"/e/{e2e_world.enterprise.pk}/approvals/")
    page.get_by_label("Language").select_option(language)
    page.locator("form.language-switcher").get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("main")).to_contain_text(waiting)
    assert_accessible(f"the page of second approvals in {language}")
