"""A Main Access Manager without a Belgian number, in a real browser: the legal representative
designates them; the username arrives by e-mail on a real SMTP server, the temporary password by
SMS through the gateway stand-in; they log in, choose a password, enrol a one-time-code app, see
their recovery codes, and the enterprise account becomes active."""

import re

import pytest
from allauth.mfa.totp.internal import auth as totp
from playwright.sync_api import Page, expect

from access.models import AuditEvent, Designation, Enterprise
from accounts.models import OutboundMessage

pytestmark = pytest.mark.e2e


def current_code(secret: str) -> str:
    return totp.format_hotp_value(totp.hotp_value(secret, next(totp.yield_hotp_counters_from_time())))


def test_foreign_main_manager_activates_the_enterprise(
    page: Page, e2e_world, log_in, smtp_server, sms_gateway, eager_tasks, assert_accessible
):
    world = e2e_world
    Enterprise.objects.filter(pk=world.enterprise.pk).update(status="pending", activated_at=None)
    Designation.objects.filter(enterprise=world.enterprise).exclude(kind="main").update(revoked_at="2026-01-01T00:00Z")

    # The legal representative designates the new MAM, who has no Belgian number.
    log_in("legal_representative")
    page.get_by_role("link", name="Acme").click()
    page.get_by_role("navigation", name="Enterprise menu").get_by_role("link", name="Main Access Manager").click()
    assert_accessible("main manager page")
    form = page.locator("form[action$='/main-manager/foreign/']")
    form.get_by_label("Given name").fill("Jean")
    form.get_by_label("Surname").fill("Dupré")
    form.get_by_label("E-mail address").fill("jean.dupre@example.fr")
    form.get_by_label("Mobile phone number").fill("+33 6 12 34 56 78")
    form.get_by_label("Language of the messages").select_option("en")
    form.get_by_role("button", name="Designate").click()
    # The legal representative has just logged in: that confirms who they are.
    expect(page.get_by_text("The Main Access Manager is designated; they have been informed.")).to_be_visible()
    expect(page.get_by_text("e-mail (username): sent")).to_be_visible()
    expect(page.get_by_text("SMS (temporary password): sent")).to_be_visible()
    assert_accessible("main manager page after designation")
    page.get_by_role("button", name="Log out").click()

    # The username, from the real SMTP server; the password, from the SMS gateway.
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["To"] == "jean.dupre@example.fr"
    mail_body = smtp_server.bodies()[0]
    named = re.search(r"Your username is: (\S+)", mail_body)
    assert named, mail_body
    username = named.group(1)
    assert len(sms_gateway.accepted) == 1
    assert sms_gateway.accepted[0]["to"] == "+33612345678"
    password = sms_gateway.accepted[0]["text"].strip().splitlines()[-1]
    assert password not in smtp_server.bodies()[0]

    # First login: the temporary password, then a password of their own.
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    assert_accessible("choose a password")
    page.locator("#id_new_password1").fill("Brussels-Lyon-2026!")
    page.locator("#id_new_password2").fill("Brussels-Lyon-2026!")
    page.get_by_role("button", name="Save my password").click()

    # Then the one-time-code app.
    expect(page.get_by_role("heading", name="Set up your app for one-time codes")).to_be_visible()
    assert_accessible("one-time-code app")
    secret = page.get_by_label("Secret key").input_value()
    page.get_by_label("Authenticator code").fill(current_code(secret))
    page.get_by_role("button", name="Activate").click()
    # The recovery codes, for the day the phone is lost; then the enterprise account is active.
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="Your enterprise account is active")).to_be_visible()
    page.goto("/dev/outbox/")
    assert_accessible("development outbox")
    page.goto("/activated/")

    world.enterprise.refresh_from_db()
    assert world.enterprise.status == "active"
    assert world.enterprise.activated_by.surname == "Dupré"
    assert AuditEvent.objects.filter(enterprise=world.enterprise, action="enterprise_activated").count() == 1
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}

    # The temporary password no longer works; the new one asks for a one-time code.
    page.get_by_role("button", name="Log out").click()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_text("The username and/or password you specified are not correct.")).to_be_visible()
    page.get_by_label("Password").fill("Brussels-Lyon-2026!")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    assert_accessible("one-time code at login")
    page.get_by_label("Code").fill(current_code(secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Choose an enterprise")).to_be_visible()
