"""A local account (a Main Access Manager without a Belgian number) has no self-service reset:
nothing an outsider posts to the account pages changes an address, a password or a pending
activation. The recovery is "send new credentials", by the legal representative or by staff: the
old password stops working, the one-time-code app is reset, every session ends, and the journal
says what was reset."""

import re

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal import auth as totp
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client

from access import selectors, services
from access.models import AuditEvent, Enterprise
from accounts.models import OutboundMessage, User
from accounts.sms import LocmemBackend
from accounts.tasks import deliver_message
from tests import factories
from tests.factories import actor_of

pytestmark = pytest.mark.django_db


NO_RESET = "asks their legal representative for new credentials"
CHOSEN_PASSWORD = "Brussels-Lyon-2026!"


def client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def deliver_all() -> None:
    """What the worker does: every pending message, then the ones that were waiting for it."""
    for _ in range(2):
        for message in OutboundMessage.objects.filter(status="pending"):
            deliver_message(message.pk)


def received_credentials() -> tuple[str, str]:
    named = re.search(r"Your username is: (\S+)", str(mail.outbox[-1].body))
    assert named, mail.outbox[-1].body
    username = named.group(1)
    return username, LocmemBackend.outbox[-1].body.strip().splitlines()[-1]


def current_code(secret: str) -> str:
    return totp.format_hotp_value(totp.hotp_value(secret, next(totp.yield_hotp_counters_from_time())))


@pytest.fixture
def pending_main(world):
    """A foreign MAM of a pending enterprise, whose username and temporary password were delivered."""
    Enterprise.objects.filter(pk=world.enterprise.pk).update(status="pending", activated_at=None)
    person = factories.foreign_main(world, email="ana.silva@example.pt")
    deliver_all()
    return person


def account_state(user: User) -> dict:
    user.refresh_from_db()
    return {
        "addresses": list(EmailAddress.objects.values_list("email", "verified", "primary")),
        "users": User.objects.count(),
        "password": user.password,
        "setup_required": user.setup_required,
        "authenticators": Authenticator.objects.count(),
        "messages": list(OutboundMessage.objects.values_list("pk", "status")),
        "enterprises": list(Enterprise.objects.values_list("pk", "status")),
        "mails": len(mail.outbox),
        "sms": len(LocmemBackend.outbox),
    }


def activate(username: str, password: str) -> Client:
    """The first login of the MAM: temporary password, own password, one-time-code app."""
    browser = client()
    response = browser.post("/accounts/login/", {"login": username, "password": password})
    assert response["Location"] == "/accounts/setup/password/"
    response = browser.post(
        "/accounts/setup/password/", {"new_password1": CHOSEN_PASSWORD, "new_password2": CHOSEN_PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    page = browser.get("/accounts/2fa/totp/activate/").content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page) or re.search(
        r'value="([A-Z2-7]{16,})"[^>]*id="authenticator_secret"', page
    )
    assert secret, "no secret on the enrolment page"
    response = browser.post("/accounts/2fa/totp/activate/", {"code": current_code(secret.group(1))})
    if response.status_code == 200:  # the 30-second window turned between making the code and checking it
        response = browser.post("/accounts/2fa/totp/activate/", {"code": current_code(secret.group(1))})
    assert response.status_code == 302
    assert browser.get(response["Location"], follow=True).status_code == 200
    return browser


def test_an_outsider_posting_the_address_to_the_password_reset_changes_nothing(world, pending_main):
    before = account_state(pending_main.user)
    for path in ("/accounts/password/reset/", "/accounts/password/reset/done/"):
        response = client().post(path, {"email": "ana.silva@example.pt"})
        assert response.status_code == 200
        assert NO_RESET in response.content.decode()
    assert NO_RESET in client().get("/accounts/password/reset/").content.decode()
    assert account_state(pending_main.user) == before
    assert not EmailAddress.objects.exists()

    # The MAM's own login and enrolment still work, and activate the enterprise.
    activate(*received_credentials())
    world.enterprise.refresh_from_db()
    assert world.enterprise.status == "active"


def test_a_reset_link_cannot_set_the_password(world, pending_main):
    user = pending_main.user
    # A link as allauth mailed it (making the token writes the address row, as the mail did).
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    before = account_state(user)
    for path in (f"/accounts/password/reset/key/{key}/", f"/accounts/password/reset/key/{user.pk}-set-password/"):
        browser = client()
        assert NO_RESET in browser.get(path).content.decode()
        response = browser.post(path, {"password1": "Outsider-Chosen-99", "password2": "Outsider-Chosen-99"})
        assert NO_RESET in response.content.decode()
    assert NO_RESET in client().get("/accounts/password/reset/key/done/").content.decode()
    assert account_state(user) == before
    assert authenticate(username=user.username, password="Outsider-Chosen-99") is None


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/signup/", {"username": "ana", "email": "ana.silva@example.pt", "password1": "x" * 14}),
        ("/accounts/email/", {"action_add": "", "email": "ana.silva@example.pt"}),
        ("/accounts/confirm-email/", {"email": "ana.silva@example.pt"}),
        ("/accounts/confirm-email/forged-key/", {}),
        ("/accounts/login/code/confirm/", {"code": "123456"}),
        ("/accounts/password/change/", {"password1": "Outsider-Chosen-99", "password2": "Outsider-Chosen-99"}),
        ("/accounts/password/set/", {"password1": "Outsider-Chosen-99", "password2": "Outsider-Chosen-99"}),
        ("/accounts/reauthenticate/", {"password": "whatever"}),
        ("/accounts/setup/password/", {"new_password1": "Outsider-Chosen-99", "new_password2": "Outsider-Chosen-99"}),
        ("/accounts/2fa/totp/activate/", {"code": "123456"}),
        ("/accounts/3rdparty/signup/", {"email": "ana.silva@example.pt", "username": "ana"}),
        ("/accounts/login/", {"login": "ana.silva@example.pt", "password": "whatever"}),
        ("/accounts/logout/", {}),
        ("/accounts/inactive/", {}),
        ("/accounts/2fa/", {}),
        ("/accounts/2fa/authenticate/", {"code": "123456"}),
        ("/accounts/2fa/reauthenticate/", {"code": "123456"}),
        ("/accounts/2fa/totp/deactivate/", {}),
        ("/accounts/3rdparty/", {"account": "1"}),
        ("/accounts/3rdparty/login/error/", {}),
        ("/accounts/oidc/federal/login/callback/", {"code": "x", "state": "y"}),
    ],
)
def test_no_anonymous_post_changes_an_address_a_password_or_an_activation(world, pending_main, path, data):
    before = account_state(pending_main.user)
    response = client().post(path, data)
    assert response.status_code in (200, 302, 401, 403, 404, 405)
    assert account_state(pending_main.user) == before
    activate(*received_credentials())


# --- Send new credentials ------------------------------------------------------------------


@pytest.fixture
def active_main(world, pending_main):
    """The foreign MAM after their activation: own password, one-time-code app, recovery codes,
    and a session open in their browser."""
    browser = activate(*received_credentials())
    RecoveryCodes.activate(pending_main.user)
    return pending_main, browser


def test_new_credentials_stop_the_old_password_reset_the_app_and_end_the_sessions(world, login, active_main):
    person, browser = active_main
    username = person.user.username
    assert authenticate(username=username, password=CHOSEN_PASSWORD) == person.user
    assert Authenticator.objects.filter(user=person.user).count() == 2

    page = login(world.legal_representative).post(
        f"/e/{world.enterprise.pk}/main-manager/credentials/", {}, follow=True
    )
    assert "A new username and temporary password are on their way" in page.content.decode()

    assert authenticate(username=username, password=CHOSEN_PASSWORD) is None
    assert not Authenticator.objects.filter(user=person.user).exists()
    assert not browser.get("/").wsgi_request.user.is_authenticated
    event = AuditEvent.objects.get(action="credentials_sent", target_person=person)
    assert event.actor == world.legal_representative
    assert event.after["reset"] == ["password", "one-time-code app", "recovery codes", "sessions"]

    # The new temporary password leads through the set-up again, one-time-code app included.
    deliver_all()
    username, password = received_credentials()
    assert username == person.user.username
    activate(username, password)
    assert Authenticator.objects.filter(user=person.user, type="totp").count() == 1


def test_new_credentials_refuse_the_temporary_password_not_yet_used(world, pending_main):
    username, old_password = received_credentials()
    designation = selectors.main_manager_of(world.enterprise).designation
    services.main_manager_resend_credentials(actor_of(world, world.legal_representative), designation)
    assert authenticate(username=username, password=old_password) is None


def test_staff_send_new_credentials_in_the_admin_with_a_reason(world, active_main, staff_client):
    person, browser = active_main
    path = f"/admin/access/enterprise/{world.enterprise.pk}/main-manager/credentials/"
    page = staff_client.get(path).content.decode()
    assert person.full_name in page

    refused = staff_client.post(path, {"reason": "  "})
    assert refused.status_code == 200
    assert authenticate(username=person.user.username, password=CHOSEN_PASSWORD) == person.user

    response = staff_client.post(path, {"reason": "Lost phone, called the helpdesk"})
    assert response.status_code == 302
    assert authenticate(username=person.user.username, password=CHOSEN_PASSWORD) is None
    assert not Authenticator.objects.filter(user=person.user).exists()
    assert not browser.get("/").wsgi_request.user.is_authenticated
    event = AuditEvent.objects.get(action="credentials_sent", target_person=person)
    assert event.actor is None and event.enterprise == world.enterprise
    assert event.reason == "Lost phone, called the helpdesk"
    assert event.after["staff"] == "staff"
    assert "one-time-code app" in event.after["reset"]
    assert OutboundMessage.objects.filter(user=person.user, status="pending", channel="email").count() == 1
