"""A membership carries its person's names (docs/decisions.md §20.1): the users page and a group's
page order and search an enterprise's people by them, so the copies follow every change of the
names, wherever it is made."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from access import services
from access.models import Membership, Person
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def zoe(world):
    """Zoë Zimmer, listed last among the employer group's users until she is renamed."""
    person = factories.person(None, "Zoë", "Zimmer")
    factories.member(person, world.groups["employer"])
    factories.member(person, world.groups["pension_fund"])
    return person


def lists(client, world, query: str = "") -> list[str]:
    """The users page and the employer group's page as the manager reads them."""
    paths = [
        reverse("access:user_list", args=[world.enterprise.pk]),
        reverse("access:group_detail", args=[world.enterprise.pk, world.groups["employer"].pk]),
    ]
    return [client.get(path, {"q": query} if query else {}).content.decode() for path in paths]


def first_of(page: str, *names: str) -> str:
    """Which of the names the page shows first."""
    return min(names, key=page.index)


def renamed_by_login(person: Person, surname: str) -> None:
    claims = {"egovNRN": person.niss, "givenName": person.given_name, "surname": surname}
    services.identity_link(person, claims, ip="192.0.2.1")


def renamed_by_save(person: Person, surname: str) -> None:
    person = Person.objects.get(pk=person.pk)
    person.surname = surname
    person.save(update_fields=["surname"])


def renamed_by_staff(person: Person, surname: str, staff_client) -> None:
    form = {
        "niss": person.niss,
        "given_name": person.given_name,
        "surname": surname,
        "email": person.email,
        "mobile_phone": person.mobile_phone,
        "preferred_language": person.preferred_language,
        "user": "",
        "former_numbers-TOTAL_FORMS": "0",
        "former_numbers-INITIAL_FORMS": "0",
    }
    response = staff_client.post(f"/admin/access/person/{person.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()


@pytest.mark.parametrize("rename", ["login", "save", "staff"])
def test_the_lists_follow_a_change_of_names(world, zoe, login, rename, request):
    client = login(world.main)
    for page in lists(client, world):
        assert first_of(page, "Zoë Zimmer", "Mats Member") == "Mats Member"
    if rename == "login":
        renamed_by_login(zoe, "Aerts")
    elif rename == "save":
        renamed_by_save(zoe, "Aerts")
    else:
        renamed_by_staff(zoe, "Aerts", request.getfixturevalue("staff_client"))
    assert Person.objects.get(pk=zoe.pk).surname == "Aerts"
    for page in lists(client, world):
        assert "Zoë Zimmer" not in page
        assert first_of(page, "Zoë Aerts", "Mats Member") == "Zoë Aerts"
    for page in lists(client, world, "zoe aerts"):
        assert "Zoë Aerts" in page
    for page in lists(client, world, "zimmer"):
        assert "Zoë Aerts" not in page
    assert set(
        Membership.objects.filter(person=zoe).values_list("enterprise", "person_surname", "person_search_name")
    ) == {(world.enterprise.pk, "Aerts", "zoe aerts")}


def test_saving_other_fields_leaves_the_memberships_alone(world, zoe, django_assert_num_queries):
    person = Person.objects.get(pk=zoe.pk)
    person.email = "zoe@example.be"
    with django_assert_num_queries(1):
        person.save(update_fields=["email"])
    with django_assert_num_queries(1):
        person.save()


def test_the_migration_copies_the_names_of_the_memberships_already_there(world, zoe):
    Membership.objects.filter(person=zoe).update(person_given_name="", person_surname="", person_search_name="")
    migration = importlib.import_module("access.migrations.0019_membership_person_names")
    migration.fill(apps, None)
    assert set(
        Membership.objects.filter(person=zoe).values_list("person_given_name", "person_surname", "person_search_name")
    ) == {("Zoë", "Zimmer", "zoe zimmer")}
