"""The Policy Decision Point's metadata (AuthZEN §9): public, at the well-known address, naming the
endpoints the portal serves and no other."""

import pytest
from django.test import Client as HttpClient

pytestmark = pytest.mark.django_db


def test_the_metadata_names_the_endpoints(settings):
    settings.ALLOWED_HOSTS = ["pdp.example.be"]
    response = HttpClient().get("/.well-known/authzen-configuration", HTTP_HOST="pdp.example.be", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "policy_decision_point": "https://pdp.example.be",
        "access_evaluation_endpoint": "https://pdp.example.be/access/v1/evaluation",
        "access_evaluations_endpoint": "https://pdp.example.be/access/v1/evaluations",
        "search_resource_endpoint": "https://pdp.example.be/access/v1/search/resource",
    }


def test_every_endpoint_named_answers_and_the_others_do_not_exist():
    metadata = HttpClient().get("/.well-known/authzen-configuration").json()
    for name, url in metadata.items():
        if name.endswith("_endpoint"):
            path = url.removeprefix(metadata["policy_decision_point"])
            assert HttpClient().post(path, "{}", content_type="application/json").status_code == 401, path
    for path in ("/access/v1/search/subject", "/access/v1/search/action"):
        assert HttpClient().post(path, "{}", content_type="application/json").status_code == 404


def test_only_get_reads_the_metadata():
    response = HttpClient().post("/.well-known/authzen-configuration")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
