"""The decision point against its misuse: who may ask (tokens, scopes, clients), about whom (other
enterprises, people from elsewhere), and what may be sent (bodies, methods, types, sizes)."""

import json
from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from decisions.models import Client
from tests import factories, leaks
from tests.decisions.conftest import (
    EVALUATION,
    EVALUATIONS,
    SEARCH,
    ask,
    basic,
    enterprise_resource,
    person_subject,
    question,
    register,
    token,
    token_response,
)

pytestmark = pytest.mark.django_db

AccessToken = get_access_token_model()
ENDPOINTS = [EVALUATION, EVALUATIONS, SEARCH]


def search_body(person, service="dimona"):
    return {"subject": person_subject(person), "action": {"name": service}, "resource": {"type": "enterprise"}}


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == status and error["code"] == code and error["message"]
    return error


class TestTokens:
    @pytest.mark.parametrize("path", ENDPOINTS)
    def test_no_token_is_a_401_with_a_bearer_challenge(self, world, path):
        response = ask(path, question(world.member, world.enterprise, "dimona"), None)
        refused(response, 401, "unauthorized")
        assert response["WWW-Authenticate"] == 'Bearer realm="access-decisions"'

    @pytest.mark.parametrize(
        "authorization", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "bearer " + "x" * 600, "Token abc"]
    )
    def test_another_scheme_or_a_malformed_header_is_a_401(self, world, authorization):
        response = HttpClient().post(
            EVALUATION,
            json.dumps(question(world.member, world.enterprise, "dimona")),
            content_type="application/json",
            HTTP_AUTHORIZATION=authorization,
        )
        refused(response, 401, "unauthorized")

    def test_a_forged_token_is_a_401_invalid_token(self, world):
        response = ask(EVALUATION, question(world.member, world.enterprise, "dimona"), "forged-token-1234567890")
        refused(response, 401, "invalid_token")
        assert response["WWW-Authenticate"] == 'Bearer realm="access-decisions", error="invalid_token"'

    def test_an_expired_token_is_a_401(self, world, dimona_token):
        AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
        refused(ask(EVALUATION, question(world.member, world.enterprise, "dimona"), dimona_token), 401, "invalid_token")

    def test_tokens_live_five_minutes_and_are_stored_as_a_checksum(self, world, dimona_token):
        stored = AccessToken.objects.get()
        assert stored.token == "" and stored.token_checksum != dimona_token
        lifetime = stored.expires - stored.created
        assert timedelta(seconds=295) < lifetime <= timedelta(seconds=300)

    def test_a_revoked_token_is_a_401(self, world, dimona_token):
        AccessToken.objects.get().revoke()
        refused(ask(EVALUATION, question(world.member, world.enterprise, "dimona"), dimona_token), 401, "invalid_token")

    def test_a_token_in_the_query_string_is_not_read(self, world, dimona_token):
        response = HttpClient().post(
            f"{EVALUATION}?access_token={dimona_token}",
            json.dumps(question(world.member, world.enterprise, "dimona")),
            content_type="application/json",
        )
        refused(response, 401, "unauthorized")
        # The test itself put the token in that address: the witness of leaks is told so.
        leaks.SEEN[:] = [seen for seen in leaks.SEEN if dimona_token not in seen[1]]

    def test_an_inactive_client_gets_no_token_and_its_tokens_stop(self, world):
        client, secret = register()
        issued = token(client, secret)
        Client.objects.filter(pk=client.pk).update(active=False)
        refused(ask(EVALUATION, question(world.member, world.enterprise, "dimona"), issued), 401, "invalid_token")
        assert token_response(client, secret).status_code == 401

    def test_a_wrong_secret_gets_no_token(self, world):
        client, _secret = register()
        response = token_response(client, "not-the-secret")
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"

    def test_only_the_client_credentials_grant(self, world):
        client, secret = register()
        for grant in ("password", "authorization_code", "refresh_token", "implicit"):
            response = HttpClient().post(
                "/oauth/token/",
                {"grant_type": grant, "username": "member", "password": factories.PASSWORD, "code": "x"},
                HTTP_AUTHORIZATION=basic(client.client_id, secret),
            )
            assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type", grant

    def test_the_toolkit_serves_no_other_page(self, world):
        for path in ("/oauth/authorize/", "/oauth/applications/", "/oauth/authorized-tokens/", "/o/token/"):
            assert HttpClient().get(path).status_code == 404, path


class TestATokenAlreadySeen:
    """The process remembers a token it accepted, and confirms it on every request: whatever stops
    a token stops it at the next request, though it was used a moment before."""

    def used(self, world, bearer: str) -> str:
        assert ask(EVALUATION, question(world.member, world.enterprise, "dimona"), bearer).json() == {"decision": True}
        return bearer

    def test_revoked(self, world, dimona_token):
        self.used(world, dimona_token)
        AccessToken.objects.get().revoke()
        refused(ask(EVALUATION, question(world.member, world.enterprise, "dimona"), dimona_token), 401, "invalid_token")

    @pytest.mark.parametrize("path", ENDPOINTS)
    def test_revoked_on_every_endpoint(self, world, dimona_token, path):
        self.used(world, dimona_token)
        AccessToken.objects.get().revoke()
        body = search_body(world.member) if path == SEARCH else question(world.member, world.enterprise, "dimona")
        refused(ask(path, body, dimona_token), 401, "invalid_token")

    @pytest.mark.parametrize("body", ["not json", {"subject": "nobody"}, []])
    def test_revoked_with_a_malformed_body_is_a_401_not_a_400(self, world, dimona_token, body):
        self.used(world, dimona_token)
        refused(ask(EVALUATION, body, dimona_token), 400, "invalid_request")
        AccessToken.objects.get().revoke()
        refused(ask(EVALUATION, body, dimona_token), 401, "invalid_token")

    def test_expired(self, world, dimona_token):
        self.used(world, dimona_token)
        AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
        refused(ask(EVALUATION, question(world.member, world.enterprise, "dimona"), dimona_token), 401, "invalid_token")

    def test_its_client_switched_off(self, world, dimona_token):
        self.used(world, dimona_token)
        Client.objects.update(active=False)
        refused(ask(EVALUATION, question(world.member, world.enterprise, "dimona"), dimona_token), 401, "invalid_token")
        Client.objects.update(active=True)
        assert self.used(world, dimona_token)

    def test_its_clients_secret_rotated(self, world, staff_client):
        client, secret = register()
        bearer = self.used(world, token(client, secret))
        response = staff_client.post(
            "/admin/decisions/client/",
            {"action": "rotate_secret", "_selected_action": [client.pk], "confirmed": "yes"},
        )
        leaks.remember_password(response.context["secrets"][0][1])
        refused(ask(EVALUATION, question(world.member, world.enterprise, "dimona"), bearer), 401, "invalid_token")

    def test_a_service_taken_from_its_client(self, world, dimona_token):
        self.used(world, dimona_token)
        Client.objects.get().services.remove(*Client.objects.get().services.filter(code="dimona"))
        refused(
            ask(EVALUATION, question(world.member, world.enterprise, "dimona"), dimona_token), 403, "insufficient_scope"
        )

    def test_a_service_given_back_to_its_client_within_the_tokens_scope(self, world, dimona_token):
        dimona = Client.objects.get().services.get(code="dimona")
        Client.objects.get().services.remove(dimona)
        refused(
            ask(EVALUATION, question(world.member, world.enterprise, "dimona"), dimona_token), 403, "insufficient_scope"
        )
        Client.objects.get().services.add(dimona)
        assert self.used(world, dimona_token)

    def test_a_deleted_client(self, world, dimona_token):
        self.used(world, dimona_token)
        Client.objects.all().delete()
        refused(ask(EVALUATION, question(world.member, world.enterprise, "dimona"), dimona_token), 401, "invalid_token")


class TestRotation:
    def test_rotating_the_secret_revokes_the_tokens_and_the_old_secret(self, world, staff_client):
        client, old_secret = register()
        old_token = token(client, old_secret)
        response = staff_client.post(
            "/admin/decisions/client/",
            {"action": "rotate_secret", "_selected_action": [client.pk], "confirmed": "yes"},
        )
        assert response.status_code == 200
        new_secret = response.context["secrets"][0][1]
        leaks.remember_password(new_secret)
        refused(ask(EVALUATION, question(world.member, world.enterprise, "dimona"), old_token), 401, "invalid_token")
        assert token_response(client, old_secret).status_code == 401
        new_token = token(client, new_secret)
        assert ask(EVALUATION, question(world.member, world.enterprise, "dimona"), new_token).json() == {
            "decision": True
        }


class TestScopes:
    def test_a_service_outside_the_tokens_scope_is_a_403(self, world, dimona_token):
        response = ask(EVALUATION, question(world.member, world.enterprise, "chaman"), dimona_token)
        error = refused(response, 403, "insufficient_scope")
        assert "chaman" in error["message"]
        assert response["WWW-Authenticate"] == (
            'Bearer realm="access-decisions", error="insufficient_scope", scope="service:chaman"'
        )

    def test_one_item_outside_the_scope_refuses_the_whole_batch(self, world, dimona_token):
        body = {
            "subject": person_subject(world.member),
            "resource": enterprise_resource(world.enterprise),
            "options": {"evaluations_semantic": "permit_on_first_permit"},
            "evaluations": [{"action": {"name": "dimona"}}, {"action": {"name": "ebox"}}],
        }
        refused(ask(EVALUATIONS, body, dimona_token), 403, "insufficient_scope")

    def test_the_search_is_limited_to_the_scope_too(self, world, dimona_token):
        refused(ask(SEARCH, search_body(world.member, "ebox"), dimona_token), 403, "insufficient_scope")

    def test_a_token_asked_with_a_narrower_scope_has_that_scope_only(self, world):
        client, secret = register("Both", ("dimona", "dmfa"))
        narrow = token(client, secret, scope="service:dmfa")
        refused(ask(EVALUATION, question(world.member, world.enterprise, "dimona"), narrow), 403, "insufficient_scope")
        assert ask(EVALUATION, question(world.member, world.enterprise, "dmfa"), narrow).status_code == 200

    def test_a_client_cannot_ask_for_another_services_scope(self, world):
        client, secret = register("Dimona", ("dimona",))
        response = token_response(client, secret, scope="service:dimona service:chaman")
        assert response.status_code == 400 and response.json()["error"] == "invalid_scope"

    def test_a_service_taken_from_the_client_is_taken_from_its_tokens(self, world, dimona_token):
        Client.objects.get().services.remove(*Client.objects.get().services.filter(code="dimona"))
        refused(
            ask(EVALUATION, question(world.member, world.enterprise, "dimona"), dimona_token), 403, "insufficient_scope"
        )

    def test_an_unknown_service_is_no_other_services_and_is_answered(self, world, dimona_token):
        answer = ask(EVALUATION, question(world.member, world.enterprise, "no-such-service"), dimona_token).json()
        assert answer["context"]["reason"] == "unknown_action"


class TestBodies:
    @pytest.mark.parametrize("path", ENDPOINTS)
    @pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
    def test_other_methods_are_a_405(self, world, dimona_token, path, method):
        response = getattr(HttpClient(), method)(path, HTTP_AUTHORIZATION=f"Bearer {dimona_token}")
        refused(response, 405, "method_not_allowed")
        assert response["Allow"] == "POST"

    @pytest.mark.parametrize("path", ["/.well-known/authzen-configuration", "/access/v1/openapi.json"])
    @pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
    def test_the_public_documents_answer_other_methods_with_a_405(self, world, path, method):
        # As a client sends them: with the portal's CSRF check, without the cookie a session holds.
        response = getattr(HttpClient(enforce_csrf_checks=True), method)(path)
        refused(response, 405, "method_not_allowed")
        assert response["Allow"] == "GET, HEAD"

    def test_no_address_of_the_decision_point_asks_for_a_csrf_token(self, world):
        client, secret = register()
        browserless = HttpClient(enforce_csrf_checks=True)
        data = {"grant_type": "client_credentials"}
        response = browserless.post("/oauth/token/", data, HTTP_AUTHORIZATION=basic(client.client_id, secret))
        assert response.status_code == 200, response.content
        bearer = response.json()["access_token"]
        leaks.remember_password(bearer)
        body = json.dumps(question(world.member, world.enterprise, "dimona"))
        for path in (EVALUATION, EVALUATIONS):
            answer = browserless.post(
                path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {bearer}"
            )
            assert answer.json() == {"decision": True}

    def test_the_token_is_checked_before_the_body_is_read(self, world):
        refused(ask(EVALUATION, "not json", None), 401, "unauthorized")

    @pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
    def test_a_body_that_is_not_json_by_its_type_is_a_400(self, world, dimona_token, content_type):
        body = json.dumps(question(world.member, world.enterprise, "dimona"))
        refused(ask(EVALUATION, body, dimona_token, content_type=content_type), 400, "invalid_request")

    @pytest.mark.parametrize(
        "body",
        [
            b"not json",
            b"",
            b"[1, 2]",
            b'"a string"',
            b'{"subject": 1, "subject": 2}',
            b'{"a": NaN}',
            b'{"a": 1e400}',
            b'{"a": ' + b"9" * 5000 + b"}",
            b"[" * 100_000 + b"]" * 100_000,
            b'{"a": "\xff\xfe"}',
        ],
        ids=["text", "empty", "array", "string", "duplicate", "nan", "infinite", "long-int", "deep", "not-utf8"],
    )
    def test_a_body_that_is_not_a_json_object_is_a_400(self, world, dimona_token, body):
        refused(ask(EVALUATION, body, dimona_token), 400, "invalid_request")

    def test_a_body_of_fifty_megabytes_is_a_400(self, world, dimona_token):
        body = b'{"pad": "' + b"x" * (50 * 1024 * 1024) + b'"}'
        error = refused(ask(EVALUATIONS, body, dimona_token), 400, "invalid_request")
        assert error["message"] == "The body is too large."

    def test_a_charset_other_than_utf8_is_a_400(self, world, dimona_token):
        body = json.dumps(question(world.member, world.enterprise, "dimona"))
        refused(
            ask(EVALUATION, body, dimona_token, content_type="application/json; charset=latin-1"),
            400,
            "invalid_request",
        )
        assert ask(EVALUATION, body, dimona_token, content_type="application/json; charset=UTF-8").status_code == 200

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (lambda b: b.pop("subject"), "subject is missing."),
            (lambda b: b.pop("resource"), "resource is missing."),
            (lambda b: b.pop("action"), "action is missing."),
            (lambda b: b.update(subject="85073003328"), "subject must be an object."),
            (lambda b: b["subject"].pop("id"), "subject.id is missing."),
            (lambda b: b["subject"].update(id=85073003328), "subject.id must be a string."),
            (lambda b: b["subject"].update(type="user"), "subject.type must be 'person' or 'account'."),
            (lambda b: b["subject"].update(properties=[]), "subject.properties must be an object."),
            (lambda b: b["resource"].update(type="document"), "resource.type must be 'enterprise'."),
            (lambda b: b["action"].update(name=["dimona"]), "action.name must be a string."),
            (lambda b: b.update(context="now"), "context must be an object."),
        ],
    )
    def test_a_missing_or_mistyped_part_is_named(self, world, dimona_token, change, message):
        body = question(world.member, world.enterprise, "dimona")
        change(body)
        assert refused(ask(EVALUATION, body, dimona_token), 400, "invalid_request")["message"] == message

    @pytest.mark.parametrize(
        "niss",
        ["85073003329", "85.07.30-033.28", "8507300332", "850730033280", "８５０７３００３３２８", "1" * 100_000, ""],
        ids=["check-digits", "formatted", "ten-digits", "twelve-digits", "fullwidth-digits", "huge", "empty"],
    )
    def test_a_national_register_number_is_eleven_valid_digits(self, world, dimona_token, niss):
        body = question(world.member, world.enterprise, "dimona")
        body["subject"]["id"] = niss
        message = refused(ask(EVALUATION, body, dimona_token), 400, "invalid_request")["message"]
        assert message.startswith("subject.id must be a valid national register number")

    @pytest.mark.parametrize(
        "number", ["0403019262", "BE0403019261", "0403.019.261", "403019261", "2403019261", "0" * 10, "9" * 10_000]
    )
    def test_an_enterprise_number_is_ten_valid_digits(self, world, dimona_token, number):
        body = question(world.member, world.enterprise, "dimona")
        body["resource"]["id"] = number
        message = refused(ask(EVALUATION, body, dimona_token), 400, "invalid_request")["message"]
        assert message.startswith("resource.id must be a valid enterprise number")

    @pytest.mark.parametrize("name", ["DIMONA", "dimona; drop table", "d" * 51, "", "dimöna", "dimona\x00"])
    def test_an_action_is_the_code_of_a_service(self, world, dimona_token, name):
        body = question(world.member, world.enterprise, name)
        assert refused(ask(EVALUATION, body, dimona_token), 400, "invalid_request")["message"].startswith("action.name")

    @pytest.mark.parametrize("username", ["a" * 151, "main\x00", "ma in", "\ud800"])
    def test_a_username_is_a_portal_username(self, world, dimona_token, username):
        body = question(world.member, world.enterprise, "dimona")
        body["subject"] = {"type": "account", "id": username}
        assert refused(ask(EVALUATION, body, dimona_token), 400, "invalid_request")["message"].startswith("subject.id")

    @pytest.mark.parametrize("username", ["jérôme", "ｍａｉｎ", "main٣"])
    def test_a_username_is_written_in_ascii_as_the_portal_makes_them(self, world, dimona_token, username):
        body = question(world.member, world.enterprise, "dimona")
        body["subject"] = {"type": "account", "id": username}
        assert refused(ask(EVALUATION, body, dimona_token), 400, "invalid_request")["message"].startswith("subject.id")

    @pytest.mark.parametrize(
        ("default", "message"),
        [
            ({"subject": 85073003328}, "subject must be an object."),
            ({"subject": {"type": "person", "id": "85073003329"}}, "subject.id must be a valid national register"),
            ({"resource": {"type": "document", "id": "1"}}, "resource.type must be 'enterprise'."),
            ({"action": {"name": "DIMONA"}}, "action.name must be the code of an online service"),
        ],
    )
    def test_a_malformed_default_is_a_400_even_where_every_item_replaces_it(
        self, world, dimona_token, default, message
    ):
        body = {**default, "evaluations": [question(world.member, world.enterprise, "dimona")]}
        assert refused(ask(EVALUATIONS, body, dimona_token), 400, "invalid_request")["message"].startswith(message)

    def test_a_page_limit_written_with_a_fraction_of_zero_is_a_whole_number(self, world, dimona_token):
        body = {**search_body(world.member), "page": {"limit": 2.0}}
        response = ask(SEARCH, body, dimona_token)
        assert response.status_code == 200, response.content
        assert response.json()["results"] == [enterprise_resource(world.enterprise)]
        body["page"]["limit"] = 2.5
        assert refused(ask(SEARCH, body, dimona_token), 400, "invalid_request")["message"].startswith("page.limit")

    def test_unknown_members_and_properties_are_ignored(self, world, dimona_token):
        body = question(world.member, world.enterprise, "dimona")
        body["subject"]["properties"] = {"department": "HR", "nested": {"list": [1, 2.5, None, True]}}
        body["resource"]["properties"] = {}
        body["action"]["properties"] = {"method": "POST"}
        body["context"] = {"time": "2026-01-01T12:00:00Z"}
        body["extension"] = {"anything": 1}
        assert ask(EVALUATION, body, dimona_token).json() == {"decision": True}


class TestAboutWhom:
    def test_another_enterprises_number(self, world, dimona_token):
        answer = ask(EVALUATION, question(world.member, world.other_enterprise, "dimona"), dimona_token).json()
        assert answer["decision"] is False and answer["context"]["reason"] == "no_standing"

    def test_the_number_of_a_person_from_elsewhere(self, world, dimona_token):
        answer = ask(EVALUATION, question(world.other_member, world.enterprise, "dimona"), dimona_token).json()
        assert answer["decision"] is False and answer["context"]["reason"] == "no_standing"

    def test_a_search_for_a_person_from_elsewhere_finds_only_their_own(self, world, dimona_token):
        answer = ask(SEARCH, search_body(world.other_member), dimona_token).json()
        assert [result["id"] for result in answer["results"]] == [world.other_enterprise.number]
