"""The SCIM lists cost the same number of queries whatever the number of Users, Groups, members and
grants they show (the token, the manager's standing, the count and the page, each in a set number
of queries)."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.provisioning.conftest import Scim, patch_body, user_body

pytestmark = pytest.mark.django_db


def queries(scim: Scim, call: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200, response.content
    return len(captured)


def grow(world, people: int) -> None:
    for _ in range(people):
        person = factories.person()
        factories.member(person, world.groups["employer"], ("dimona", "dmfa"))
        factories.member(person, world.groups["taxpayer"], ("myminfin",))


@pytest.mark.parametrize(
    "call",
    [
        lambda scim: scim.get("/Users"),
        lambda scim: scim.get("/Users", {"filter": 'userName sw "person" and active eq true', "count": "50"}),
        lambda scim: scim.get("/Groups"),
        lambda scim: scim.get("/Groups", {"excludedAttributes": "members"}),
        lambda scim: scim.post(
            "/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": 100}
        ),
    ],
    ids=["users", "users filtered", "groups", "groups without members", "search"],
)
def test_a_list_costs_the_same_queries_as_data_grows(world, scim_as, call):
    scim = scim_as(world.main)
    scim.get("/Users")  # the token's last use is kept at most once a minute: kept now
    few = queries(scim, lambda: call(scim))
    grow(world, 30)
    provisioned = [scim.post("/Users", user_body(factories.niss(), f"u{n}@acme.be")) for n in range(5)]
    assert all(response.status_code == 201 for response in provisioned)
    assert queries(scim, lambda: call(scim)) == few


def test_one_user_and_one_group_cost_the_same_queries_as_they_grow(world, scim_as):
    scim = scim_as(world.main)
    path = f"/Groups/{world.groups['employer'].pk}"
    user = f"/Users/{world.member.pk}"
    scim.get(user)
    few = queries(scim, lambda: scim.get(path)), queries(scim, lambda: scim.get(user))
    grow(world, 20)
    scim.patch(user, patch_body({"op": "replace", "path": "userName", "value": "mats"}))
    assert (queries(scim, lambda: scim.get(path)), queries(scim, lambda: scim.get(user))) == few
