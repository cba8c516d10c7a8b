"""What a person who lost their password or their phone finds: a link on the login page to what
to do, recovery codes for a lost phone, and their recovery codes in the account links."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

pytestmark = pytest.mark.django_db

LOST = {
    "en": "Lost your password or your phone?",
    "fr": "Mot de passe ou téléphone perdu\u202f?",
    "nl": "Wachtwoord of telefoon kwijt?",
    "de": "Passwort oder Telefon verloren?",
}


@pytest.mark.parametrize("language", LOST)
def test_the_login_page_links_to_what_to_do_in_each_language(language):
    page = Client(HTTP_ACCEPT_LANGUAGE=language).get("/accounts/login/").content.decode()
    assert f'<a href="/accounts/password/reset/">{LOST[language]}</a>' in page


def test_the_lost_password_page_points_a_lost_phone_to_the_recovery_codes():
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/accounts/password/reset/").content.decode()
    assert "type one of your recovery codes instead of the one-time code" in page


def test_the_account_links_show_the_recovery_codes_to_people_with_an_app(world, login):
    TOTP.activate(world.member.user, generate_totp_secret())
    with_app = login(world.member).get("/").content.decode()
    without_app = login(world.main).get("/").content.decode()
    assert '<a href="/accounts/2fa/recovery-codes/">Recovery codes</a>' in with_app
    assert "/accounts/2fa/recovery-codes/" not in without_app
