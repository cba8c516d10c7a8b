"""The first login of a local account as a browser makes it: besides the pages it opens, the browser
fetches the favicon and static files, and the person reloads the enrolment page; none of that
changes the secret of the one-time-code app or turns into a redirect to a form. Once enrolled, the
person sees recovery codes, each of which logs in once."""

import html
import re
from typing import TYPE_CHECKING

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp
from django.conf import settings
from django.test import Client

from access.models import Enterprise
from accounts import outbox
from tests import factories

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

CHOSEN_PASSWORD = "a-long-Passphrase-42"
PAGE = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
IMAGE = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
WRONG = "The username and/or password you specified are not correct."


def client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_ACCEPT=PAGE)


def current_code(secret: str) -> str:
    return totp.format_hotp_value(totp.hotp_value(secret, next(totp.yield_hotp_counters_from_time())))


def secret_on(response) -> str:
    field = re.search(r'<input[^>]*id="authenticator_secret"[^>]*>', response.content.decode())
    value = re.search(r'value="([^"]*)"', field.group(0)) if field else None
    assert value, "no secret on the enrolment page"
    return html.unescape(value.group(1))


@pytest.fixture
def local(world):
    """A Main Access Manager without a Belgian number, with their temporary password; their
    enterprise is pending until they finish the set-up."""
    Enterprise.objects.filter(pk=world.enterprise.pk).update(status="pending", activated_at=None)
    person = factories.foreign_main(world)
    return person.user, outbox.issue_temporary_password(person.user)


@pytest.fixture
def enrolling(local) -> Client:
    """Logged in with the temporary password, own password chosen: the enrolment is next."""
    user, password = local
    browser = client()
    browser.post("/accounts/login/", {"login": user.username, "password": password})
    response = browser.post(
        "/accounts/setup/password/", {"new_password1": CHOSEN_PASSWORD, "new_password2": CHOSEN_PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    return browser


def test_what_a_browser_fetches_besides_pages_is_not_sent_to_the_enrolment(enrolling):
    favicon = enrolling.get("/favicon.ico", HTTP_ACCEPT=IMAGE, follow=True)
    assert favicon.status_code == 200
    assert favicon.redirect_chain and favicon.redirect_chain[-1][0].startswith("/static/")
    assert favicon["Content-Type"].startswith("image/")
    assert b"".join(favicon.streaming_content).startswith(b"\x00\x00\x01\x00"), "an icon file"
    assert enrolling.get("/static/css/portal.css", HTTP_ACCEPT="text/css,*/*;q=0.1").status_code == 200
    assert enrolling.get("/health/", HTTP_ACCEPT="*/*").status_code == 200
    for path in ("/robots.txt", "/manifest.json", "/static/css/portal.css.map"):
        response = enrolling.get(path, HTTP_ACCEPT="*/*")
        assert response.status_code in (403, 404), path
    # Pages still lead to the enrolment.
    assert enrolling.get("/")["Location"] == "/accounts/2fa/totp/activate/"


def test_a_form_posted_before_the_set_up_is_done_is_refused_not_redirected(enrolling, world):
    response = enrolling.post("/i18n/setlang/", {"language": "fr"})
    assert response.status_code == 302  # choosing a language stays open, and the refusal below speaks it
    response = enrolling.post(f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/", {"reason": "x"})
    assert response.status_code == 403
    assert "Terminez d’abord la configuration de votre compte." in response.content.decode()
    world.enterprise.refresh_from_db()
    assert world.enterprise.status == "pending"


def test_the_secret_stays_the_same_until_it_is_confirmed(enrolling, local, world):
    first = secret_on(enrolling.get("/accounts/2fa/totp/activate/"))
    enrolling.get("/favicon.ico", HTTP_ACCEPT=IMAGE)
    enrolling.get("/", follow=True)
    again = secret_on(enrolling.get("/accounts/2fa/totp/activate/"))
    assert again == first
    assert len(first) == 32, "the whole secret is on the page"

    wrong = enrolling.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "Incorrect code." in wrong.content.decode()
    assert secret_on(wrong) == first
    assert not Authenticator.objects.filter(user=local[0]).exists()

    done = enrolling.post("/accounts/2fa/totp/activate/", {"code": current_code(first)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=local[0], type="totp").count() == 1
    enrolling.get(done["Location"])
    world.enterprise.refresh_from_db()
    assert world.enterprise.status == "active"


@pytest.mark.parametrize(
    ("language", "enrolment", "recovery"),
    [
        ("fr", "Configurez votre application de codes à usage unique", "Vos codes de récupération"),
        ("nl", "Stel uw app voor eenmalige codes in", "Uw herstelcodes"),
        ("de", "Richten Sie Ihre App für Einmalcodes ein", "Ihre Wiederherstellungscodes"),
    ],
)
def test_the_enrolment_and_the_recovery_codes_speak_the_persons_language(enrolling, language, enrolment, recovery):
    enrolling.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = enrolling.get("/accounts/2fa/totp/activate/").content.decode()
    assert f'<html lang="{language}">' in page
    assert f"<h1>{enrolment}</h1>" in page
    assert "Secret key" not in page
    codes = enrolling.get(enrolled(enrolling)["Location"]).content.decode()
    assert f"<h1>{recovery}</h1>" in codes


def recovery_codes_on(response) -> list[str]:
    listed = re.search(r'<ol class="recovery-codes"[^>]*>(.*?)</ol>', response.content.decode(), re.S)
    assert listed, "no recovery codes on the page"
    return re.findall(r"<code>(\w+)</code>", listed.group(1))


def enrolled(browser: Client) -> "TestResponse":
    secret = secret_on(browser.get("/accounts/2fa/totp/activate/"))
    return browser.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})


def test_the_set_up_shows_the_recovery_codes_then_the_active_enterprise(enrolling, world):
    done = enrolled(enrolling)
    assert done["Location"] == "/accounts/2fa/recovery-codes/"
    shown = enrolling.get(done["Location"])
    assert shown.status_code == 200
    codes = recovery_codes_on(shown)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert 'href="/accounts/2fa/recovery-codes/download/"' in shown.content.decode()
    download = enrolling.get("/accounts/2fa/recovery-codes/download/")
    assert download["Content-Disposition"].startswith("attachment")
    assert download.content.decode().split() == codes
    assert 'href="/activated/"' in shown.content.decode()
    activated = enrolling.get("/activated/")
    assert "Your enterprise account is active" in activated.content.decode()
    assert world.enterprise.name in activated.content.decode()


def log_in_with_code(username: str, code: str):
    browser = client()
    response = browser.post("/accounts/login/", {"login": username, "password": CHOSEN_PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "Type one of your recovery codes instead" in browser.get(response["Location"]).content.decode()
    return browser, browser.post("/accounts/2fa/authenticate/", {"code": code})


def test_a_recovery_code_logs_in_once(enrolling, local):
    user, _ = local
    codes = recovery_codes_on(enrolling.get(enrolled(enrolling)["Location"]))

    browser, response = log_in_with_code(user.username, codes[0])
    assert response.status_code == 302 and response["Location"] == "/"
    assert browser.get("/").context["user"] == user

    browser, response = log_in_with_code(user.username, codes[0])
    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert not browser.get("/").context["user"].is_authenticated

    _, response = log_in_with_code(user.username, codes[1])
    assert response.status_code == 302


def test_an_app_enrolled_before_recovery_codes_existed_gets_them_at_the_next_login(world):
    user = world.main.user
    secret = totp.generate_totp_secret()
    totp.TOTP.activate(user, secret)
    browser = client()
    browser.post("/accounts/login/", {"login": user.username, "password": factories.PASSWORD})
    response = browser.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    codes = recovery_codes_on(browser.get(response["Location"]))
    assert len(codes) == 10

    # Once shown, the next login goes where it always did, with the same codes.
    browser.post("/accounts/logout/")
    browser.post("/accounts/login/", {"login": user.username, "password": factories.PASSWORD})
    response = browser.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert response["Location"] == "/"


def test_new_recovery_codes_replace_the_old_ones(enrolling, local):
    user, _ = local
    old = recovery_codes_on(enrolling.get(enrolled(enrolling)["Location"]))
    page = enrolling.get("/accounts/2fa/recovery-codes/generate/").content.decode()
    assert "<h1>New recovery codes</h1>" in page
    assert "those stop working at once" in page
    response = enrolling.post("/accounts/2fa/recovery-codes/generate/")
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    new = recovery_codes_on(enrolling.get(response["Location"]))
    assert not set(new) & set(old)

    _, response = log_in_with_code(user.username, old[0])
    assert "Incorrect code." in response.content.decode()
    _, response = log_in_with_code(user.username, new[0])
    assert response.status_code == 302
