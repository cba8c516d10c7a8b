"""Errors go to Sentry without personal data: a real Sentry client, started as the settings start it,
posts to a Sentry stand-in on loopback what a failed request leaves, and no national register
number, password, token, cookie or session id arrives there.

This module is also the URL conf of its tests: the portal's addresses, and a page that fails with
what a person posted in its message.
"""

import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sentry_sdk
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from portal import sentry
from portal import urls as portal_urls
from tests.servers import SentryServer
from tests.test_production import production_env

ROOT = Path(__file__).resolve().parents[1]
logger = logging.getLogger("portal.tests")

NISS = "85073003361"
NISS_WRITTEN = "85.07.30-033.61"
PASSWORD = "Correct-Horse-Battery-42"
BEARER = "bearer-token-0123456789abcdef"
SESSION = "sessionid0123456789abcdefghijklm"
CSRF = "csrftoken0123456789abcdefghijklmnopqrst"
SECRETS = (NISS, NISS_WRITTEN, PASSWORD, BEARER, SESSION, CSRF)


@csrf_exempt  # the token and its cookie are sent all the same, to be scrubbed
def register(request: HttpRequest, number: str) -> HttpResponse:
    niss, password = request.POST["niss"], request.POST["password"]
    logger.warning("Registering %s", niss)  # kept by Sentry as a breadcrumb
    raise RuntimeError(f"could not register {niss} (also {number}) with password={password}")


urlpatterns = [path("register/<str:number>/", register), *portal_urls.urlpatterns]
handler500 = portal_urls.handler500

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def sentry_server() -> Iterator[SentryServer]:
    """Sentry started as the settings start it when SENTRY_DSN is set, on a stand-in's DSN."""
    server = SentryServer()
    sentry.init(server.dsn, environment="test")
    yield server
    client = sentry_sdk.get_client()
    client.close()
    sentry_sdk.get_global_scope().set_client(None)
    server.stop()


def failed_request() -> int:
    """A form posted to the failing page, served as gunicorn serves it: through Django's WSGI
    handler, which Sentry wraps to read the request (the test client goes around it)."""
    request = RequestFactory().post(
        f"/register/{NISS_WRITTEN}/?niss={NISS}&password={PASSWORD}",
        {"niss": NISS_WRITTEN, "password": PASSWORD},
        HTTP_AUTHORIZATION=f"Bearer {BEARER}",
        HTTP_COOKIE=f"sessionid={SESSION}; csrftoken={CSRF}",
        HTTP_X_CSRFTOKEN=CSRF,
    )
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable[[bytes], None]:
        statuses.append(status)
        return lambda data: None

    # As Django's test client does: the test's database connection, inside its transaction, stays open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(request.environ, start_response)
        b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    sentry_sdk.flush(timeout=10)
    return int(statuses[0].split()[0])


def test_a_server_error_arrives_in_sentry_without_personal_data(sentry_server):
    assert failed_request() == 500
    [event] = sentry_server.events()
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "could not register [Filtered] (also [Filtered]) with password=[Filtered]"
    assert event["request"]["method"] == "POST"
    assert event["request"]["url"].endswith("/register/[Filtered]/")
    assert event["request"]["query_string"] == "niss=[Filtered]&password=[Filtered]"
    assert not event["request"].get("data") and "cookies" not in event["request"]  # the body is never sent
    headers = event["request"]["headers"]
    assert headers["Authorization"] == headers["Cookie"] == headers["X-Csrftoken"] == "[Filtered]"
    assert "Registering [Filtered]" in [crumb.get("message") for crumb in event["breadcrumbs"]["values"]]
    assert all("vars" not in frame for frame in exception["stacktrace"]["frames"])
    assert "user" not in event


def test_nothing_secret_arrives_anywhere_in_what_sentry_receives(sentry_server):
    failed_request()
    received = "\n".join(sentry_server.envelopes)
    assert "could not register" in received
    assert [secret for secret in SECRETS if secret in received] == []


@pytest.mark.parametrize(
    "text, scrubbed",
    [
        (f"person {NISS} found", "person [Filtered] found"),
        (f"person {NISS_WRITTEN} found", "person [Filtered] found"),
        ("person 85 07 30 033 61 found", "person [Filtered] found"),
        ("enterprise 0403.019.261 and 12345 stay", "enterprise 0403.019.261 and 12345 stay"),
        ('{"password": "hunter2", "token": "abc"}', '{"password": "[Filtered]", "token": "[Filtered]"}'),
        ("sessionid=abc; csrftoken=def", "sessionid=[Filtered]; csrftoken=[Filtered]"),
        ("Authorization: Bearer abc.def", "Authorization: Bearer [Filtered]"),
    ],
)
def test_the_scrubber_replaces_national_numbers_and_secrets_in_text(text, scrubbed):
    assert sentry.scrub_text(text) == scrubbed


def test_the_scrubber_replaces_values_named_like_secrets_however_deep():
    event = {
        "request": {"headers": {"Cookie": "x", "X-Csrftoken": "y", "Accept": "text/html"}},
        "extra": {"settings": [{"SECRET_KEY": "k", "SMS_GATEWAY_TOKEN": "t", "niss": "n", "DEBUG": False}]},
    }
    assert sentry.scrub(event) == {
        "request": {"headers": {"Cookie": "[Filtered]", "X-Csrftoken": "[Filtered]", "Accept": "text/html"}},
        "extra": {
            "settings": [
                {"SECRET_KEY": "[Filtered]", "SMS_GATEWAY_TOKEN": "[Filtered]", "niss": "[Filtered]", "DEBUG": False}
            ]
        },
    }


SENTRY_OPTIONS = """
import django
django.setup()
import sentry_sdk
options = sentry_sdk.get_client().options if sentry_sdk.get_client().is_active() else {}
print(options.get("environment", False), getattr(options.get("before_send"), "__module__", False))
"""


@pytest.mark.parametrize(
    "variables, expected",
    [
        ({}, "False False"),
        ({"SENTRY_DSN": "http://key@127.0.0.1:9/1"}, "production portal.sentry"),
        ({"SENTRY_DSN": "http://key@127.0.0.1:9/1", "SENTRY_ENVIRONMENT": "staging"}, "staging portal.sentry"),
    ],
)
def test_the_settings_start_sentry_with_the_scrubber_when_a_dsn_is_set(variables, expected):
    env = {**production_env(**variables), "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = subprocess.run([sys.executable, "-c", SENTRY_OPTIONS], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
