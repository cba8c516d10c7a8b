"""The log. In production every record is a JSON line on standard output that names its request
(the id on the response and on the 500 page); a refused or missing page is one line, never a
traceback, and a server error writes its traceback once.

This module is also the URL conf of its tests: the portal's addresses, and a page that fails, one
that refuses, one that warns.
"""

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from portal import urls as portal_urls
from tests.test_production import production_env

ROOT = Path(__file__).resolve().parents[1]
logger = logging.getLogger("portal.tests")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the page failed")


def refused(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("This page is not yours.")


def warns(request: HttpRequest) -> HttpResponse:
    logger.warning("Something to look at")
    return HttpResponse("ok")


urlpatterns = [path("broken/", broken), path("refused/", refused), path("warns/", warns), *portal_urls.urlpatterns]
handler500 = portal_urls.handler500

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@contextmanager
def written_log() -> Iterator[io.StringIO]:
    """What the configured handlers write while the block runs: each stream handler that a record
    of `django.request` reaches (its own logger's, its parents', the root's)."""
    stream = io.StringIO()
    handlers: list[logging.StreamHandler[Any]] = []
    current: logging.Logger | None = logging.getLogger("django.request")
    while current is not None:
        # pytest's own capture handlers are subclasses; the configured ones are StreamHandlers.
        handlers += [handler for handler in current.handlers if type(handler) is logging.StreamHandler]
        current = current.parent if current.propagate else None
    previous = [handler.setStream(stream) for handler in handlers]
    try:
        yield stream
    finally:
        for handler, original in zip(handlers, previous, strict=True):
            handler.setStream(original)


def browser() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("debug", [False, True])
def test_a_refused_page_is_one_line_without_a_traceback(settings, debug):
    settings.DEBUG = debug
    with written_log() as log:
        response = browser().get("/refused/")
    assert response.status_code == 403
    lines = log.getvalue().splitlines()
    assert len(lines) == 1, log.getvalue()
    assert "WARNING django.request" in lines[0] and "Forbidden (Permission denied): /refused/" in lines[0]
    assert response["X-Request-ID"] in lines[0]


@pytest.mark.parametrize("debug", [False, True])
def test_a_missing_page_is_one_line_without_a_traceback(settings, debug):
    settings.DEBUG = debug
    with written_log() as log:
        response = browser().get("/no-such-page/")
    assert response.status_code == 404
    lines = log.getvalue().splitlines()
    assert len(lines) == 1, log.getvalue()
    assert "WARNING django.request" in lines[0] and "Not Found: /no-such-page/" in lines[0]
    # Django logs it once the middleware has answered: the id is still the request's.
    assert response["X-Request-ID"] in lines[0]


@pytest.mark.parametrize("debug", [False, True])
def test_a_server_error_writes_its_traceback_once(settings, debug):
    settings.DEBUG = debug
    with written_log() as log:
        response = browser().get("/broken/")
    assert response.status_code == 500
    assert log.getvalue().count("Traceback (most recent call last)") == 1, log.getvalue()
    assert log.getvalue().count("RuntimeError: the page failed") == 1
    assert f"ERROR django.request [{response['X-Request-ID']}] Internal Server Error: /broken/" in log.getvalue()


def test_a_refused_page_leaves_no_record_with_a_traceback(caplog):
    caplog.set_level(logging.INFO)
    with written_log():
        browser().get("/refused/")
        refused_records = list(caplog.records)
        browser().get("/broken/")
    assert [record.status_code for record in refused_records] == [403]  # type: ignore[attr-defined]
    assert [record.exc_info for record in refused_records] == [None]
    with_traceback = [record for record in caplog.records if record.exc_info]
    assert [record.getMessage() for record in with_traceback] == ["Internal Server Error: /broken/"]


# --- Production: JSON lines on standard output ----------------------------------------------------

REQUESTS = """
import json, sys
import django
django.setup()
from django.test import Client
from django.test.utils import override_settings
with override_settings(ROOT_URLCONF="tests.test_logging"):
    client = Client(HTTP_HOST="portal.example.be", raise_request_exception=False)
    answers = {path: client.get(path, secure=True) for path in sys.argv[2:]}
ids = {path: [response.status_code, response["X-Request-ID"]] for path, response in answers.items()}
open(sys.argv[1], "w").write(json.dumps(ids))
"""


@pytest.fixture
def production_log(tmp_path) -> tuple[dict[str, list[Any]], list[str]]:
    """Requests served with the production settings in a process of their own: the status and id
    of each answer, and the lines the process wrote on standard output."""
    database = connection.settings_dict
    env = production_env(
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        STATIC_MANIFEST="0",
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    env.pop("LOG_FORMAT", None)
    answers = tmp_path / "answers.json"
    paths = ["/broken/", "/refused/", "/warns/", "/no-such-page/"]
    command = [sys.executable, "-c", REQUESTS, str(answers), *paths]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(answers.read_text()), result.stdout.splitlines()


def test_production_writes_every_record_as_a_json_line_with_its_request_id(production_log):
    answers, lines = production_log
    records = [json.loads(line) for line in lines]  # every line is JSON
    assert {path: status for path, (status, _id) in answers.items()} == {
        "/broken/": 500,
        "/refused/": 403,
        "/warns/": 200,
        "/no-such-page/": 404,
    }
    by_request = {
        path: [r for r in records if r["request_id"] == request_id] for path, (_s, request_id) in answers.items()
    }
    failed = by_request["/broken/"]
    assert [(r["level"], r["logger"], r["message"], r["status_code"]) for r in failed] == [
        ("ERROR", "django.request", "Internal Server Error: /broken/", 500)
    ]
    assert "Traceback (most recent call last)" in failed[0]["exc_info"]
    assert "RuntimeError: the page failed" in failed[0]["exc_info"]
    assert [(r["level"], r["logger"], r["message"]) for r in by_request["/warns/"]] == [
        ("WARNING", "portal.tests", "Something to look at")
    ]
    for page, message in [
        ("/refused/", "Forbidden (Permission denied): /refused/"),
        ("/no-such-page/", "Not Found: /no-such-page/"),
    ]:
        [record] = by_request[page]
        assert (record["level"], record["message"], record["status_code"]) == ("WARNING", message, answers[page][0])
        assert "exc_info" not in record
    for record in records:
        assert record["time"] and record["task_id"] is None and "request" not in record
