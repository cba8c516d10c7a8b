"""A manager who lost their phone, in a fresh browser at a phone's width and at a desktop's: the
login page says what to do, a recovery code replaces the one-time code (after a wrong one), the
journal says a recovery code was used, and the header leads to the codes that are left."""

import re

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import Browser, expect

from access.models import AuditEvent
from tests import factories
from tests.e2e.conftest import WCAG_21_AA

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", [390, 1366])
def test_a_manager_who_lost_their_phone_logs_in_with_a_recovery_code(
    browser: Browser, live_server, e2e_world, axe, width
):
    person = e2e_world.group_manager
    TOTP.activate(person.user, generate_totp_secret())
    codes = RecoveryCodes.activate(person.user).get_unused_codes()
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        extra_http_headers={"Accept-Language": "en"},
        viewport={"width": width, "height": 900},
    )
    page = context.new_page()

    def assert_accessible(what: str) -> None:
        results = axe.run(page, options=WCAG_21_AA)
        assert results.violations_count == 0, f"{what} ({page.url}):\n{results.generate_report()}"

    try:
        page.goto("/accounts/login/")
        page.get_by_role("link", name="Lost your password or your phone?").click()
        expect(page.get_by_role("heading", name="Lost password")).to_be_visible()
        expect(page.get_by_text("type one of your recovery codes instead of the one-time code")).to_be_visible()
        assert_accessible("lost password or phone")
        page.go_back()

        page.get_by_label("Username").fill(person.user.username)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        page.get_by_label("Code").fill("not-a-code")
        page.get_by_role("button", name="Sign In").click()
        expect(page.get_by_role("alert").get_by_text("Incorrect code.")).to_be_visible()
        page.get_by_label("Code").fill(codes[0])
        page.get_by_role("button", name="Sign In").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

        page.get_by_role("navigation", name="Your account").get_by_role("link", name="Recovery codes").click()
        arrived = page.get_by_role("heading", name=re.compile(r"^(Confirm Access|Your recovery codes)$"))
        expect(arrived).to_be_visible()
        if arrived.inner_text() == "Confirm Access":  # the codes are shown after a fresh proof
            page.get_by_label("Password").fill(factories.PASSWORD)
            page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
        expect(page.get_by_text(codes[1])).to_be_visible()
        expect(page.get_by_text(codes[0], exact=True)).to_have_count(0)
        assert_accessible("recovery codes")
        page.reload()
        expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    finally:
        context.close()

    login = AuditEvent.objects.get(action="logged_in", actor=person)
    assert login.after == {"amr": ["pwd", "otp"], "acr": None, "recovery_code": True}
