"""A person logged in on two browsers, at a phone's and a laptop's width: on one, the sessions page
(from the header) lists both with their browser, address and last activity; ending the others
sends the other browser to the login page at its next click."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories

pytestmark = pytest.mark.e2e

WIDTHS = [pytest.param(390, id="phone"), pytest.param(1366, id="laptop")]


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_person_ends_their_session_in_another_browser(
    page: Page, browser: Browser, live_server, e2e_world, assert_accessible, width: int
):
    world = e2e_world
    page.set_viewport_size({"width": width, "height": 900})
    other_context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        extra_http_headers={"Accept-Language": "en"},
        user_agent="Firefox on the office computer",
        viewport={"width": width, "height": 900},
    )
    try:
        other = other_context.new_page()
        log_in(other, "member")
        log_in(page, "member")

        page.get_by_role("link", name="Your sessions").click()
        expect(page.get_by_role("heading", name="Your sessions")).to_be_visible()
        expect(page.get_by_role("heading", name="This browser")).to_be_visible()
        expect(page.get_by_text("Chrome on Linux")).to_be_visible()  # this Chromium
        expect(page.get_by_text("Firefox on the office computer")).to_be_visible()
        expect(page.get_by_text("127.0.0.1").first).to_be_visible()
        assert_accessible("sessions page")
        page.get_by_role("button", name="End the other sessions").click()
        expect(page.get_by_text("Your other sessions are ended.")).to_be_visible()
        expect(page.get_by_text("Firefox on the office computer")).not_to_be_visible()
        assert_accessible("sessions page after ending the others")

        other.get_by_role("link", name="Acme").click()
        expect(other).to_have_url(f"{live_server.url}/accounts/login/?next=/e/{world.enterprise.pk}/")
        expect(other.get_by_role("button", name="Log out")).to_have_count(0)
        page.reload()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
    finally:
        other_context.close()
