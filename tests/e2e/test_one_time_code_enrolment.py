"""A foreign Main Access Manager enrols their one-time-code app in a fresh browser, on a phone and on
a laptop: the browser fetches the favicon and the person reloads the page, types a wrong code
first, then the right one; the secret on screen stays the one to confirm, the recovery codes
follow, and the enterprise account becomes active."""

import re

import pytest
from allauth.mfa.totp.internal import auth as totp
from playwright.sync_api import Page, Response, expect

from access.models import Enterprise
from tests import factories

pytestmark = pytest.mark.e2e

CHOSEN_PASSWORD = "Lisboa-Bruxelas-2026!"
ENROLMENT = "/accounts/2fa/totp/activate/"


def code_for(secret: str, shift: int = 0) -> str:
    value = totp.hotp_value(secret, next(totp.yield_hotp_counters_from_time()))
    return totp.format_hotp_value((value + shift) % 10**6)


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [390, 1366])
def test_a_foreign_main_manager_enrols_in_a_fresh_browser(
    page: Page, e2e_world, smtp_server, sms_gateway, eager_tasks, assert_accessible, width
):
    world = e2e_world
    Enterprise.objects.filter(pk=world.enterprise.pk).update(status="pending", activated_at=None)
    page.set_viewport_size({"width": width, "height": 900})
    redirected_to_enrolment: list[str] = []

    def watch(response: Response) -> None:
        location = response.headers.get("location", "")
        if response.request.resource_type != "document" and ENROLMENT in location:
            redirected_to_enrolment.append(response.url)

    page.on("response", watch)

    # Designated by the legal representative: the username by e-mail, the password by SMS.
    factories.foreign_main(world)
    mail_body = smtp_server.bodies()[0]
    named = re.search(r"Your username is: (\S+)", mail_body)
    assert named, mail_body
    username = named.group(1)
    password = sms_gateway.accepted[0]["text"].strip().splitlines()[-1]

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    page.locator("#id_new_password1").fill(CHOSEN_PASSWORD)
    page.locator("#id_new_password2").fill(CHOSEN_PASSWORD)
    page.get_by_role("button", name="Save my password").click()

    expect(page.get_by_role("heading", name="Set up your app for one-time codes")).to_be_visible()
    secret = page.get_by_label("Secret key").input_value()
    qr_code = page.locator("img.qr-code").get_attribute("src")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    # The browser asks for the icon; the person reloads the page: the secret stays.
    icon = page.request.get("/favicon.ico")
    assert icon.ok and icon.headers["content-type"].startswith("image/")
    assert icon.body().startswith(b"\x00\x00\x01\x00"), "an icon file"
    page.reload()
    expect(page.get_by_label("Secret key")).to_have_value(secret)
    assert page.locator("img.qr-code").get_attribute("src") == qr_code, "the QR code scanned is still the one"
    expect(page.locator(".secret-groups")).to_have_text(" ".join(re.findall(".{4}", secret)))
    assert page.get_by_label("Secret key").evaluate("field => field.scrollWidth <= field.clientWidth"), "cut off"
    assert fits_the_screen(page)
    assert_accessible("one-time-code enrolment")

    page.get_by_label("Authenticator code").fill(code_for(secret, shift=1))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_role("alert").get_by_text("Incorrect code.")).to_be_visible()
    expect(page.get_by_label("Secret key")).to_have_value(secret)
    world.enterprise.refresh_from_db()
    assert world.enterprise.status == "pending"

    page.get_by_label("Authenticator code").fill(code_for(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    expect(page.get_by_role("link", name="Download the codes")).to_be_visible()
    assert fits_the_screen(page)
    assert_accessible("recovery codes")
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="Your enterprise account is active")).to_be_visible()

    assert redirected_to_enrolment == []
    world.enterprise.refresh_from_db()
    assert world.enterprise.status == "active"
