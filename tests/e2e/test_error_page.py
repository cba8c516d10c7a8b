"""The 500 page in Chromium, as a person meets it: the portal's layout, axe-clean at a phone's and
a desktop's width, with the reference to quote, which is the response's X-Request-ID."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.urls("tests.test_error_pages")]


@pytest.mark.parametrize("width", [390, 1366])
def test_a_server_error_shows_a_readable_page_with_the_reference_to_quote(
    page: Page, e2e_world, assert_accessible, width
):
    page.set_viewport_size({"width": width, "height": 800})
    response = page.goto("/broken/")
    assert response is not None and response.status == 500
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
    expect(page.locator("main code")).to_have_text(response.headers["x-request-id"])
    assert_accessible(f"500 page at {width} px")
    page.get_by_role("link", name="Back to the home page").click()
    expect(page).to_have_url("/".join(page.url.split("/")[:3]) + "/")
