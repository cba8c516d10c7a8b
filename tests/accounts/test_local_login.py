"""Local logins (people without a Belgian number): the temporary password works once and
expires; failures lock out per username and address with the same answer as a wrong password."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import outbox
from tests import factories

pytestmark = pytest.mark.django_db

MISMATCH = "The username and/or password you specified are not correct."


def log_in(client, username, password):
    return client.post("/accounts/login/", {"login": username, "password": password})


@pytest.fixture
def temporary(world):
    person = factories.person("jean.dupre", "Jean", "Dupré", niss=None)
    person.niss = None
    person.save()
    password = outbox.issue_temporary_password(person.user)
    return person.user, password


def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_the_temporary_password_works_once_and_leads_to_the_setup(temporary):
    user, password = temporary
    first = client()
    response = log_in(first, user.username, password)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/setup/password/"
    # Nothing else opens until the set-up is done.
    assert first.get("/").status_code == 302
    assert first.get("/")["Location"] == "/accounts/setup/password/"
    user.refresh_from_db()
    assert user.setup_required and not user.has_usable_password() and not user.password_is_temporary
    second = log_in(client(), user.username, password)
    assert MISMATCH in second.content.decode()


def test_choosing_a_password_leads_to_the_one_time_code_app(temporary):
    user, password = temporary
    browser = client()
    log_in(browser, user.username, password)
    response = browser.post(
        "/accounts/setup/password/",
        {"new_password1": "a-long-Passphrase-42", "new_password2": "a-long-Passphrase-42"},
    )
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    assert browser.get("/accounts/2fa/totp/activate/").status_code == 200
    assert browser.get("/e/1/")["Location"] == "/accounts/2fa/totp/activate/"


def test_an_expired_temporary_password_is_refused_like_a_wrong_one(temporary):
    user, password = temporary
    user.temporary_password_expires_at = timezone.now() - timedelta(seconds=1)
    user.save()
    response = log_in(client(), user.username, password)
    assert response.status_code == 200
    assert MISMATCH in response.content.decode()


def test_repeated_failures_lock_the_username_with_the_same_answer(world):
    user = world.member.user
    for _ in range(5):
        assert MISMATCH in log_in(client(), user.username, "wrong-password").content.decode()
    locked = log_in(client(), user.username, factories.PASSWORD)
    assert locked.status_code == 200
    assert MISMATCH in locked.content.decode()
    unknown = log_in(client(), "nobody-at-all", "whatever")
    assert unknown.content.decode().count(MISMATCH) == locked.content.decode().count(MISMATCH)
    # Another username from the same address still gets in.
    assert log_in(client(), world.group_manager.user.username, factories.PASSWORD).status_code == 302
