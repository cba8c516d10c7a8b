"""The error pages. A server error shows the portal's own page, in the person's language, with the
request's id, which the response header and the log records of that request carry too, so that a
person can quote it and staff find the traceback. The id comes from the portal, or from the
trusted proxy in front of it, never from a client. A missing page is the portal's 404 page.

This module is also the URL conf of its tests: the portal's addresses, and one page that fails.
"""

import io
import logging
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path
from django.utils.module_loading import import_string

from portal import urls as portal_urls


def broken(request):
    raise RuntimeError("the page failed")


urlpatterns = [path("broken/", broken), *portal_urls.urlpatterns]
handler500 = getattr(portal_urls, "handler500", "django.views.defaults.server_error")

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

REQUEST_ID = re.compile(r"[0-9a-f]{32}")
SOMETHING_WENT_WRONG = {
    "en": "Something went wrong",
    "fr": "Une erreur est survenue",
    "nl": "Er is iets misgegaan",
    "de": "Etwas ist schiefgelaufen",
}


def browser(language: str = "en", **headers: Any) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False, **headers)


def test_debug_is_off_in_these_tests():
    # Django shows its own technical page with DEBUG on: the portal's page is what production shows.
    assert not settings.DEBUG


@pytest.mark.parametrize("language", SOMETHING_WENT_WRONG)
def test_a_server_error_shows_the_portals_page_in_the_persons_language_with_the_request_id(language):
    response = browser(language).get("/broken/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert REQUEST_ID.fullmatch(request_id)
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert f"<h1>{SOMETHING_WENT_WRONG[language]}</h1>" in page
    assert f"<code>{request_id}</code>" in page
    assert "the page failed" not in page and "Traceback" not in page


def test_the_log_records_of_the_failed_request_carry_its_id():
    console = settings.LOGGING["handlers"]["console"]
    assert "request_id" in console["filters"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(import_string(settings.LOGGING["filters"]["request_id"]["()"])())
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["console"]["format"]))
    logging.getLogger().addHandler(handler)
    try:
        response = browser().get("/broken/")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [line for line in stream.getvalue().splitlines() if "Internal Server Error: /broken/" in line]
    assert lines and response["X-Request-ID"] in lines[0]


def test_every_answer_has_its_own_request_id():
    first, second = browser().get("/"), browser().get("/")
    assert REQUEST_ID.fullmatch(first["X-Request-ID"]) and REQUEST_ID.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_request_id_sent_by_a_client_is_not_believed():
    response = browser(HTTP_X_REQUEST_ID="chosen-by-the-client-0001").get("/broken/")
    assert response["X-Request-ID"] != "chosen-by-the-client-0001"
    assert "chosen-by-the-client-0001" not in response.content.decode()


def test_the_trusted_proxys_request_id_is_kept(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxied = browser(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7", HTTP_X_REQUEST_ID="edge-7f3a9c01")
    assert proxied.get("/")["X-Request-ID"] == "edge-7f3a9c01"
    # Something that is not an id (markup, a line break, too long) is replaced by the portal's own.
    for value in ("<b>x</b>", "a" * 300):
        response = browser(HTTP_X_REQUEST_ID=value, HTTP_X_FORWARDED_FOR="203.0.113.7").get("/")
        assert REQUEST_ID.fullmatch(response["X-Request-ID"])


@pytest.mark.parametrize("language, title", [("en", "Page not found"), ("fr", "Page introuvable")])
def test_a_missing_page_is_the_portals_404_page(language, title):
    response = browser(language).get("/e/1/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert f"<h1>{title}</h1>" in page and 'class="site-header"' in page
