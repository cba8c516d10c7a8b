"""Clients of the decision point and their tokens, obtained as an online service obtains them:
the client-credentials grant at the token endpoint."""

import base64
import json
from typing import Any

import pytest
from django.test import Client as HttpClient
from oauth2_provider.generators import generate_client_secret

from access.models import OnlineService
from decisions.models import Client
from tests import leaks

TOKEN_URL = "/oauth/token/"
EVALUATION = "/access/v1/evaluation"
EVALUATIONS = "/access/v1/evaluations"
SEARCH = "/access/v1/search/resource"


def register(name: str = "Dimona", services: tuple[str, ...] = ("dimona",), **fields: Any) -> tuple[Client, str]:
    """A client as staff register it, and its secret in clear (watched for in logs and URLs)."""
    secret = generate_client_secret()
    leaks.remember_password(secret)
    client = Client.objects.create(name=name, client_secret=secret, **fields)
    client.services.set(OnlineService.objects.filter(code__in=services))
    return client, secret


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_response(client: Client, secret: str, scope: str | None = None):  # type: ignore[no-untyped-def]
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope is not None else {})}
    return HttpClient().post(TOKEN_URL, data, HTTP_AUTHORIZATION=basic(client.client_id, secret))


def token(client: Client, secret: str, scope: str | None = None) -> str:
    response = token_response(client, secret, scope)
    assert response.status_code == 200, response.content
    value = response.json()["access_token"]
    leaks.remember_password(value)
    return value


def ask(path: str, body: Any, bearer: str | None, **extra: Any):  # type: ignore[no-untyped-def]
    """POST a JSON body to the decision point, as a PEP does."""
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    content = body if isinstance(body, (str, bytes)) else json.dumps(body)
    content_type = extra.pop("content_type", "application/json")
    return HttpClient().post(path, content, content_type=content_type, headers=headers, **extra)


def seen(bearer: str) -> str:
    """The token, once this process has seen it: the toolkit's checks ran, and each later request
    confirms it with one query. Asked about nobody, so no use is recorded."""
    body = {
        "subject": {"type": "account", "id": "nobody-asked-about"},
        "resource": {"type": "enterprise", "id": "0403019261"},
        "action": {"name": "dimona"},
    }
    assert ask(EVALUATION, body, bearer).status_code == 200
    return bearer


def person_subject(person: Any) -> dict[str, str]:
    return {"type": "person", "id": person.niss}


def enterprise_resource(enterprise: Any) -> dict[str, str]:
    return {"type": "enterprise", "id": enterprise.number}


def question(person: Any, enterprise: Any, service: str) -> dict[str, Any]:
    return {"subject": person_subject(person), "resource": enterprise_resource(enterprise), "action": {"name": service}}


@pytest.fixture
def dimona_token(world) -> str:
    """A token of the Dimona service's client: it may ask about dimona and dmfa."""
    client, secret = register("Dimona", ("dimona", "dmfa"))
    return token(client, secret)


@pytest.fixture
def catalogue_token(world) -> str:
    """A token of a client that may ask about every service of the catalogue."""
    client, secret = register("Every service", tuple(OnlineService.objects.values_list("code", flat=True)))
    return token(client, secret)
