"""The journal says how a person logged in (RFC 8176's amr values) and when they made new
recovery codes, never the codes themselves."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from access.models import AuditEvent
from tests import factories
from tests.staff import one_time_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_app(world):
    """The member, with a one-time-code app and recovery codes."""
    user = world.member.user
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    return world.member, secret, codes


def log_in(person, second_factor: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = client.post("/accounts/login/", {"login": person.user.username, "password": factories.PASSWORD})
    assert first["Location"] == "/accounts/2fa/authenticate/"
    assert not AuditEvent.objects.filter(action="logged_in").exists(), "journaled before the second factor"
    second = client.post("/accounts/2fa/authenticate/", {"code": second_factor})
    assert second.status_code == 302, second.content.decode()
    return client


def test_a_login_with_a_one_time_code_is_journaled_as_password_and_otp(with_app):
    person, secret, _codes = with_app
    log_in(person, one_time_code(secret))
    row = AuditEvent.objects.get(action="logged_in", actor=person)
    assert row.after["amr"] == ["pwd", "otp"]
    assert not row.after.get("recovery_code")


def test_a_login_with_a_recovery_code_is_journaled_as_such(with_app):
    person, _secret, codes = with_app
    log_in(person, codes[0])
    row = AuditEvent.objects.get(action="logged_in", actor=person)
    assert row.after["amr"] == ["pwd", "otp"]
    assert row.after["recovery_code"] is True
    assert codes[0] not in str(row.after)


def test_making_new_recovery_codes_is_journaled_without_the_codes(with_app, login, django_capture_on_commit_callbacks):
    person, _secret, old_codes = with_app
    client = login(person)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/2fa/recovery-codes/generate/")
    assert response.status_code == 302
    new_codes = Authenticator.objects.get(user=person.user, type="recovery_codes").wrap().get_unused_codes()
    assert set(new_codes).isdisjoint(old_codes)
    row = AuditEvent.objects.get(action="recovery_codes_generated")
    assert (row.actor, row.target_person) == (person, person)
    written = str(row.before) + str(row.after) + row.reason
    assert not [code for code in new_codes + old_codes if code in written]
