"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

The personas come from the shared `world` fixture. `live_server` makes the database
transactional (flushed after each test), so `e2e_world` asks for `transactional_db` before
`world`, and the `catalogue` fixture reloads the catalogue that an earlier flush removed.
A failing test leaves a screenshot in test-results/.
"""

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests import factories

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"
# Screenshots of the key pages at each width, kept by every run for a person to look through.
ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"

# Room for a slow CI machine; a passing run never waits this long.
expect.set_options(timeout=10_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    """Keep the outcome of the call on the item, so `page` can save a screenshot of a failure."""
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed  # type: ignore[attr-defined]
    return report


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API keeps an asyncio loop running in this thread; the ORM calls the
    # tests make meanwhile (fixtures, final checks, the flush) must be allowed.
    with pytest.MonkeyPatch.context() as env, sync_playwright() as playwright:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, live_server) -> Iterator[BrowserContext]:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", extra_http_headers={"Accept-Language": "en"}
    )
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = context.new_page()
    yield page
    if getattr(request.node, "e2e_failed", False):
        RESULTS_DIR.mkdir(exist_ok=True)
        page.screenshot(path=RESULTS_DIR / f"{request.node.name}.png", full_page=True)
    page.close()


@pytest.fixture
def e2e_world(transactional_db, world):  # type: ignore[no-untyped-def]
    """The personas, committed so that the live server's thread sees them."""
    return world


def follow_menu(page: Page, name: str) -> None:
    """Follow a link of the enterprise's menu, which folds behind its button on a phone.

    The menu is waited for first: called just after a click that leaves a page without it (the
    choice of enterprise), the button would otherwise be looked for on the page being left.
    """
    menu = page.get_by_role("navigation", name="Enterprise menu")
    expect(menu).to_be_visible()
    toggle = menu.get_by_role("button", name="Menu")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    menu.get_by_role("link", name=name, exact=True).click()


@pytest.fixture
def log_in(page: Page) -> Callable[[str], None]:
    """Log in through the real allauth form: log_in("group_manager")."""

    def log_in_as(username: str) -> None:
        if not page.url.endswith("/accounts/login/"):
            page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/$"))

    return log_in_as


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def assert_accessible(page: Page, axe: Axe) -> Callable[[str], None]:
    """Run axe-core (WCAG 2.1 A and AA rules) on the page as it is now; fail with its report."""

    def check(what: str) -> None:
        results = axe.run(page, options=WCAG_21_AA)
        assert results.violations_count == 0, f"{what} ({page.url}):\n{results.generate_report()}"

    return check


@pytest.fixture
def federal_login(settings, live_server):  # type: ignore[no-untyped-def]
    """Point the federated login at the development identity provider of the live server."""
    providers = {
        "openid_connect": {
            **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
            "APPS": [
                {
                    **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0],
                    "settings": {"server_url": f"{live_server.url}/dev-idp"},
                }
            ],
        }
    }
    settings.SOCIALACCOUNT_PROVIDERS = providers


@pytest.fixture(autouse=True)
def urls_seen_by_the_browser(page: Page) -> None:
    """Every URL the browser asks for goes to the leak witness."""
    from tests import leaks

    page.on("request", lambda request: leaks.saw("browser url", request.url))
