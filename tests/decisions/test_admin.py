"""Staff register the online services' clients in the admin: the secret is shown once and kept as a
hash, a client is confidential with the client-credentials grant whatever is posted, rotating
shows a new secret and revokes the tokens, and each change is journaled without the secret."""

import pytest
from django.contrib import admin
from django.contrib.auth.hashers import check_password
from oauth2_provider.models import AbstractApplication, get_access_token_model, get_refresh_token_model

from access.models import AuditEvent, OnlineService
from decisions.models import Client
from tests import leaks
from tests.decisions.conftest import register, token, token_response

pytestmark = pytest.mark.django_db


def test_the_form_asks_for_a_name_the_services_and_whether_it_is_active(world, staff_client):
    response = staff_client.get("/admin/decisions/client/add/")
    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == ["name", "services", "active"]


def test_registering_a_client_shows_its_secret_once(world, staff_client):
    services = list(OnlineService.objects.filter(code__in=["dimona", "dmfa"]).values_list("pk", flat=True))
    response = staff_client.post(
        "/admin/decisions/client/add/",
        {
            "name": "Dimona",
            "services": services,
            "active": "on",
            "client_type": "public",
            "authorization_grant_type": "password",
            "redirect_uris": "http://evil.example/",
        },
    )
    assert response.status_code == 200, response.content
    [(client, secret)] = response.context["secrets"]
    leaks.remember_password(secret)
    assert secret in response.content.decode()
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    client = Client.objects.get(pk=client.pk)
    assert client.client_secret != secret and check_password(secret, client.client_secret)
    assert client.client_type == AbstractApplication.CLIENT_CONFIDENTIAL
    assert client.authorization_grant_type == AbstractApplication.GRANT_CLIENT_CREDENTIALS
    assert client.redirect_uris == ""
    assert set(client.services.values_list("code", flat=True)) == {"dimona", "dmfa"}
    assert token(client, secret)
    # The change page never shows it again.
    assert secret not in staff_client.get(f"/admin/decisions/client/{client.pk}/change/").content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.STAFF_CHANGED)
    assert event.after["client_secret"] == "[hidden]"
    assert secret not in str(event.after) and client.client_secret not in str(event.after)


def test_a_client_needs_a_name(world, staff_client):
    response = staff_client.post("/admin/decisions/client/add/", {"name": " ", "active": "on"})
    assert response.status_code == 200 and "secrets" not in response.context
    assert not Client.objects.exists()


def test_rotating_asks_first_then_shows_the_new_secret(world, staff_client):
    client, old_secret = register()
    token(client, old_secret)
    confirmation = staff_client.post(
        "/admin/decisions/client/", {"action": "rotate_secret", "_selected_action": [client.pk]}
    )
    assert confirmation.status_code == 200 and "secrets" not in confirmation.context
    assert get_access_token_model().objects.count() == 1
    response = staff_client.post(
        "/admin/decisions/client/", {"action": "rotate_secret", "_selected_action": [client.pk], "confirmed": "yes"}
    )
    [(rotated, new_secret)] = response.context["secrets"]
    leaks.remember_password(new_secret)
    assert rotated.pk == client.pk and new_secret in response.content.decode()
    assert get_access_token_model().objects.count() == 0
    assert token_response(client, old_secret).status_code == 401
    assert token(client, new_secret)
    event = AuditEvent.objects.filter(action=AuditEvent.Action.STAFF_CHANGED).latest("pk")
    assert event.after["client_secret"] == "[hidden]" and event.after["tokens_revoked"] == 1


def test_staff_manage_clients_alone_not_the_toolkits_tokens(world):
    registered = set(admin.site._registry)
    assert Client in registered
    assert get_access_token_model() not in registered and get_refresh_token_model() not in registered


def test_the_admin_of_clients_is_for_staff(world, login):
    response = login(world.main).get("/admin/decisions/client/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
