"""Pages of allauth that the portal does not offer: a person who logs in through the federal
identity provider never gets a local password, and nobody adds an e-mail address of their own (the
portal keeps each person's address itself)."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from access import services
from tests import factories

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-Passphrase-42"


@pytest.fixture
def federated(world):
    """A person who logged in with eID: their account has no usable password."""
    person = factories.person(None, "Fedor", "Federal")
    user = services.identity_link(person, {"egovNRN": person.niss}, ip=None)
    assert not user.has_usable_password()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return user, client


def password_login(username: str, password: str):
    return Client(HTTP_ACCEPT_LANGUAGE="en").post("/accounts/login/", {"login": username, "password": password})


def test_a_federated_person_cannot_set_a_password_and_log_in_with_it(federated):
    user, client = federated
    assert client.get("/accounts/password/set/").status_code == 404
    posted = client.post("/accounts/password/set/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert posted.status_code == 404
    user.refresh_from_db()
    assert not user.has_usable_password()
    refused = password_login(user.username, NEW_PASSWORD)
    assert refused.status_code == 200
    assert "The username and/or password you specified are not correct." in refused.content.decode()


def test_the_password_change_sets_no_password_for_a_federated_person(federated):
    user, client = federated
    answer = client.get("/accounts/password/change/", follow=True)
    assert answer.status_code == 404
    posted = client.post(
        "/accounts/password/change/",
        {"oldpassword": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    assert posted.status_code == 404
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert password_login(user.username, NEW_PASSWORD).status_code == 200  # the login form again


def test_a_local_account_still_changes_its_password_and_the_journal_says_so(world, login):
    from access.models import AuditEvent

    client = login(world.member)
    assert client.get("/accounts/password/change/").status_code == 200
    posted = client.post(
        "/accounts/password/change/",
        {"oldpassword": factories.PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert posted.status_code == 302
    world.member.user.refresh_from_db()
    assert world.member.user.check_password(NEW_PASSWORD)
    row = AuditEvent.objects.get(action="password_changed", target_person=world.member)
    assert row.actor == world.member
    assert NEW_PASSWORD not in str(row.before) + str(row.after)


@pytest.mark.parametrize("person", ["federated", "local"])
def test_the_email_pages_answer_not_found_and_add_no_address(request, world, login, person):
    client = request.getfixturevalue("federated")[1] if person == "federated" else login(world.member)
    assert client.get("/accounts/email/").status_code == 404
    posted = client.post("/accounts/email/", {"email": "someone@example.be", "action_add": ""})
    assert posted.status_code == 404
    assert client.get("/accounts/confirm-email/").status_code == 404
    assert client.get("/accounts/confirm-email/MQ:1abcde:some-key/").status_code == 404
    assert client.post("/accounts/confirm-email/MQ:1abcde:some-key/").status_code == 404
    assert not EmailAddress.objects.exists()


def test_no_page_of_the_portal_links_to_the_email_pages(world, login):
    client = login(world.main)
    for path in ("/", f"/e/{world.enterprise.pk}/", "/accounts/2fa/", "/accounts/password/change/"):
        body = client.get(path, follow=True).content.decode()
        assert "/accounts/email/" not in body, path
