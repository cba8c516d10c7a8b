"""The Resource Search API (AuthZEN §8.5): the enterprises for which a person may use a service,
in the order of their numbers, a page at a time (AuthZEN §8.2), each page a constant number of
queries; every result evaluates to a permit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.models import Enterprise
from tests import factories
from tests.decisions.conftest import EVALUATION, SEARCH, ask, enterprise_resource, person_subject, seen

pytestmark = pytest.mark.django_db


def body(person, service="dimona", **page):
    request = {"subject": person_subject(person), "action": {"name": service}, "resource": {"type": "enterprise"}}
    if page:
        request["page"] = page
    return request


def all_pages(token, person, service="dimona", limit=None, expect_pages=None):
    found, pages, page_token = [], 0, None
    while True:
        page = {**({"limit": limit} if limit is not None else {}), **({"token": page_token} if page_token else {})}
        answer = ask(SEARCH, body(person, service, **page), token).json()
        assert list(answer) == ["page", "results"]
        assert answer["page"]["count"] == len(answer["results"]) <= (limit if limit is not None else 50)
        found += answer["results"]
        pages += 1
        page_token = answer["page"]["next_token"]
        if not page_token:
            break
    if expect_pages is not None:
        assert pages == expect_pages
    return found


@pytest.fixture
def accountant(world):
    """A user of the employer group of eight enterprises: with Dimona in five, without in three
    (one of those is pending; in one their grant was revoked)."""
    person = factories.person("accountant", "Alex", "Accountant")
    holding = []
    for index in range(8):
        enterprise, groups = factories.enterprise(f"Client {index}", roles=("employer",))
        membership = factories.member(person, groups["employer"], ("dimona",) if index % 3 else ())
        if index % 3:
            holding.append(enterprise)
        if index == 4:
            Enterprise.objects.filter(pk=enterprise.pk).update(status=Enterprise.Status.PENDING)
            holding.remove(enterprise)
        if index == 5:
            membership.grants.update(revoked_at=membership.created_at)
            holding.remove(enterprise)
    return person, sorted(enterprise.number for enterprise in holding)


def test_the_enterprises_where_the_person_has_the_service_by_number(world, dimona_token, accountant):
    person, expected = accountant
    results = all_pages(dimona_token, person)
    assert results == [{"type": "enterprise", "id": number} for number in expected]


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 100])
def test_pages_of_any_size_give_the_same_results(world, dimona_token, accountant, limit):
    person, expected = accountant
    assert [result["id"] for result in all_pages(dimona_token, person, limit=limit)] == expected


def test_a_page_larger_than_a_hundred_is_a_hundred(world, dimona_token, accountant):
    person, expected = accountant
    assert [r["id"] for r in all_pages(dimona_token, person, limit=10**30, expect_pages=1)] == expected


def test_a_page_of_zero_answers_nothing_and_keeps_its_place(world, dimona_token, accountant):
    person, _expected = accountant
    answer = ask(SEARCH, body(person, limit=0), dimona_token).json()
    assert answer["results"] == [] and answer["page"]["next_token"]


def test_every_result_is_permitted(world, dimona_token, accountant):
    person, _expected = accountant
    for result in all_pages(dimona_token, person, limit=2):
        question = {"subject": person_subject(person), "resource": result, "action": {"name": "dimona"}}
        assert ask(EVALUATION, question, dimona_token).json() == {"decision": True}


def test_the_resource_id_is_ignored(world, dimona_token):
    request = body(world.member)
    request["resource"] = enterprise_resource(world.other_enterprise)
    assert ask(SEARCH, request, dimona_token).json()["results"] == [enterprise_resource(world.enterprise)]


def test_an_unknown_person_or_service_finds_nothing(world, dimona_token):
    request = body(world.member)
    request["subject"]["id"] = factories.niss()
    assert ask(SEARCH, request, dimona_token).json() == {"page": {"next_token": "", "count": 0}, "results": []}
    assert ask(SEARCH, body(world.member, "no-such-service"), dimona_token).json()["results"] == []


class TestTokens:
    def first_page(self, token, person):
        return ask(SEARCH, body(person, limit=2), token).json()["page"]["next_token"]

    @pytest.mark.parametrize(
        "change",
        [
            lambda b: b.update(action={"name": "dmfa"}),
            lambda b: b["page"].update(limit=3),
            lambda b: b.update(context={"time": "now"}),
            lambda b: b["subject"].update(properties={"x": 1}),
        ],
        ids=["action", "limit", "context", "subject"],
    )
    def test_a_later_page_repeats_the_first_pages_request(self, world, dimona_token, accountant, change):
        person, _expected = accountant
        request = body(person, limit=2, token=self.first_page(dimona_token, person))
        change(request)
        response = ask(SEARCH, request, dimona_token)
        assert response.status_code == 400
        assert response.json()["error"]["message"].startswith("page.token belongs to another query")

    def test_a_token_of_another_person_or_client_is_refused(self, world, dimona_token, accountant):
        from tests.decisions.conftest import register, token

        person, _expected = accountant
        next_token = self.first_page(dimona_token, person)
        assert ask(SEARCH, body(world.member, limit=2, token=next_token), dimona_token).status_code == 400
        other_client, secret = register("Another Dimona", ("dimona",))
        assert ask(SEARCH, body(person, limit=2, token=next_token), token(other_client, secret)).status_code == 400

    @pytest.mark.parametrize("forged", ["x", "eyJhZnRlciI6IjAifQ:forged:signature", "a" * 513, 12])
    def test_a_forged_token_is_refused(self, world, dimona_token, forged):
        response = ask(SEARCH, body(world.member, token=forged), dimona_token)
        assert response.status_code == 400
        assert response.json()["error"]["message"].startswith("page.token")

    @pytest.mark.parametrize("limit", [-1, 1.5, "10", True, None, [1]])
    def test_a_limit_is_a_whole_number(self, world, dimona_token, limit):
        response = ask(SEARCH, body(world.member, limit=limit), dimona_token)
        if limit is None:  # null is an absent member
            assert response.status_code == 200
        else:
            assert response.status_code == 400
            assert response.json()["error"]["message"] == "page.limit must be a whole number of 0 or more."


def test_a_page_costs_the_same_queries_for_three_or_thirty_enterprises(world, dimona_token, django_assert_num_queries):
    person = factories.person("accountant", "Alex", "Accountant")

    def add(count):
        for index in range(count):
            enterprise, groups = factories.enterprise(f"Client {index}", roles=("employer", "taxpayer"))
            factories.member(person, groups["employer"], ("dimona",) if index % 2 else ())
            factories.designate(enterprise, person, "group_manager", group=groups["taxpayer"])

    add(3)
    seen(dimona_token)
    with CaptureQueriesContext(connection) as small:
        assert ask(SEARCH, body(person, limit=100), dimona_token).status_code == 200
    add(27)
    with django_assert_num_queries(len(small)):
        answer = ask(SEARCH, body(person, limit=100), dimona_token).json()
    assert answer["page"]["count"] == 1 + 13
