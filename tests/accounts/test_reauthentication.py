"""Managers confirm who they are before designating and before blocking for all groups."""

import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from allauth.account.internal.flows import login as login_flow
from allauth.account.internal.flows.reauthentication import STATE_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client

from access import selectors
from access.login.reauthentication import IDENTITY_CONFIRMED_AT
from access.models import AuditEvent, Designation, EnterpriseBlock
from tests import factories

pytestmark = pytest.mark.django_db


def designate_co_main(client, world, niss):
    return client.post(
        f"/e/{world.enterprise.pk}/managers/",
        {"kind": "co_main", "niss": niss, "given_name": "Cora", "surname": "Second"},
    )


def test_a_password_user_types_it_again_and_the_designation_then_goes_through(world, login, four_eyes_off):
    client = login(world.main, recently_authenticated=False)
    niss = factories.niss()
    response = designate_co_main(client, world, niss)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not Designation.objects.filter(person__niss=niss).exists()

    confirmed = client.post(response["Location"], {"password": factories.PASSWORD}, follow=True)
    assert confirmed.status_code == 200
    assert Designation.objects.filter(person__niss=niss, kind="co_main", revoked_at__isnull=True).exists()


def test_a_wrong_password_designates_nothing(world, login):
    client = login(world.main, recently_authenticated=False)
    niss = factories.niss()
    response = designate_co_main(client, world, niss)
    client.post(response["Location"], {"password": "not-the-password"})
    assert not Designation.objects.filter(person__niss=niss).exists()


def test_a_federated_manager_confirms_with_the_identity_provider(world, login):
    world.main.user.set_unusable_password()
    world.main.user.save()
    client = login(world.main, recently_authenticated=False)
    response = client.post(f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/", {"reason": "Inquiry"})
    assert response.status_code == 200
    assert "Confirm your identity" in response.content.decode()
    assert not EnterpriseBlock.objects.exists()
    session = client.session
    session["identity_confirmed_at"] = time.time()
    session.save()
    client.post(f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/", {"reason": "Inquiry"})
    assert EnterpriseBlock.objects.filter(person=world.member).exists()


def test_a_federated_manager_confirms_at_the_identity_provider_and_the_action_is_then_done(
    transactional_db, world, login, settings, live_server
):
    openid_connect = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]
    app = {**openid_connect["APPS"][0], "settings": {"server_url": f"{live_server.url}/dev-idp"}}
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {**openid_connect, "APPS": [app]}}
    world.main.user.set_unusable_password()
    world.main.user.save()
    client = login(world.main, recently_authenticated=False)
    asked = client.post(block_url(world), {"reason": "Inquiry"})
    assert "Confirm your identity to block Mats Member for all groups." in asked.content.decode()
    assert not EnterpriseBlock.objects.exists()

    start = client.post("/accounts/oidc/federal/login/", {"next": block_url(world)})
    oidc = dict(parse_qsl(urlsplit(start["Location"]).query))
    chosen = client.post("/dev-idp/authorize/", {**oidc, "niss": world.main.niss_display, "method": "eid"})
    callback = urlsplit(chosen["Location"])
    done = client.get(callback.path, dict(parse_qsl(callback.query)))

    assert done.status_code == 302
    assert done["Location"] == f"/e/{world.enterprise.pk}/users/{world.member.pk}/"
    block = EnterpriseBlock.objects.get(person=world.member)
    assert block.reason == "Inquiry"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ENTERPRISE_BLOCKED, actor=world.main).count() == 1


def test_reading_the_pages_asks_nothing(world, login):
    client = login(world.main, recently_authenticated=False)
    assert client.get(f"/e/{world.enterprise.pk}/managers/").status_code == 200
    assert client.get(f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/").status_code == 200


# --- The action waits for the confirmation, and is never lost ----------------------------------


def password_login(person) -> Client:
    """A browser that has just logged in through the login form, with the one-time code if any."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/accounts/login/", {"login": person.user.username, "password": factories.PASSWORD})
    if response["Location"] == "/accounts/2fa/authenticate/":
        secret = Authenticator.objects.get(user=person.user, type="totp").wrap().instance.data["secret"]
        client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    return client


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def age_authentications(client: Client, seconds: float) -> None:
    """The session's record of how the person proved who they are, as allauth keeps it, made older."""
    session = client.session
    records = session[login_flow.AUTHENTICATION_METHODS_SESSION_KEY]
    session[login_flow.AUTHENTICATION_METHODS_SESSION_KEY] = [{**r, "at": r["at"] - seconds} for r in records]
    if IDENTITY_CONFIRMED_AT in session:
        session[IDENTITY_CONFIRMED_AT] -= seconds
    session.save()


def block_url(world) -> str:
    return f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/"


def test_a_wrong_value_is_shown_on_the_form_before_any_password_is_asked(world, login):
    client = login(world.main, recently_authenticated=False)
    response = client.post(block_url(world), {"reason": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not EnterpriseBlock.objects.exists()

    response = client.post(block_url(world), {"reason": "Inquiry"})
    assert response["Location"] == "/accounts/reauthenticate/"
    confirmed = client.post("/accounts/reauthenticate/", {"password": factories.PASSWORD})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == f"/e/{world.enterprise.pk}/users/{world.member.pk}/"
    assert EnterpriseBlock.objects.filter(person=world.member).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ENTERPRISE_BLOCKED, target_person=world.member).exists()


def test_an_invalid_phone_for_a_foreign_main_manager_is_shown_before_any_password_is_asked(world, login):
    client = login(world.legal_representative, recently_authenticated=False)
    data = {
        "foreign-given_name": "Jean",
        "foreign-surname": "Dupré",
        "foreign-email": "jean.dupre@example.fr",
        "foreign-mobile_phone": "12",
        "foreign-language": "en",
        "foreign-replaces": selectors.main_manager_of(world.enterprise).designation.pk,
    }
    page = f"/e/{world.enterprise.pk}/main-manager/"
    url = f"{page}foreign/"
    response = client.post(url, data)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()

    response = client.post(url, {**data, "foreign-mobile_phone": "+33 6 12 34 56 78"})
    assert response["Location"] == "/accounts/reauthenticate/"
    assert (
        "Confirm your identity to designate Jean Dupré as Main Access Manager."
        in client.get(response["Location"]).content.decode()
    )
    confirmed = client.post("/accounts/reauthenticate/", {"password": factories.PASSWORD})
    assert confirmed["Location"] == page
    assert Designation.objects.filter(kind="main", person__surname="Dupré", revoked_at__isnull=True).exists()


def test_the_confirmation_page_says_which_action_it_confirms(world, login):
    client = login(world.main, recently_authenticated=False)
    client.post(block_url(world), {"reason": "Inquiry"})
    page = client.get("/accounts/reauthenticate/").content.decode()
    assert "Confirm your identity to block Mats Member for all groups." in page
    assert 'href="/static/css/portal.css"' in page  # the portal's own layout


def test_a_wrong_password_does_nothing_and_the_right_one_then_does_the_action(world, login):
    client = login(world.main, recently_authenticated=False)
    client.post(block_url(world), {"reason": "Inquiry"})
    wrong = client.post("/accounts/reauthenticate/", {"password": "not-the-password"})
    assert wrong.status_code == 200
    assert not EnterpriseBlock.objects.exists()
    assert "Confirm your identity to block Mats Member for all groups." in wrong.content.decode()
    client.post("/accounts/reauthenticate/", {"password": factories.PASSWORD})
    assert EnterpriseBlock.objects.filter(person=world.member).exists()


def test_an_action_refused_after_the_confirmation_comes_back_on_its_own_page(world, login):
    client = login(world.main, recently_authenticated=False)
    response = client.post(block_url(world), {"reason": "Inquiry"})
    assert response["Location"] == "/accounts/reauthenticate/"
    # Meanwhile, another manager blocks the same person.
    login(world.co_main).post(block_url(world), {"reason": "Fraud"})

    confirmed = client.post("/accounts/reauthenticate/", {"password": factories.PASSWORD})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == block_url(world)
    page = client.get(block_url(world)).content.decode()
    assert "This person is already blocked for all groups." in page
    assert "\nInquiry</textarea>" in page  # what the manager typed is still there
    assert EnterpriseBlock.objects.get(person=world.member).reason == "Fraud"
    # Shown once: a reload is the plain form.
    assert "already blocked" not in client.get(block_url(world)).content.decode()


def test_right_after_a_login_with_a_password_nothing_is_asked(world):
    client = password_login(world.main)
    response = client.post(block_url(world), {"reason": "Inquiry"})
    assert response["Location"] == f"/e/{world.enterprise.pk}/users/{world.member.pk}/"
    assert EnterpriseBlock.objects.filter(person=world.member).exists()


def test_right_after_a_login_with_a_one_time_code_nothing_is_asked(world):
    TOTP.activate(world.main.user, generate_totp_secret())
    client = password_login(world.main)
    response = client.post(block_url(world), {"reason": "Inquiry"})
    assert response["Location"] == f"/e/{world.enterprise.pk}/users/{world.member.pk}/"
    assert EnterpriseBlock.objects.filter(person=world.member).exists()


def test_after_reauthentication_seconds_the_password_is_asked_again(world, settings):
    client = password_login(world.main)
    age_authentications(client, settings.REAUTHENTICATION_SECONDS + 1)
    response = client.post(block_url(world), {"reason": "Inquiry"})
    assert response["Location"] == "/accounts/reauthenticate/"
    assert not EnterpriseBlock.objects.exists()


def test_a_confirmation_long_after_the_action_does_not_do_it(world, login, settings):
    client = login(world.main, recently_authenticated=False)
    client.post(block_url(world), {"reason": "Inquiry"})
    session = client.session
    state = session[STATE_SESSION_KEY]
    state["state"]["at"] -= settings.REAUTHENTICATION_SECONDS + 1
    session[STATE_SESSION_KEY] = state
    session.save()
    confirmed = client.post("/accounts/reauthenticate/", {"password": factories.PASSWORD}, follow=True)
    assert confirmed.redirect_chain[-1][0] == block_url(world)
    assert "Nothing was done" in confirmed.content.decode()
    assert not EnterpriseBlock.objects.exists()


def test_a_manager_with_a_one_time_code_app_may_confirm_with_a_code_instead(world, login):
    secret = generate_totp_secret()
    TOTP.activate(world.main.user, secret)
    client = login(world.main, recently_authenticated=False)
    client.post(block_url(world), {"reason": "Inquiry"})
    page = client.get("/accounts/reauthenticate/").content.decode()
    assert 'href="/accounts/2fa/reauthenticate/"' in page
    assert "Confirm with a one-time code instead" in page

    page = client.get("/accounts/2fa/reauthenticate/").content.decode()
    assert "Confirm your identity to block Mats Member for all groups." in page
    assert 'href="/static/css/portal.css"' in page
    confirmed = client.post("/accounts/2fa/reauthenticate/", {"code": current_code(secret)})
    assert confirmed["Location"] == f"/e/{world.enterprise.pk}/users/{world.member.pk}/"
    assert EnterpriseBlock.objects.filter(person=world.member).exists()
