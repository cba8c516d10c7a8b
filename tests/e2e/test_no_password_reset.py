"""Someone who knows the e-mail address of a Main Access Manager without a Belgian number posts it
to the password reset; the page says whom to ask and nothing changes: no address row, no e-mail,
and the MAM then activates the enterprise in their own fresh browser, at a phone's width and at a
desktop's."""

import re

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import Browser, Page, expect

from access.models import Enterprise
from accounts.models import OutboundMessage
from tests import factories
from tests.e2e.test_foreign_main_manager import current_code

pytestmark = pytest.mark.e2e

NO_RESET = "A Main Access Manager without a Belgian number asks their legal representative for new credentials"


@pytest.mark.parametrize("width", [390, 1366])
def test_an_outsider_reset_changes_nothing_and_the_main_manager_activates(
    browser: Browser,
    page: Page,
    live_server,
    e2e_world,
    smtp_server,
    sms_gateway,
    eager_tasks,
    assert_accessible,
    width,
):
    world = e2e_world
    Enterprise.objects.filter(pk=world.enterprise.pk).update(status="pending", activated_at=None)
    factories.foreign_main(world, email="ana.silva@example.pt")  # delivered at once: tasks run eagerly
    assert (len(smtp_server.messages), len(sms_gateway.accepted)) == (1, 1)
    mail_body = smtp_server.bodies()[0]
    named = re.search(r"Your username is: (\S+)", mail_body)
    assert named, mail_body
    username = named.group(1)
    password = sms_gateway.accepted[0]["text"].strip().splitlines()[-1]

    # The outsider, in their browser: the reset page, then a post of the address.
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/accounts/password/reset/")
    expect(page.get_by_role("heading", name="Lost password")).to_be_visible()
    expect(page.get_by_text(NO_RESET)).to_be_visible()
    assert_accessible("no password reset")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    posted = page.request.post(
        "/accounts/password/reset/",
        form={"csrfmiddlewaretoken": token, "email": "ana.silva@example.pt"},
        headers={"Referer": f"{live_server.url}/accounts/password/reset/"},
    )
    assert posted.status == 200 and NO_RESET in posted.text()
    assert not EmailAddress.objects.exists()
    assert (len(smtp_server.messages), len(sms_gateway.accepted)) == (1, 1)

    # The MAM, in a fresh browser of their own: a wrong password first, then the temporary one.
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        extra_http_headers={"Accept-Language": "en"},
        viewport={"width": width, "height": 900},
    )
    mam = context.new_page()
    try:
        mam.goto("/accounts/login/")
        mam.get_by_label("Username").fill(username)
        mam.get_by_label("Password").fill("not-the-password")
        mam.get_by_role("button", name="Log in", exact=True).click()
        expect(mam.get_by_text("The username and/or password you specified are not correct.")).to_be_visible()
        mam.get_by_label("Password").fill(password)
        mam.get_by_role("button", name="Log in", exact=True).click()
        expect(mam.get_by_role("heading", name="Choose your password")).to_be_visible()
        mam.locator("#id_new_password1").fill("Brussels-Lyon-2026!")
        mam.locator("#id_new_password2").fill("Brussels-Lyon-2026!")
        mam.get_by_role("button", name="Save my password").click()

        expect(mam.get_by_role("heading", name="Set up your app for one-time codes")).to_be_visible()
        secret = mam.locator("#authenticator_secret").input_value()
        mam.get_by_label("Authenticator code").fill("000000")
        mam.get_by_role("button", name="Activate").click()
        expect(mam.get_by_role("heading", name="Set up your app for one-time codes")).to_be_visible()
        mam.get_by_label("Authenticator code").fill(current_code(secret))
        mam.get_by_role("button", name="Activate").click()
        expect(mam.get_by_role("heading", name="Your recovery codes")).to_be_visible()
        mam.get_by_role("link", name="Continue").click()
        expect(mam.get_by_role("heading", name="Your enterprise account is active")).to_be_visible()
    finally:
        context.close()

    world.enterprise.refresh_from_db()
    assert world.enterprise.status == "active"
    assert not EmailAddress.objects.exists()
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}
