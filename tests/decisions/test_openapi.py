"""The decision point's OpenAPI 3.1 document, served at /access/v1/openapi.json, and schemathesis
holding the portal's real answers to it: requests made from the document (valid ones and broken
ones) to every operation, over the Django application itself (WSGI), with a real token.

Each answer must be no server error, have a status, a content type, headers and a body that the
document gives for the operation, and a request the document calls invalid must be refused (4xx).
"""

import hashlib
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client as HttpClient
from django.urls import reverse
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode, checks
from schemathesis.specs.openapi import checks as openapi_checks

from access.identifiers import make_niss
from access.models import OnlineService
from decisions.views import OPENAPI
from tests.decisions.conftest import basic, register, token

DOCUMENT = "/access/v1/openapi.json"
# Enough to reach every branch of the reading of a request in about half a minute.
EXAMPLES = 40
CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.negative_data_rejection,
    openapi_checks.ignored_auth,
    openapi_checks.unsupported_method,
    openapi_checks.allow_header_conformance,
]


def test_the_document_is_public_json_and_names_the_catalogues_scopes(world):
    response = HttpClient().get(DOCUMENT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = response.json()
    assert document["openapi"].startswith("3.1.")
    flow = document["components"]["securitySchemes"]["client_credentials"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == reverse("decisions:token")
    codes = OnlineService.objects.values_list("code", flat=True)
    assert set(flow["scopes"]) == {f"service:{code}" for code in codes}
    assert flow["scopes"]["service:dimona"] == OnlineService.objects.get(code="dimona").names["en"]
    # Apart from the scopes, the document of the repository.
    flow["scopes"] = {}
    assert document == json.loads(Path(OPENAPI).read_text())


def test_only_get_reads_the_document(world):
    response = HttpClient().post(DOCUMENT)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_every_route_of_the_decision_point_is_described():
    paths = json.loads(Path(OPENAPI).read_text())["paths"]
    routes = {
        reverse(f"decisions:{name}")
        for name in ("token", "access_evaluation", "access_evaluations", "search_resource", "configuration")
    }
    assert set(paths) == routes


# The document of the repository (the portal serves it with the catalogue's scopes: see above),
# its operations called on the Django application.
schema = schemathesis.openapi.from_path(
    OPENAPI, config=schemathesis.Config.from_dict({"generation": {"mode": "all", "max-examples": EXAMPLES}})
)
schema.app = WSGIHandler()


@pytest.fixture
def connection_kept(credentials: dict[str, str]) -> Iterator[None]:
    """The application keeps the test's database connection at the end of each request, as Django's
    test client does: the test runs in a transaction that a closed connection would lose. (After the
    credentials: the test client connects the signal again after each of its requests.)"""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def credentials(world) -> dict[str, str]:
    """A client of the decision point for every online service: its Basic credentials for the token
    endpoint and a token for the others."""
    client, secret = register("Every service", tuple(OnlineService.objects.values_list("code", flat=True)))
    return {"basic": basic(client.client_id, secret), "bearer": f"Bearer {token(client, secret)}"}


@pytest.fixture
def known(world) -> dict[str, list[str]]:
    """Identifiers of the world, for valid requests to name people, enterprises and services that
    the portal knows: permits and denials for every reason, not only unknown subjects."""
    people = [world.member, world.main, world.group_manager, world.tax_member, world.outsider, world.other_member]
    return {
        "person": [person.niss for person in people],
        "account": ["main", "member", "outsider"],
        "enterprise": [world.enterprise.number, world.other_enterprise.number],
        "service": ["dimona", "dmfa", "chaman", "ebox", "myminfin"],
    }


def pick(generated: str, choices: list[str], otherwise: str) -> str:
    """One of the choices, or `otherwise` (a valid identifier nobody has), as the generated value
    falls: the same value gives the same pick, so that a failure shrinks and replays."""
    index = int(hashlib.sha256(generated.encode("utf-8", "surrogatepass")).hexdigest(), 16) % (len(choices) + 1)
    return choices[index] if index < len(choices) else otherwise


def with_known_identifiers(value: Any, known: dict[str, list[str]]) -> Any:
    """A valid body whose numbers have valid check digits and mostly name the world's people,
    enterprises and services (a generated 11-digit number almost never has valid check digits)."""
    if isinstance(value, list):
        return [with_known_identifiers(item, known) for item in value]
    if not isinstance(value, dict):
        return value
    value = {key: with_known_identifiers(item, known) for key, item in value.items()}
    kind, identifier = value.get("type"), value.get("id")
    if kind == "person" and isinstance(identifier, str) and identifier.isdigit():
        number = int(identifier)
        unknown = make_niss(date(1950 + number % 50, 1 + number % 12, 1 + number % 28), number % 997 + 1)
        value["id"] = pick(identifier, known["person"], unknown)
    elif kind == "account" and isinstance(identifier, str):
        value["id"] = pick(identifier, known["account"], identifier)
    elif kind == "enterprise" and isinstance(identifier, str) and identifier.isdigit():
        body = 2_000_000 + int(identifier) % 1_000_000
        value["id"] = pick(identifier, known["enterprise"], f"{body:08d}{97 - body % 97:02d}")
    if isinstance(value.get("name"), str) and set(value) <= {"name", "properties"}:
        value["name"] = pick(value["name"], known["service"], value["name"])
    return value


@schema.parametrize()
# The same requests at every run (no example database, a fixed seed), as the property tests of
# tests/decisions/test_agreement.py.
@settings(suppress_health_check=list(HealthCheck), deadline=None, derandomize=True, database=None)
def test_every_answer_conforms_to_the_document(
    case: Any, known: dict[str, list[str]], credentials: dict[str, str], connection_kept: None, settings: Any
) -> None:
    # Token requests from one address in a burst: the limit is the subject of its own tests.
    settings.DECISIONS_TOKEN_RATE = [(10_000, 60, "ip"), (10_000, 60, "key")]
    if case.meta.generation.mode is GenerationMode.POSITIVE and isinstance(case.body, dict):
        case.body = with_known_identifiers(case.body, known)
    authorization = credentials["basic"] if case.path == reverse("decisions:token") else credentials["bearer"]
    case.call_and_validate(headers={"Authorization": authorization}, checks=CHECKS)
