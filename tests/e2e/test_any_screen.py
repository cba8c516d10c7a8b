"""Every page of the demo, for each demo persona, at a phone's width (390 px) and a laptop's
(1366 px): nothing scrolls sideways, axe-core (WCAG 2.1 A and AA) finds nothing, every control is
at least 24 px in both directions, and each page has one h1. The pages are found the way a person
finds them: from the home page, following every link of the portal, one address per kind of page.
A screenshot of each kind of page at each width is kept in test-artifacts/<width>/ for a person to
look through.

At the phone's width the enterprise menu folds behind a button that the keyboard opens; tables
read as one card per row, each value with its column's name."""

import re
from collections.abc import Callable, Iterator
from datetime import date
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from access.identifiers import format_niss, make_niss
from access.models import Person
from portal.demo import DEMO_PASSWORD, load_demo
from tests.e2e.conftest import ARTIFACTS_DIR

pytestmark = pytest.mark.e2e

WIDTHS = [pytest.param(390, id="phone"), pytest.param(1366, id="laptop")]
DEMO_PERSONAS = ["lr", "mam", "comam", "am", "gm", "user", "other", "ssmam"]
# Links not followed: leaving, the admin, files to download, the development identity provider
# (checked on its own below), and allauth's pages the portal turns away.
NOT_FOLLOWED = (
    "/accounts/logout/",
    "/admin/",
    "/static/",
    "/accounts/2fa/recovery-codes/download/",
    "/dev-idp/",
    "/accounts/social/",
)

MEASURE = """() => {
  const root = document.documentElement;
  const small = [];
  for (const element of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not shown (a closed menu's links)
    const inline = element.tagName === 'A' && getComputedStyle(element).display === 'inline'
      && element.closest('p, li, dd, td') && element.closest('p, li, dd, td').textContent.trim()
         !== element.textContent.trim();
    if (inline) continue;  // a link inside a sentence: WCAG 2.5.8's exception
    if (box.width < 24 || box.height < 24) small.push(`${element.outerHTML.slice(0, 120)} ${box.width}x${box.height}`);
  }
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
    .slice(0, 5).map(e => e.outerHTML.slice(0, 120));
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, small, wide};
}"""


@pytest.fixture
def demo(transactional_db, catalogue) -> None:  # type: ignore[no-untyped-def]
    """The demo of `make run`, with fewer users: committed so that the live server sees it."""
    load_demo(users=20)


@pytest.fixture
def log_in_demo(page: Page) -> Callable[[str], None]:
    """Log in as a demo persona through the real form (in English); the pages then come in the
    persona's own language (French, Dutch or German), German's long words included."""

    def log_in_as(username: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page.locator("form.logout button")).to_be_visible()

    return log_in_as


def kind_of_page(path: str) -> str | None:
    """One name per kind of page (the view's), or None for an address outside the portal's."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def portal_links(page: Page) -> Iterator[str]:
    # A link that downloads a file (the journal's CSV) leads to no page.
    for href in page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.getAttribute('href'))"):
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith(NOT_FOLLOWED):
            continue
        yield parts.path + (f"?{parts.query}" if parts.query else "")


def check_the_page(page: Page, assert_accessible: Callable[[str], None], what: str) -> None:
    expect(page.locator("h1")).to_have_count(1)
    measured = page.evaluate(MEASURE)
    assert measured["scrollWidth"] <= measured["clientWidth"], (
        f"{what} scrolls sideways: {measured['scrollWidth']} px for {measured['clientWidth']} px; "
        f"too wide: {measured['wide']}"
    )
    assert not measured["small"], f"{what}: controls smaller than 24 px: {measured['small']}"
    assert_accessible(what)


# One screenshot of each kind of page at each width, the first time the run meets it: a full-page
# screenshot costs as much as the checks.
SCREENSHOTS_TAKEN: set[tuple[int, str]] = set()


def screenshot(page: Page, width: int, kind: str, who: str = "") -> None:
    if (width, kind) in SCREENSHOTS_TAKEN:
        return
    SCREENSHOTS_TAKEN.add((width, kind))
    folder = ARTIFACTS_DIR / str(width)
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9_-]+", "-", f"{kind}-{who}".lower()).strip("-")
    page.screenshot(path=folder / f"{name}.png", full_page=True)


def visit_everything(page: Page, assert_accessible: Callable[[str], None], who: str, width: int) -> set[str]:
    """From the home page, every kind of page a link leads to; the kinds seen."""
    queue, seen = ["/"], {kind_of_page("/") or "/"}
    while queue:
        path = queue.pop(0)
        response = page.goto(path)
        assert response is not None and response.status in (200, 403, 404), f"{who} {path}: {response}"
        check_the_page(page, assert_accessible, f"{who} at {width} px: {path}")
        screenshot(page, width, kind_of_page(urlsplit(page.url).path) or path, who)
        for link in portal_links(page):
            kind = kind_of_page(urlsplit(link).path)
            if kind is not None and kind not in seen:
                seen.add(kind)
                queue.append(link)
    return seen


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("persona", DEMO_PERSONAS)
def test_every_page_of_a_demo_persona_fits_the_screen(
    page: Page, demo, log_in_demo, assert_accessible, persona: str, width: int
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in_demo(persona)
    seen = visit_everything(page, assert_accessible, persona, width)
    assert {"home", "accessibility", "privacy", "help", "usersessions_list"} <= seen
    if persona != "lr":
        assert "access:dashboard" in seen and "access:journal" in seen


@pytest.mark.parametrize("width", WIDTHS)
def test_the_pages_before_logging_in_fit_the_screen(page: Page, demo, assert_accessible, width: int):
    page.set_viewport_size({"width": width, "height": 900})
    seen = visit_everything(page, assert_accessible, "anonymous", width)
    assert {"home", "account_login", "account_reset_password", "accessibility", "privacy", "help"} <= seen
    for path in ("/no-such-page/", "/dev-idp/authorize/?response_type=code"):
        page.goto(path)
        check_the_page(page, assert_accessible, f"anonymous at {width} px: {path}")
        screenshot(page, width, path, "anonymous")


@pytest.mark.parametrize("width", WIDTHS)
def test_forms_with_errors_fit_the_screen(page: Page, demo, log_in_demo, assert_accessible, width: int):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("mam")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_the_page(page, assert_accessible, f"login with an error at {width} px")
    screenshot(page, width, "error-login", "mam")

    Person.objects.filter(user__username="mam").update(preferred_language="en")
    log_in_demo("mam")
    page.get_by_role("link", name="Boulangerie Dupont SA").click()
    menu_button = page.get_by_role("button", name="Menu")
    if width < 800:
        menu_button.click()
    page.get_by_role("navigation", name="Enterprise menu").get_by_role("link", name="Employer").click()
    page.get_by_role("link", name="Add a user").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_the_page(page, assert_accessible, f"add-user form with errors at {width} px")
    screenshot(page, width, "error-add-user", "mam")
    page.get_by_label("National register number").fill(format_niss(make_niss(date(1999, 9, 9), 7)))  # a newcomer
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Add the user").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_the_page(page, assert_accessible, f"add-user form, second step, with errors at {width} px")
    screenshot(page, width, "error-add-user-services", "mam")
    page.goto(page.url.rsplit("/groups/", 1)[0] + "/contact-data/")
    page.get_by_label("General phone number").fill("not a number")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_the_page(page, assert_accessible, f"contact data with an error at {width} px")
    screenshot(page, width, "error-contact-data", "mam")
    who_could_act = page.url.rsplit("/contact-data/", 1)[0] + "/who-could-act/"
    page.goto(who_could_act + "?day=31/02/2026")
    expect(page.get_by_role("alert")).to_be_visible()
    check_the_page(page, assert_accessible, f"who could act with an error at {width} px")
    screenshot(page, width, "error-who-could-act", "mam")
    page.goto(who_could_act + f"?day={timezone.localdate():%d/%m/%Y}")
    expect(page.get_by_role("table").first).to_be_visible()
    check_the_page(page, assert_accessible, f"who could act today at {width} px")
    screenshot(page, width, "who-could-act-today", "mam")


def test_the_menu_folds_behind_a_button_the_keyboard_opens(page: Page, demo, log_in_demo):
    page.set_viewport_size({"width": 390, "height": 900})
    Person.objects.filter(user__username="gm").update(preferred_language="en")
    log_in_demo("gm")
    page.get_by_role("link", name="Boulangerie Dupont SA").click()
    menu = page.get_by_role("navigation", name="Enterprise menu")
    users = menu.get_by_role("link", name="Users")
    expect(users).to_be_hidden()
    button = page.get_by_role("button", name="Menu")
    expect(button).to_have_attribute("aria-expanded", "false")
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(users).to_be_visible()
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Home")).to_be_focused()
    users.press("Enter")
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    # The group page reads as one card per user, each value named by its column.
    page.get_by_role("button", name="Menu").click()
    menu.get_by_role("link", name="Employer").click()
    first_row = page.get_by_role("row").nth(1)
    expect(first_row.get_by_role("cell").nth(1)).to_have_attribute("data-label", "National register number")
    assert first_row.bounding_box()["width"] <= 390  # type: ignore[index]

    # At a laptop's width the menu is open beside the page, and there is no button.
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(menu.get_by_role("link", name="Users")).to_be_visible()


def test_without_a_script_the_menu_stays_open_and_the_summary_of_errors_takes_the_focus(
    browser: Browser, live_server, demo
):
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        viewport={"width": 390, "height": 900},
        extra_http_headers={"Accept-Language": "en"},
    )
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill("mam")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page.get_by_role("alert")).to_be_focused()
        Person.objects.filter(user__username="mam").update(preferred_language="en")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        page.get_by_role("link", name="Boulangerie Dupont SA").click()
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        menu = page.get_by_role("navigation", name="Enterprise menu")
        expect(menu.get_by_role("link", name="Users")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    finally:
        context.close()
