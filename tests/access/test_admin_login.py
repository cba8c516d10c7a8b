"""Staff reach the admin through the portal's login, its rate limits, and a second factor."""

import pytest
from django.test import Client

from tests import factories
from tests.staff import create_staff, log_in_staff, one_time_code

pytestmark = pytest.mark.django_db

MISMATCH = "The username and/or password you specified are not correct."


def browser() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def log_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"login": username, "password": password})


def admin_opens(client: Client) -> bool:
    response = client.get("/admin/")
    return response.status_code == 200 and "Site administration" in response.content.decode()


@pytest.mark.parametrize("with_one_time_codes", [True, False])
def test_the_admin_login_form_takes_no_password(with_one_time_codes):
    create_staff(with_one_time_codes=with_one_time_codes)
    client = browser()
    response = client.post("/admin/login/?next=/admin/", {"username": "staff", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert "_auth_user_id" not in client.session
    assert not admin_opens(client)
    assert client.get("/admin/login/")["Location"].startswith("/accounts/login/")


def test_thirty_wrong_passwords_lock_the_staff_account_at_the_portal_login():
    create_staff()
    client = browser()
    for _ in range(30):
        assert log_in(client, "staff", "wrong-password").status_code in (200, 429)
    locked = log_in(client, "staff", factories.PASSWORD)
    assert locked.status_code in (200, 429)
    assert MISMATCH in locked.content.decode() or locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert not admin_opens(client)
    # From another address too: the lockout is the username's.
    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="192.0.2.7")
    assert MISMATCH in log_in(elsewhere, "staff", factories.PASSWORD).content.decode()
    assert not admin_opens(elsewhere)


def test_thirty_wrong_passwords_then_the_right_one_at_the_admin_login_open_nothing():
    create_staff()
    client = browser()
    for _ in range(30):
        client.post("/admin/login/", {"username": "staff", "password": "wrong-password"})
    client.post("/admin/login/", {"username": "staff", "password": factories.PASSWORD})
    assert "_auth_user_id" not in client.session
    assert not admin_opens(client)


def test_staff_with_one_time_codes_who_typed_only_the_password_get_no_admin_page():
    _staff, secret = create_staff()
    client = browser()
    response = log_in(client, "staff", factories.PASSWORD)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert not admin_opens(client)
    assert client.get("/admin/access/person/").status_code == 302
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert not admin_opens(client)
    client.post("/accounts/2fa/authenticate/", {"code": one_time_code(secret)})
    assert admin_opens(client)


def test_a_session_that_did_not_pass_the_second_factor_opens_no_admin_page():
    staff, _secret = create_staff()
    client = log_in_staff(browser(), staff, second_factor=False)
    response = client.get("/admin/access/person/")
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"].startswith("/accounts/2fa/reauthenticate/")
    assert not admin_opens(client)


def test_staff_without_a_second_factor_are_sent_to_enrol_one():
    create_staff(with_one_time_codes=False)
    client = browser()
    assert log_in(client, "staff", factories.PASSWORD).status_code == 302
    response = client.get("/admin/", follow=True)
    assert "/accounts/2fa/totp/activate/" in [url for url, _status in response.redirect_chain]
    assert "Site administration" not in response.content.decode()
    if response.redirect_chain[-1][0].startswith("/accounts/reauthenticate/"):
        # allauth asks for the password again before an app is added.
        response = client.post(response.redirect_chain[-1][0], {"password": factories.PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/totp/activate/"
    assert response.status_code == 200
    assert not admin_opens(client)


def test_someone_who_is_not_staff_gets_no_admin_page(world, login):
    client = login(world.main)
    assert client.get("/admin/login/").status_code == 403
    assert not admin_opens(client)
