"""The development identity provider's login page: every demo person to choose from, and a search
by name among them (as people type names: accents and case aside)."""

import re

import pytest
from django.conf import settings
from django.test import Client

from access.models import Person
from portal.demo import load_demo

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/accounts/oidc/federal/login/callback/"


def oidc(**extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": settings.OIDC_CLIENT_ID,
        "redirect_uri": CALLBACK,
        "state": "s",
        "nonce": "n",
        **extra,
    }


def identities(html: str) -> list[str]:
    """The names offered, in their order."""
    return re.findall(r'<label for="id_identity_\d+">\s*<input[^>]*>\s*([^<(]+?) \(', html)


@pytest.fixture
def demo(catalogue):
    load_demo()


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_every_demo_person_is_offered(client, demo):
    html = client.get("/dev-idp/authorize/", oidc()).content.decode()
    offered = identities(html)
    expected = Person.objects.filter(niss__isnull=False).count()
    assert len(offered) == expected > 50
    for name in ("Louise Renard", "Ulla Schmidt", "Marc Lambert", "Chloé Martin", "Nina Nieuwland"):
        assert name in offered
    assert "Someone the portal does not know" in html


def test_a_search_by_name_narrows_the_list_and_keeps_the_login_request(client, demo):
    html = client.get("/dev-idp/authorize/", oidc(q="chloe")).content.decode()
    assert identities(html) == ["Chloé Martin"]
    assert 'role="search"' in html
    assert 'name="nonce" value="n"' in html  # both forms carry the login request on
    assert 'value="chloe"' in html


def test_a_person_found_by_search_logs_in(client, demo):
    chloe = Person.objects.get(surname="Martin", given_name="Chloé")
    response = client.post("/dev-idp/authorize/", {**oidc(), "identity": str(chloe.pk), "method": "eid"})
    assert response.status_code == 302
    assert response["Location"].startswith(CALLBACK + "?code=")


@pytest.mark.parametrize("identity", ["999999999", "abc", "-1"])
def test_an_identity_that_is_not_offered_is_refused(client, demo, identity):
    response = client.post("/dev-idp/authorize/", {**oidc(), "identity": identity, "method": "eid"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
