"""Provisioning tokens for the personas of the world, and a SCIM client over the test client."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from access.models import Person
from provisioning import services
from provisioning.models import ProvisioningToken
from tests import leaks

SCIM = "/scim/v2"
CONTENT_TYPE = "application/scim+json"


def make_token(person: Person, enterprise, name: str = "HR system", *, remember: bool = True, **fields: Any) -> str:
    """A usable token of the person for the enterprise, made as the page makes it (straight in the
    database: the page checks the standing, and some tests need a token of someone who lost it)."""
    value = services.TOKEN_PREFIX + f"{person.pk:08d}{ProvisioningToken.objects.count():08d}".ljust(64, "a")
    fields.setdefault("expires_at", timezone.now() + timedelta(days=90))
    ProvisioningToken.objects.create(
        enterprise=enterprise,
        manager=person,
        name=name,
        digest=services.digest_of(value),
        prefix=value[:11],
        **fields,
    )
    if remember:
        leaks.remember_password(value)
    return value


class Scim:
    """SCIM requests with a bearer token, over the test client."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(SCIM + path, params or {}, headers=self.headers(headers))

    def send(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body) if body is not None else ""
        call = getattr(self.client, method.lower())
        content_type = headers.pop("content_type", CONTENT_TYPE)
        return call(SCIM + path, data, content_type=content_type, headers=self.headers(headers))

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.send("POST", path, body, **headers)

    def put(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.send("PUT", path, body, **headers)

    def patch(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.send("PATCH", path, body, **headers)

    def delete(self, path: str, **headers: str) -> Any:
        return self.client.delete(SCIM + path, headers=self.headers(headers))


@pytest.fixture
def scim_as(world) -> Callable[..., Scim]:
    """scim_as(world.main): a SCIM client with a token of that manager for Acme."""

    def make(person: Person, enterprise=None, **fields: Any) -> Scim:
        return Scim(make_token(person, enterprise or world.enterprise, **fields))

    return make


def user_body(niss: str, user_name: str = "nora@acme.be", **extra: Any) -> dict[str, Any]:
    from provisioning.resources import PERSON_SCHEMA, USER_SCHEMA

    leaks.remember_niss(niss)
    return {
        "schemas": [USER_SCHEMA, PERSON_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Nora", "familyName": "Newcomer"},
        "emails": [{"value": "nora@acme.be", "type": "work", "primary": True}],
        "active": True,
        PERSON_SCHEMA: {"nationalRegisterNumber": niss},
        **extra,
    }


def client_of(event) -> str | None:
    """The provisioning client a journal row names (how the act came, kept in `after`)."""
    how = (event.after or {}).get("via") if isinstance(event.after, dict) else None
    return how.get("provisioning") if isinstance(how, dict) else None


def via_provisioning():
    """The journal's rows of acts that came through a provisioning client."""
    from access.models import AuditEvent

    return AuditEvent.objects.filter(after__via__has_key="provisioning")


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": list(operations)}
