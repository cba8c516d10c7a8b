"""The SCIM API's OpenAPI 3.1 document, served at /scim/v2/openapi.json, and schemathesis holding the
portal's real answers to it: requests made from the document (valid ones and broken ones) to every
operation, over the Django application itself (WSGI), with a real provisioning token of the Main
Access Manager (docs/provisioning.md §7).

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
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode, checks
from schemathesis.specs.openapi import checks as openapi_checks

from access.identifiers import make_niss
from provisioning.resources import PERSON_SCHEMA
from provisioning.scim import OPENAPI
from tests import leaks
from tests.provisioning.conftest import make_token

DOCUMENT = "/scim/v2/openapi.json"
EXAMPLES = 30
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


def test_the_document_is_public_json(db):
    response = Client().get(DOCUMENT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == json.loads(Path(OPENAPI).read_text())
    assert response.json()["openapi"].startswith("3.1.")
    refused = Client().post(DOCUMENT)
    assert (refused.status_code, refused["Allow"]) == (405, "GET, HEAD")


def test_every_scim_address_is_described():
    described = set(json.loads(Path(OPENAPI).read_text())["paths"])
    resolver = get_resolver()
    routes = set()
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) == "scim":
            for entry in pattern.url_patterns:
                if isinstance(entry, URLPattern) and entry.name not in ("root", "openapi", "not_found"):
                    routes.add("/scim/v2/" + str(entry.pattern).replace("<str:", "{").replace(">", "}"))
    routes = {route.replace("{user_id}", "{id}").replace("{group_id}", "{id}") for route in routes}
    assert routes == described
    assert reverse("scim:users") == "/scim/v2/Users"


schema = schemathesis.openapi.from_path(
    OPENAPI, config=schemathesis.Config.from_dict({"generation": {"mode": "all", "max-examples": EXAMPLES}})
)
schema.app = WSGIHandler()


@pytest.fixture
def connection_kept(bearer: str) -> Iterator[None]:
    """The application keeps the test's database connection at the end of each request, as Django's
    test client does (see tests/decisions/test_openapi.py)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def bearer(world) -> str:
    return f"Bearer {make_token(world.main, world.enterprise)}"


def pick(generated: str, choices: list[str], otherwise: str) -> str:
    """One of the choices, or `otherwise`, as the generated value falls (the same value gives the
    same pick, so that a failure shrinks and replays)."""
    index = int(hashlib.sha256(generated.encode("utf-8", "surrogatepass")).hexdigest(), 16) % (len(choices) + 1)
    return choices[index] if index < len(choices) else otherwise


def valid_number(generated: str) -> str:
    serial = int(hashlib.sha256(generated.encode("utf-8", "surrogatepass")).hexdigest(), 16)
    number = make_niss(date(1950 + serial % 50, 1 + serial % 12, 1 + serial % 28), serial % 997 + 1)
    leaks.remember_niss(number)
    return number


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None, derandomize=True, database=None)
def test_every_answer_conforms_to_the_document(
    case: Any, world, bearer: str, connection_kept: None, settings: Any
) -> None:
    # Requests without a token or with a wrong one come in bursts here: the limit has its own tests.
    settings.PROVISIONING_FAILED_TOKEN_RATE = [(100_000, 60, "ip")]
    if case.path_parameters and "id" in case.path_parameters:
        ids = [str(world.member.pk), str(world.pension_member.pk)] + [str(g.pk) for g in world.groups.values()]
        case.path_parameters["id"] = pick(str(case.path_parameters["id"]), ids, str(case.path_parameters["id"]))
    if case.meta.generation.mode is GenerationMode.POSITIVE and isinstance(case.body, dict):
        extension = case.body.get(PERSON_SCHEMA)
        if isinstance(extension, dict) and isinstance(extension.get("nationalRegisterNumber"), str):
            extension["nationalRegisterNumber"] = valid_number(extension["nationalRegisterNumber"])
    case.call_and_validate(headers={"Authorization": bearer}, checks=CHECKS)
