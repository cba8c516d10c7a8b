"""The decision point as production watches it: its decisions counted in the metrics, its denials
in the log without a national register number, its failures answered in JSON, and the rate limits
of its token endpoint."""

import json
import logging
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client as HttpClient
from django.utils import timezone
from pythonjsonlogger.json import JsonFormatter

from decisions import evaluation
from decisions.logs import pseudonym
from decisions.requests import Subject
from portal import logs as portal_logs
from tests import factories
from tests.decisions.conftest import (
    EVALUATION,
    EVALUATIONS,
    SEARCH,
    TOKEN_URL,
    ask,
    basic,
    enterprise_resource,
    person_subject,
    question,
    register,
    token,
)
from tests.test_metrics import TOKEN, scrape, value

pytestmark = pytest.mark.django_db

DECISIONS = "portal_decisions_total"
ELEVEN_DIGITS = re.compile(r"\d{11}")


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


@pytest.fixture
def dimona(world) -> tuple[str, str]:
    """Dimona's client id and a token of it."""
    client, secret = register("Dimona", ("dimona", "dmfa"))
    return client.client_id, token(client, secret)


def counted(before: dict, after: dict, client: str) -> dict[tuple[str, str], float]:
    """The decisions counted between two scrapes for a client, by (outcome, reason)."""
    found = {}
    for (name, labels), figure in after.items():
        labels = dict(labels)
        if name == DECISIONS and labels["client"] == client:
            key = (labels["outcome"], labels["reason"])
            found[key] = figure - (before.get((name, frozenset(labels.items()))) or 0)
    return {key: figure for key, figure in found.items() if figure}


# --- Metrics ----------------------------------------------------------------------------------------


def test_decisions_are_counted_by_outcome_reason_and_client(world, metrics_token, dimona):
    client_id, bearer = dimona
    other_client, other_secret = register("Biztax", ("biztax",))
    before = scrape()
    assert ask(EVALUATION, question(world.member, world.enterprise, "dimona"), bearer).json()["decision"] is True
    body = {
        "evaluations": [
            question(world.member, world.enterprise, "dimona"),
            question(world.member, world.enterprise, "dmfa"),
            question(world.outsider, world.enterprise, "dimona"),
            question(world.member, world.other_enterprise, "dimona"),
        ]
    }
    assert ask(EVALUATIONS, body, bearer).status_code == 200
    ask(EVALUATION, question(world.member, world.enterprise, "biztax"), token(other_client, other_secret))
    after = scrape()
    assert counted(before, after, client_id) == {
        ("permit", "none"): 2,
        ("deny", "not_granted"): 1,
        ("deny", "no_standing"): 2,
    }
    assert counted(before, after, other_client.client_id) == {("deny", "no_membership"): 1}


def test_only_the_decisions_given_are_counted(world, metrics_token, dimona):
    """A short-circuit leaves decisions out of the answer: they were not given, and are not counted;
    a refused request (400, 401, 403) gives none."""
    client_id, bearer = dimona
    before = scrape()
    body = {
        "options": {"evaluations_semantic": "deny_on_first_deny"},
        "evaluations": [
            question(world.member, world.enterprise, "dimona"),
            question(world.outsider, world.enterprise, "dimona"),
            question(world.member, world.enterprise, "dimona"),
        ],
    }
    assert len(ask(EVALUATIONS, body, bearer).json()["evaluations"]) == 2
    assert ask(EVALUATION, question(world.member, world.enterprise, "biztax"), bearer).status_code == 403
    assert ask(EVALUATION, {"subject": {}}, bearer).status_code == 400
    assert ask(EVALUATION, question(world.member, world.enterprise, "dimona"), "forged-token").status_code == 401
    search = {"subject": person_subject(world.member), "action": {"name": "dimona"}, "resource": {"type": "enterprise"}}
    assert ask(SEARCH, search, bearer).json()["results"] == [enterprise_resource(world.enterprise)]
    assert counted(before, scrape(), client_id) == {("permit", "none"): 1, ("deny", "no_standing"): 1}


# --- The log of denials -----------------------------------------------------------------------------


def denials(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "decisions"]


def json_line(record: logging.LogRecord) -> dict[str, Any]:
    """The record as production writes it: a JSON line (portal.logs)."""
    options = dict(portal_logs.configuration(json=True, level="INFO")["formatters"]["json"])
    options.pop("()")
    record.request_id = getattr(record, "request_id", "-")
    record.task_id = None
    return json.loads(JsonFormatter(**options).format(record))


def test_each_denial_is_a_line_that_names_the_person_by_a_pseudonym(world, dimona, caplog):
    client_id, bearer = dimona
    caplog.set_level(logging.INFO, logger="decisions")
    assert ask(EVALUATION, question(world.member, world.enterprise, "dimona"), bearer).json()["decision"] is True
    assert denials(caplog) == []  # a permit is counted, not logged
    body = {
        "evaluations": [
            question(world.outsider, world.enterprise, "dimona"),
            question(world.member, world.enterprise, "dmfa"),
            {**question(world.member, world.enterprise, "dimona"), "subject": {"type": "account", "id": "main"}},
        ]
    }
    assert ask(EVALUATIONS, body, bearer).status_code == 200
    records = denials(caplog)
    assert [(record.levelname, record.reason) for record in records] == [  # type: ignore[attr-defined]
        ("INFO", "no_standing"),
        ("INFO", "not_granted"),
        ("INFO", "no_membership"),
    ]
    outsider, member = Subject("person", world.outsider.niss), Subject("person", world.member.niss)
    line = json_line(records[0])
    assert {key: line[key] for key in ("level", "logger", "decision", "reason", "client", "service")} == {
        "level": "INFO",
        "logger": "decisions",
        "decision": "deny",
        "reason": "no_standing",
        "client": client_id,
        "service": "dimona",
    }
    assert line["enterprise"] == world.enterprise.number
    assert line["subject"] == pseudonym(outsider) != pseudonym(member)
    assert line["message"] == (
        f"Decision: deny dimona for enterprise {world.enterprise.number} to {pseudonym(outsider)}, "
        f"asked by client {client_id}: no_standing"
    )
    assert records[2].subject == pseudonym(Subject("account", "main"))  # type: ignore[attr-defined]
    for record in records:
        written = json.dumps({key: item for key, item in json_line(record).items() if key != "request_id"})
        assert not ELEVEN_DIGITS.search(written), written
        assert world.outsider.niss not in written and world.member.niss not in written
        assert "main" not in record.subject  # type: ignore[attr-defined]


def test_a_pseudonym_is_a_keyed_hash_of_the_subject(settings):
    subject = Subject("person", "85073003328")
    named = pseudonym(subject)
    assert re.fullmatch(r"person:[a-z2-7]{16}", named)
    assert pseudonym(Subject("person", "85073003328")) == named
    assert pseudonym(Subject("account", "85073003328")) != named.replace("person", "account")
    settings.SECRET_KEY = "another-key-of-another-portal"
    assert pseudonym(subject) != named  # whoever lacks the key cannot compute it from the number


def test_an_unknown_national_number_is_not_logged_either(world, dimona, caplog):
    _client_id, bearer = dimona
    caplog.set_level(logging.INFO, logger="decisions")
    stranger = factories.niss()
    body = question(world.member, world.enterprise, "dimona")
    body["subject"]["id"] = stranger
    assert ask(EVALUATION, body, bearer).json()["context"]["reason"] == "unknown_subject"
    [record] = denials(caplog)
    assert stranger not in json.dumps(json_line(record))


# --- A failure is answered in JSON ------------------------------------------------------------------


@pytest.fixture
def failing(monkeypatch):
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the decision failed")

    monkeypatch.setattr(evaluation, "answer", fail)


@pytest.mark.parametrize("path", [EVALUATION, EVALUATIONS])
def test_a_server_error_of_the_api_is_json_with_the_request_id(world, dimona, failing, caplog, path):
    _client_id, bearer = dimona
    body = question(world.member, world.enterprise, "dimona")
    if path == EVALUATIONS:
        body = {"evaluations": [body]}
    response = HttpClient(raise_request_exception=False).post(
        path, json.dumps(body), content_type="application/json", headers={"Authorization": f"Bearer {bearer}"}
    )
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (500, "server_error")
    assert error["message"] and "the decision failed" not in response.content.decode()
    # The id of the request in the portal's log, where its traceback is.
    assert error["request_id"] == response["X-Request-ID"]
    [logged] = [record for record in caplog.records if record.exc_info]
    assert logged.request.request_id == error["request_id"]  # type: ignore[attr-defined]


def test_a_server_error_keeps_the_peps_request_id_on_the_answer(world, dimona, failing):
    _client_id, bearer = dimona
    response = HttpClient(raise_request_exception=False).post(
        EVALUATION,
        json.dumps(question(world.member, world.enterprise, "dimona")),
        content_type="application/json",
        headers={"Authorization": f"Bearer {bearer}", "X-Request-ID": "pep-42"},
    )
    assert response.status_code == 500
    assert response["X-Request-ID"] == "pep-42"
    assert response.json()["error"]["request_id"] not in ("", "pep-42")  # the portal's own, for its log


def test_a_server_error_of_the_metadata_is_json_too(world, monkeypatch):
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the metadata failed")

    monkeypatch.setattr("decisions.views.reverse", fail)
    response = HttpClient(raise_request_exception=False).get("/.well-known/authzen-configuration")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"


def test_a_server_error_of_the_token_endpoint_is_an_oauth_error(world, monkeypatch):
    client, secret = register()

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the token failed")

    monkeypatch.setattr("oauth2_provider.oauth2_validators.OAuth2Validator.save_bearer_token", fail)
    response = HttpClient(raise_request_exception=False).post(
        TOKEN_URL, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(client.client_id, secret)
    )
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["error"] == "server_error" and answer["request_id"] == response["X-Request-ID"]


# --- Rate limits of the token endpoint ---------------------------------------------------------------


def ask_token(name: str, secret: str, address: str = "192.0.2.1", **data: str):  # type: ignore[no-untyped-def]
    """A token request of the client `name` (in HTTP Basic), from an address."""
    return HttpClient(REMOTE_ADDR=address).post(
        TOKEN_URL, {"grant_type": "client_credentials", **data}, HTTP_AUTHORIZATION=basic(name, secret)
    )


@pytest.fixture
def secrets_checked(monkeypatch) -> list[str]:
    """The client ids whose secret the toolkit checked against its hash."""
    from oauth2_provider.oauth2_validators import OAuth2Validator

    checked: list[str] = []
    original = OAuth2Validator._check_secret

    def check(self: Any, provided: str, stored: str) -> bool:
        checked.append(stored)
        return original(self, provided, stored)

    monkeypatch.setattr(OAuth2Validator, "_check_secret", check)
    return checked


def limited(response, seconds: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert 1 <= int(response["Retry-After"]) <= seconds
    answer = response.json()
    assert answer["error"] == "temporarily_unavailable"
    assert f"ask again in {response['Retry-After']} seconds" in answer["error_description"]


def test_token_requests_from_one_address_are_limited(world, settings, secrets_checked, metrics_token):
    settings.DECISIONS_TOKEN_RATE = [(3, 60, "ip"), (100, 60, "key")]
    client, secret = register()
    before = value(scrape(), "portal_decision_token_requests_limited_total", limit="ip")
    with time_machine.travel(timezone.now().replace(second=10), tick=False):
        assert [ask_token(client.client_id, secret).status_code for _ in range(3)] == [200, 200, 200]
        assert ask_token(client.client_id, "a-wrong-secret").status_code == 429
        limited(ask_token(client.client_id, secret), 60)
        assert int(ask_token(client.client_id, secret)["Retry-After"]) == 50
        # Refused before the secret is read: no hash is computed for them.
        assert len(secrets_checked) == 3
        # Another address, another count.
        assert ask_token(client.client_id, secret, address="192.0.2.2").status_code == 200
    assert value(scrape(), "portal_decision_token_requests_limited_total", limit="ip") == before + 3
    with time_machine.travel(timezone.now().replace(second=10) + timedelta(minutes=1), tick=False):
        assert ask_token(client.client_id, secret).status_code == 200


def test_token_requests_for_one_client_are_limited_from_every_address(world, settings, secrets_checked):
    settings.DECISIONS_TOKEN_RATE = [(100, 60, "ip"), (2, 3600, "key")]
    client, secret = register()
    other, other_secret = register("Biztax", ("biztax",))
    with time_machine.travel(timezone.now().replace(minute=0), tick=False):
        assert ask_token(client.client_id, secret, address="192.0.2.1").status_code == 200
        assert ask_token(client.client_id, "wrong", address="192.0.2.2").status_code == 401
        limited(ask_token(client.client_id, secret, address="192.0.2.3"), 3600)
        # The client id in the body counts as the one in HTTP Basic.
        response = HttpClient(REMOTE_ADDR="192.0.2.4").post(
            TOKEN_URL, {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret}
        )
        limited(response, 3600)
        assert ask_token(other.client_id, other_secret, address="192.0.2.3").status_code == 200
    assert len(secrets_checked) == 3


def test_without_the_cache_token_requests_are_not_counted(world, settings, caplog):
    settings.DECISIONS_TOKEN_RATE = [(1, 60, "ip")]
    settings.CACHES = {
        "default": {"BACKEND": "portal.cache.SharedClientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    client, secret = register()
    assert [ask_token(client.client_id, secret).status_code for _ in range(3)] == [200, 200, 200]
    assert "Token requests not counted: the cache is unavailable" in caplog.text


def test_a_client_named_twice_differently_is_refused(world):
    client, secret = register()
    other, _other_secret = register("Biztax", ("biztax",))
    response = ask_token(client.client_id, secret, client_id=other.client_id)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The client is named twice, differently.",
    }
    assert ask_token(client.client_id, secret, client_id=client.client_id).status_code == 200


@pytest.mark.parametrize("value", ["0/m/ip", "5/m", "5/m/user", "often", "5/0m/key", "120/m/ip,"])
def test_a_bad_rate_stops_the_start(monkeypatch, value):
    from django.core.exceptions import ImproperlyConfigured

    from portal.settings import env_rates

    monkeypatch.setenv("DECISIONS_TOKEN_RATE", value)
    with pytest.raises(ImproperlyConfigured, match="DECISIONS_TOKEN_RATE must be rates such as 120/m/ip,30/m/key"):
        env_rates("DECISIONS_TOKEN_RATE", "120/m/ip,30/m/key", per=("ip", "key"))


def test_rates_are_read_as_the_login_rates_are_written(monkeypatch):
    from portal.settings import env_rates

    monkeypatch.setenv("DECISIONS_TOKEN_RATE", "10/s/ip, 5/15m/key,100/d/ip")
    assert env_rates("DECISIONS_TOKEN_RATE", "", per=("ip", "key")) == [
        (10, 1, "ip"),
        (5, 900, "key"),
        (100, 86400, "ip"),
    ]
    monkeypatch.delenv("DECISIONS_TOKEN_RATE")
    assert env_rates("DECISIONS_TOKEN_RATE", "120/m/ip,30/m/key", per=("ip", "key")) == [
        (120, 60, "ip"),
        (30, 60, "key"),
    ]
