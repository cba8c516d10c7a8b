"""Numbers beyond what PostgreSQL holds, typed into an address or a page number, answer 404 or the
first page, never a server error ("bigint out of range").

Every pattern of the URL conf with a number in its path is swept, built from the URL conf itself:
a pattern added later is swept too. Ids are asked beyond the largest bigint, with the real
enterprise in front (so that the inner ids are reached) and without it, by GET and by POST, as the
enterprise's Main Access Manager and, for the admin, as staff.
"""

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from access.models import AuditEvent

pytestmark = pytest.mark.django_db

BIGINT_MAX = 2**63 - 1
HUGE = [str(BIGINT_MAX + 1), "99999999999999999999", "9" * 200]
# Parameters that hold a database id: the portal's numbers, and the admin's object ids.
NUMBER = re.compile(r"<(?:int|id):(\w+)>|<path:(object_id)>")
ANY_PARAMETER = re.compile(r"<(?:\w+:)?\w+>")


def routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def numbered_routes() -> list[str]:
    """Routes whose every parameter is a number (others, such as allauth's keys, hold no id)."""
    found = []
    for route in routes():
        parameters = ANY_PARAMETER.findall(route)
        if parameters and len(NUMBER.findall(route)) == len(parameters):
            found.append(route.lstrip("^").rstrip("$"))
    return sorted(set(found))


def test_the_sweep_sees_the_numbered_routes_of_every_app():
    swept = numbered_routes()
    for expected in (
        "e/<",
        "/groups/<",
        "/memberships/<",
        "/chaman/channels/<",
        "/ebox/<",
        "/import/<",
        "admin/access/person/<",
    ):
        assert any(expected in route for route in swept), expected


def address(route: str, number: str, enterprise_id: int | None) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        return str(enterprise_id) if name == "enterprise_id" and enterprise_id else number

    return "/" + NUMBER.sub(value, route)


@pytest.fixture
def clients(world, login):
    staff = get_user_model().objects.create_superuser("staff-out-of-range", "staff@example.be", "x")
    admin = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    admin.force_login(staff)
    manager = login(world.main)
    manager.raise_request_exception = False
    return {"admin": admin, "manager": manager}


@pytest.mark.parametrize("route", numbered_routes())
def test_an_id_beyond_the_database_answers_404_and_changes_nothing(world, clients, route):
    journal = AuditEvent.objects.count()
    client = clients["admin" if route.startswith("admin/") else "manager"]
    # The admin answers a missing object with a redirect and a message, or 403 where staff may not
    # act at all (deleting a journal event); a page that takes only POST answers GET with 405.
    allowed = {"get": (302, 403, 404, 405), "post": (302, 403, 404)} if route.startswith("admin/") else None
    inner_ids = len(NUMBER.findall(route)) > 1 or "enterprise_id" not in route
    for number in HUGE:
        for enterprise_id in (world.enterprise.pk, None) if inner_ids else (None,):
            url = address(route, number, enterprise_id)
            for method in (client.get, client.post):
                status = method(url).status_code
                expected = allowed[method.__name__] if allowed else (404, 405) if method == client.get else (404,)
                assert status in expected, (method.__name__, url, status)
    assert AuditEvent.objects.count() == journal


LIST_PAGES = ["journal/", "users/", "groups/{employer}/", "ebox/"]
BAD_PAGES = [*HUGE, "-1", "0", "1e400", "٣", "2.5", ""]


@pytest.mark.parametrize("page", LIST_PAGES)
@pytest.mark.parametrize("number", BAD_PAGES)
def test_a_page_number_that_cannot_exist_shows_the_first_page(world, login, page, number):
    client = login(world.main)
    client.raise_request_exception = False
    url = f"/e/{world.enterprise.pk}/" + page.format(employer=world.groups["employer"].pk)
    first = client.get(url)
    response = client.get(url, {"page": number})
    assert response.status_code == 200, response.status_code
    assert response.context["page"].number == first.context["page"].number == 1


@pytest.mark.parametrize("route", [route for route in numbered_routes() if not route.startswith("admin/")])
def test_an_id_beyond_the_database_is_refused_before_any_query(route):
    # The address matches no pattern: no view runs, nothing is asked of the database. (In the
    # admin, a catch-all pattern takes such an address and redirects: the sweep above covers it.)
    for number in HUGE:
        with pytest.raises(Resolver404):
            resolve(address(route, number, None))
        assert resolve(address(route, str(BIGINT_MAX), None))


def test_a_posted_choice_beyond_the_database_is_a_form_error(world, login):
    """Ids also arrive in forms: a service, a domain, a group chosen from a list."""
    client = login(world.main)
    client.raise_request_exception = False
    e, employer = world.enterprise.pk, world.groups["employer"].pk
    journal = AuditEvent.objects.count()
    for number in HUGE:
        posts = [
            (f"/e/{e}/memberships/{world.member_membership.pk}/services/", {"service": number}),
            (f"/e/{e}/groups/{employer}/add/", {"niss": world.outsider.niss, "services": [number]}),
            (f"/e/{e}/managers/", {"form": "designate", "kind": "access_manager", "domain": number}),
            (f"/e/{e}/managers/", {"form": "designate", "kind": "group_manager", "group": number}),
        ]
        for url, data in posts:
            response = client.post(url, data, follow=True)
            assert response.status_code == 200, (url, data, response.status_code)
            assert "Select a valid choice" in response.content.decode(), (url, data)
    assert AuditEvent.objects.count() == journal
