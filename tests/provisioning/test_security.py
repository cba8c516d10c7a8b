"""The SCIM endpoints against an attacker (docs/provisioning.md §6): tokens forged, expired,
revoked, of another enterprise or of a manager who lost their standing; a guesser held back; a
replayed change with a stale version; absurd pages; bodies too large, malformed or of another
type. Every refusal is a SCIM error and writes nothing."""

import io
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from access import services
from access.models import AuditEvent, Designation, EnterpriseBlock, Person
from provisioning.models import ProvisioningToken
from tests import factories
from tests.factories import actor_of
from tests.provisioning.conftest import SCIM, Scim, make_token, patch_body, user_body

pytestmark = pytest.mark.django_db

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
ACTIVE_FALSE = patch_body({"op": "replace", "path": "active", "value": False})


def refused_and_nothing_written(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/scim+json"
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status)
    assert not AuditEvent.objects.exists()
    assert not EnterpriseBlock.objects.exists()
    return body


# --- Tokens -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Basic bWFpbjpwYXNzd29yZA==",
        "Bearer",
        "Bearer scim-forged0000000000000000000000000000000000000000000000000000000000",
        "Bearer " + "a" * 600,
        "Bearer scim-\x00",
    ],
)
def test_without_a_usable_token_the_answer_is_401(world, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    client = Client()
    for response in (
        client.get(SCIM + "/Users", headers=headers),
        client.get(SCIM + "/ServiceProviderConfig", headers=headers),
        client.patch(
            f"{SCIM}/Users/{world.member.pk}",
            json.dumps(ACTIVE_FALSE),
            content_type="application/scim+json",
            headers=headers,
        ),
    ):
        body = refused_and_nothing_written(response, 401)
        assert response["WWW-Authenticate"] == 'Bearer realm="scim"'
        assert body["detail"] in (
            "A provisioning token is required: Authorization: Bearer <token>.",
            "The provisioning token is invalid, expired or revoked.",
        )


def test_a_token_in_the_address_is_never_read(world):
    # Put in an address on purpose here: not one the witness of leaks is to look for.
    token = make_token(world.main, world.enterprise, remember=False)
    response = Client().get(SCIM + "/Users", {"access_token": token})
    refused_and_nothing_written(response, 401)


def test_an_expired_or_revoked_token_opens_nothing(world):
    expired = make_token(world.main, world.enterprise)
    ProvisioningToken.objects.filter(digest=ProvisioningToken.objects.get().digest).update(
        created_at=timezone.now() - timedelta(days=2), expires_at=timezone.now() - timedelta(seconds=1)
    )
    revoked = make_token(world.main, world.enterprise, revoked_at=timezone.now())
    for token in (expired, revoked):
        body = refused_and_nothing_written(Scim(token).patch(f"/Users/{world.member.pk}", ACTIVE_FALSE), 401)
        assert body["detail"] == "The provisioning token is invalid, expired or revoked."


def test_a_token_of_another_enterprise_names_nothing_of_this_one(world, scim_as):
    other = scim_as(world.other_enterprise_manager, world.other_enterprise)
    for path in (f"/Users/{world.member.pk}", f"/Groups/{world.groups['employer'].pk}"):
        assert other.get(path).status_code == 404
        refused_and_nothing_written(other.patch(path, ACTIVE_FALSE), 404)
    refused_and_nothing_written(other.delete(f"/Users/{world.member.pk}"), 404)


@pytest.mark.parametrize(
    ("loss", "reason"),
    [
        ("designation revoked", "You do not manage users in this enterprise."),
        ("blocked for all groups", "You are blocked for all groups of this enterprise."),
        ("removed from the enterprise", "You do not manage users in this enterprise."),
    ],
)
def test_a_token_loses_its_power_the_moment_its_manager_does(world, scim_as, loss, reason):
    scim = scim_as(world.access_manager)
    assert scim.get(f"/Users/{world.member.pk}").status_code == 200
    designation = Designation.objects.get(person=world.access_manager)
    if loss == "designation revoked":
        services.designation_revoke(actor_of(world, world.main), designation, reason="Moved")
    elif loss == "blocked for all groups":
        services.person_block_everywhere(actor_of(world, world.main), world.access_manager, reason="Inquiry")
    else:
        Designation.objects.filter(pk=designation.pk).update(revoked_at=timezone.now())
    written = AuditEvent.objects.count()
    for response in (
        scim.get(f"/Users/{world.member.pk}"),
        scim.get("/Users"),
        scim.patch(f"/Users/{world.member.pk}", ACTIVE_FALSE),
        scim.delete(f"/Users/{world.member.pk}"),
        scim.post("/Users", user_body(factories.niss())),
    ):
        assert response.status_code == 403, response.content
        assert response.json()["detail"] == (
            f"The manager who holds this token can no longer manage users in the enterprise: {reason}"
        )
    assert AuditEvent.objects.count() == written
    assert not Person.objects.filter(given_name="Nora").exists()


def test_a_token_acts_with_its_managers_scope_only(world, scim_as):
    scim = scim_as(world.group_manager)
    body = refused_and_nothing_written(scim.patch(f"/Users/{world.tax_member.pk}", ACTIVE_FALSE), 404)
    assert body["detail"] == "No such User."


def test_failed_tokens_from_one_address_are_held_back(world, settings):
    settings.PROVISIONING_FAILED_TOKEN_RATE = [(3, 60, "ip")]
    forged = Scim("scim-" + "0" * 64)
    for _ in range(3):
        assert forged.get("/Users").status_code == 401
    held = forged.get("/Users")
    assert held.status_code == 429
    assert 0 < int(held["Retry-After"]) <= 60
    # The address is held back whatever it presents; another address is not.
    token = make_token(world.main, world.enterprise)
    assert Scim(token).get("/Users").status_code == 429
    other = Client(REMOTE_ADDR="192.0.2.9")
    assert other.get(SCIM + "/Users", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_valid_token_is_never_counted_as_a_failure(world, settings):
    settings.PROVISIONING_FAILED_TOKEN_RATE = [(3, 60, "ip")]
    scim = Scim(make_token(world.main, world.enterprise))
    for _ in range(5):
        assert scim.get("/Users").status_code == 200


def test_the_last_use_and_its_address_are_kept(world, scim_as):
    scim = scim_as(world.main)
    scim.client = Client(REMOTE_ADDR="198.51.100.4")
    scim.get("/Users")
    token = ProvisioningToken.objects.get()
    assert token.last_used_from == "198.51.100.4"
    assert timezone.now() - token.last_used_at < timedelta(seconds=30)


# --- Versions ----------------------------------------------------------------------------------------


def test_a_change_replayed_with_a_stale_version_is_refused(world, scim_as):
    scim = scim_as(world.main)
    version = scim.get(f"/Users/{world.member.pk}")["ETag"]
    rename = patch_body({"op": "replace", "path": "userName", "value": "mats"})
    first = scim.patch(f"/Users/{world.member.pk}", rename, **{"If-Match": version})
    assert first.status_code == 200
    assert first["ETag"] != version
    written = AuditEvent.objects.count()
    replayed = scim.patch(f"/Users/{world.member.pk}", ACTIVE_FALSE, **{"If-Match": version})
    assert replayed.status_code == 412
    assert replayed.json()["detail"] == "The resource has changed since that version: read it again."
    assert AuditEvent.objects.count() == written and not EnterpriseBlock.objects.exists()
    assert scim.delete(f"/Users/{world.member.pk}", **{"If-Match": version}).status_code == 412
    assert scim.patch(f"/Users/{world.member.pk}", ACTIVE_FALSE, **{"If-Match": first["ETag"]}).status_code == 200
    assert scim.patch(f"/Users/{world.member.pk}", rename, **{"If-Match": "*"}).status_code == 200


def test_a_groups_version_changes_with_its_members(world, scim_as):
    scim = scim_as(world.main)
    path = f"/Groups/{world.groups['employer'].pk}"
    version = scim.get(path)["ETag"]
    services.membership_delete(actor_of(world, world.main), world.member_membership, reason="Left")
    assert scim.get(path)["ETag"] != version
    stale = scim.patch(path, patch_body({"op": "remove", "path": "members"}), **{"If-Match": version})
    assert stale.status_code == 412


# --- Pages ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start_index", "count", "expected_start", "expected_items"),
    [
        ("1", "2", 1, 2),
        ("3", "10", 3, 1),
        ("0", "-5", 1, 0),
        ("-10", "100000000000000000000", 1, 3),
        ("100000000000000000000000000", "1", 4, 0),
    ],
)
def test_absurd_pages_are_bounded(world, scim_as, start_index, count, expected_start, expected_items):
    response = scim_as(world.main).get("/Users", {"startIndex": start_index, "count": count})
    assert response.status_code == 200
    page = response.json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (3, expected_start, expected_items)
    assert len(page.get("Resources", [])) == expected_items


@pytest.mark.parametrize("value", ["1.5", "one", "١", "1e3", " ", "9" * 40])
def test_a_page_that_is_not_a_number_is_an_invalid_value(world, scim_as, value):
    for parameter in ("startIndex", "count"):
        response = scim_as(world.main).get("/Users", {parameter: value})
        assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue")


def test_a_page_has_200_resources_at_most(world, scim_as):
    for _ in range(205):
        factories.member(factories.person(), world.groups["employer"])
    page = scim_as(world.main).get("/Users", {"count": "1000"}).json()
    assert (page["totalResults"], page["itemsPerPage"]) == (208, 200)


# --- Bodies -----------------------------------------------------------------------------------------------


class Unreadable(io.BytesIO):
    def read(self, *args):
        raise AssertionError("the body was read")


def test_a_body_of_50_megabytes_is_refused_before_it_is_read(world, scim_as):
    scim = scim_as(world.main)
    response = scim.client.generic(
        "POST",
        SCIM + "/Users",
        b"",
        content_type="application/scim+json",
        headers=scim.headers(),
        CONTENT_LENGTH=str(50 * 1024 * 1024),
        **{"wsgi.input": Unreadable()},
    )
    body = refused_and_nothing_written(response, 413)
    assert body["detail"] == "A request body has 1048576 bytes at most."
    # And sent whole.
    response = scim.post("/Users", b"{" + b" " * (50 * 1024 * 1024) + b"}")
    refused_and_nothing_written(response, 413)


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"[]",
        b'"a user"',
        b'{"userName": "a", "userName": "b"}',
        b'{"userName": NaN}',
        b"\xff\xfe{}",
        b"[" * 100_000 + b"]" * 100_000,
        b"",
    ],
)
def test_a_malformed_body_is_invalid_syntax(world, scim_as, body):
    response = scim_as(world.main).post("/Users", body)
    assert refused_and_nothing_written(response, 400)["scimType"] == "invalidSyntax"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_another_content_type_is_refused(world, scim_as, content_type):
    response = scim_as(world.main).post("/Users", json.dumps(user_body(factories.niss())), content_type=content_type)
    assert refused_and_nothing_written(response, 400)["scimType"] == "invalidSyntax"


def test_a_body_that_does_not_fit_the_schema_says_which_attribute(world, scim_as):
    body = user_body(factories.niss())
    body["active"] = "maybe"
    response = scim_as(world.main).post("/Users", body)
    error = refused_and_nothing_written(response, 400)
    assert error["scimType"] == "invalidValue"
    assert "active" in error["detail"]
    patch = scim_as(world.main).patch(f"/Users/{world.member.pk}", patch_body({"op": "jump", "path": "active"}))
    assert refused_and_nothing_written(patch, 400)["scimType"] in ("invalidValue", "invalidSyntax")


# --- Addresses and methods -----------------------------------------------------------------------------


def test_other_methods_are_a_405_with_allow(world, scim_as):
    scim = scim_as(world.main)
    assert scim.put("/Users", {}).status_code == 405
    assert scim.put("/Users", {})["Allow"] == "GET, POST"
    response = scim.delete("/ServiceProviderConfig")
    assert (response.status_code, response["Allow"]) == (405, "GET")
    assert response.json()["schemas"] == [ERROR]


def test_any_other_address_is_a_scim_404(world, scim_as):
    for path in ("/Nothing", "/Users/1/more", "/v2/Users", "/"):
        response = scim_as(world.main).get(path)
        assert response.status_code == 404, path
        assert response.json()["schemas"] == [ERROR]


def test_a_query_parameter_an_address_does_not_take_is_refused(world, scim_as):
    scim = scim_as(world.main)
    for path, params in (
        ("/Users", {"access_token": "x"}),
        (f"/Users/{world.member.pk}", {"filter": 'userName eq "a"'}),
        ("/ServiceProviderConfig", {"attributes": "patch"}),
    ):
        response = scim.get(path, params)
        assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue"), path
    assert scim.get("/Users", {"sortBy": "userName", "sortOrder": "descending"}).status_code == 200


def test_a_failure_of_the_portal_is_a_scim_error_with_the_request_id(world, monkeypatch, caplog):
    from provisioning import selectors

    def fail(actor):
        raise RuntimeError("the read failed")

    monkeypatch.setattr(selectors, "users_in_scope", fail)
    token = make_token(world.main, world.enterprise)
    response = Client(raise_request_exception=False).get(SCIM + "/Users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500
    assert response["Content-Type"] == "application/scim+json"
    error = response.json()
    assert (error["schemas"], error["status"]) == ([ERROR], "500")
    assert response["X-Request-ID"] in error["detail"] and "the read failed" not in error["detail"]
    assert [record for record in caplog.records if record.exc_info]


@pytest.mark.parametrize("text", ["\u0000", "nora\u0000", "\udead", "a\udb06"])
def test_a_nul_or_a_lone_surrogate_is_refused_not_stored(world, scim_as, text):
    scim = scim_as(world.main)
    body = user_body(factories.niss())
    body["name"]["familyName"] = text
    response = scim.post("/Users", json.dumps(body))
    assert refused_and_nothing_written(response, 400)["scimType"] == "invalidValue"
    in_a_key = json.dumps(user_body(factories.niss())).replace('"userName"', json.dumps(text)[:-1] + '"')
    refused_and_nothing_written(scim.post("/Users", in_a_key), 400)
    response = scim.get("/Users", {"filter": "userName eq " + json.dumps(text)})
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidFilter")
