"""Beside every user of every list, the actions the policy allows (docs/design.md §5.6): the eye
to view their permissions, the pencil to edit them in a group and the bin to delete them from it,
each with an accessible name; none where the manager may not act (themselves, a superior, the Main
Access Manager). The same number of queries whatever the number of users."""

import pytest
from django.urls import reverse

from access.models import Membership, Person
from tests import factories
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


def actions(html: str, name: str) -> set[str]:
    """The actions offered about one person, by the start of their accessible names."""
    found = set()
    for label, action in (
        (f'aria-label="View the permissions of {name}"', "view"),
        (f'aria-label="Edit {name} in', "edit"),
        (f'aria-label="Delete {name} from', "delete"),
    ):
        if label in html:
            found.add(action)
    return found


@pytest.fixture
def mixed(world):
    """In the employer group: the member, the co-MAM (above a Group Manager and an Access Manager)
    and the Group Manager themselves."""
    employer = world.groups["employer"]
    factories.member(world.co_main, employer)
    factories.member(world.group_manager, employer)
    return world


def group_page(client, world) -> str:
    return client.get(
        reverse("access:group_detail", args=[world.enterprise.pk, world.groups["employer"].pk])
    ).content.decode()


def users_page(client, world) -> str:
    return client.get(reverse("access:user_list", args=[world.enterprise.pk])).content.decode()


@pytest.mark.parametrize("page", [group_page, users_page])
def test_a_group_manager_may_act_on_the_users_below_them_only(mixed, login, page):
    html = page(login(mixed.group_manager), mixed)
    assert actions(html, "Mats Member") == {"view", "edit", "delete"}
    assert actions(html, "Colette Comain") == {"view"}  # a co-MAM is above them
    assert actions(html, "Greta Group") == {"view"}  # nobody acts on themselves


@pytest.mark.parametrize("page", [group_page, users_page])
def test_a_co_main_manager_may_act_on_everyone_but_themselves_and_the_main_manager(mixed, login, page):
    factories.member(mixed.main, mixed.groups["employer"])
    html = page(login(mixed.co_main), mixed)
    assert actions(html, "Mats Member") == {"view", "edit", "delete"}
    assert actions(html, "Greta Group") == {"view", "edit", "delete"}
    assert actions(html, "Colette Comain") == {"view"}
    assert actions(html, "Marie Main") == {"view"}  # the MAM keeps their access


def test_the_users_list_offers_the_pencil_and_the_bin_in_each_group(world, login):
    factories.member(world.member, world.groups["pension_fund"])
    html = users_page(login(world.access_manager), world)
    for label in (
        "Edit Mats Member in Employer",
        "Delete Mats Member from Employer",
        "Edit Mats Member in Pension-fund manager",
        "Delete Mats Member from Pension-fund manager",
    ):
        assert f'aria-label="{label}"' in html, label
    membership = Membership.objects.get(person=world.member, group=world.groups["pension_fund"])
    assert reverse("access:membership_delete", args=[world.enterprise.pk, membership.pk]) in html


def grow(world, count: int) -> None:
    """Users of the employer group, three of them co-MAMs too (whose standing differs)."""
    group = world.groups["employer"]
    people = Person.objects.bulk_create(
        Person(niss=factories.niss(), given_name="Bulk", surname=f"User{i:05d}") for i in range(count)
    )
    Membership.objects.bulk_create(Membership(person=person, group=group) for person in people)
    for person in people[:3]:
        factories.designate(world.enterprise, person, "co_main")


@pytest.mark.parametrize("page", ["group_detail", "user_list"])
def test_the_actions_take_the_same_queries_at_any_size(mixed, login, page):
    client = login(mixed.co_main)
    args = [mixed.enterprise.pk, mixed.groups["employer"].pk] if page == "group_detail" else [mixed.enterprise.pk]
    path = reverse(f"access:{page}", args=args)
    grow(mixed, 5)
    small = queries_of(client, path)
    grow(mixed, 60)
    assert queries_of(client, path) == small
