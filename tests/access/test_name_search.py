"""Names are searched as people type them (docs/decisions.md §13.1): without accents, case or
apostrophes, on the users list, a group's page and the journal; on PostgreSQL through a trigram
index, the same number of queries at any size."""

import importlib
import random

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from access import selectors
from access.models import Membership, Person, fold
from tests import factories
from tests.factories import actor_of
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def accented(world):
    """Users of the employer group whose names carry accents, capitals and apostrophes."""
    group = world.groups["employer"]
    people = {
        "chloe": factories.person(None, "Chloé", "Martin"),
        "unal": factories.person(None, "Emre", "Ünal"),
        "upper": factories.person(None, "CHLOE", "DUPONT"),
        "dhondt": factories.person(None, "Jan", "D’Hondt-Verbeke"),
        "lukasz": factories.person(None, "Łukasz", "Nowak"),
    }
    for person in people.values():
        factories.member(person, group)
    return people


def users_found(client, world, query: str, page: str = "user_list") -> str:
    """The page after a search typed into its box: posted, then shown at an address with the name."""
    path = (
        reverse("access:user_list", args=[world.enterprise.pk])
        if page == "user_list"
        else reverse("access:group_detail", args=[world.enterprise.pk, world.groups["employer"].pk])
    )
    response = client.post(path, {"q": query}, follow=True)
    assert response.redirect_chain, "a search by name is shown at an address"
    return response.content.decode()


@pytest.mark.parametrize("page", ["user_list", "group_detail"])
@pytest.mark.parametrize(
    ("typed", "found", "not_found"),
    [
        ("Chloe", ["Chloé Martin", "CHLOE DUPONT"], ["Emre Ünal"]),
        ("chloé", ["Chloé Martin", "CHLOE DUPONT"], ["Emre Ünal"]),
        ("Unal", ["Emre Ünal"], ["Chloé Martin"]),
        ("ÜNAL emre", ["Emre Ünal"], ["Chloé Martin"]),
        ("dhondt", ["Jan D’Hondt-Verbeke"], ["Emre Ünal"]),
        ("d'hondt verbeke", ["Jan D’Hondt-Verbeke"], ["Emre Ünal"]),
        ("lukasz", ["Łukasz Nowak"], ["Chloé Martin"]),
        ("chloe martin", ["Chloé Martin"], ["CHLOE DUPONT"]),
    ],
)
def test_names_are_found_as_people_type_them(world, accented, login, page, typed, found, not_found):
    html = users_found(login(world.group_manager), world, typed, page)
    for name in found:
        assert name in html, f"{typed!r} should find {name}"
    for name in not_found:
        assert name not in html, f"{typed!r} should not find {name}"


def test_the_journal_finds_names_as_people_type_them(world, accented, login):
    from access import services

    main = actor_of(world, world.main)
    services.membership_block(main, Membership.objects.get(person=accented["unal"]), reason="x")
    services.membership_block(main, world.tax_membership, reason="y")
    path = reverse("access:journal", args=[world.enterprise.pk])
    page = login(world.main).get(path, {"who": "unal"}).content.decode()
    assert "Emre Ünal" in page
    assert world.tax_member.full_name not in page


def test_fold():
    assert fold("  Chloé  MARTIN ") == "chloe martin"
    assert fold("Ünal") == "unal"
    assert fold("D’Hondt-Verbeke") == "dhondt verbeke"
    assert fold("Søren Łukasz Æsa Œuvre") == "soren lukasz aesa oeuvre"
    assert fold("Straße") == "strasse"
    assert fold("ﬁona") == "fiona"  # a ligature typed by a word processor


def test_the_folded_name_follows_every_change_of_the_names(world):
    person = factories.person(None, "Zoë", "Ďurić")
    assert Person.objects.get(pk=person.pk).search_name == "zoe duric"
    person.surname = "Åström"
    person.save(update_fields=["surname"])
    assert Person.objects.get(pk=person.pk).search_name == "zoe astrom"
    [bulk] = Person.objects.bulk_create([Person(given_name="Émile", surname="Noël")])
    assert Person.objects.get(pk=bulk.pk).search_name == "emile noel"


def test_the_migration_folds_the_names_of_the_people_already_there(world):
    Person.objects.filter(pk=world.member.pk).update(given_name="Mätś", search_name="")
    migration = importlib.import_module("access.migrations.0012_person_search_name")
    migration.fill(apps, None)
    assert Person.objects.get(pk=world.member.pk).search_name == "mats member"
    assert migration.fold("D’Hondt-Ünal Łø") == fold("D’Hondt-Ünal Łø")  # the migration's copy is the model's


GIVEN = ["Anna", "Bram", "Céline", "Dirk", "Elif", "Femke", "Guy", "Hanne", "Ilse", "Jonas", "Karim", "Lotte"]
SURNAMES = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "Dubois"]


def many_users(world, count: int) -> None:
    rng = random.Random(count)
    people = Person.objects.bulk_create(
        Person(
            niss=factories.niss(),
            given_name=rng.choice(GIVEN),
            surname=f"{rng.choice(SURNAMES)}{rng.randrange(10_000):04d}",
        )
        for _ in range(count)
    )
    Membership.objects.bulk_create(Membership(person=person, group=world.groups["employer"]) for person in people)


def test_a_search_by_name_takes_the_same_queries_at_any_size(world, accented, login):
    client = login(world.group_manager)
    path = reverse("access:user_list", args=[world.enterprise.pk]) + "?q=chloe"
    many_users(world, 10)
    small = queries_of(client, path)
    many_users(world, 990)
    assert queries_of(client, path) == small


@pytest.mark.parametrize("listing", ["users", "group"])
def test_the_search_reads_the_trigram_index_among_ten_thousand_people(world, accented, listing):
    many_users(world, 10_000)
    with connection.cursor() as cursor:
        # What autovacuum does in a live database: the rows just inserted move from the index's
        # pending list into the index, and the planner has statistics.
        cursor.execute("SELECT gin_clean_pending_list('membership_search_name_trgm'::regclass)")
        cursor.execute("ANALYZE access_person")
        cursor.execute("ANALYZE access_membership")
    actor = actor_of(world, world.group_manager)
    found = (
        selectors.people_in_scope(actor, "Chloe")
        if listing == "users"
        else selectors.group_members(actor, world.groups["employer"], "Chloe")
    )
    chosen = found.ids if listing == "users" else found
    sql, params = chosen.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on membership_search_name_trgm" in plan, plan
    names = {row.full_name if listing == "users" else row.person.full_name for row in found[:25]}
    assert names == {"Chloé Martin", "CHLOE DUPONT"}


def test_postgresql_knows_that_a_memberships_group_decides_its_enterprise(db):
    """Asked for the memberships of some groups in their enterprise, the planner must not take the
    two conditions for independent (migration 0020: among a country's memberships it expected 56
    of 15,755 and sorted them all for the users page's 25)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.stxkind, array_agg(a.attname ORDER BY a.attname) FROM pg_statistic_ext s"
            " JOIN pg_attribute a ON a.attrelid = s.stxrelid AND a.attnum = ANY (s.stxkeys)"
            " WHERE s.stxrelid = 'access_membership'::regclass GROUP BY s.oid, s.stxkind"
        )
        assert cursor.fetchall() == [(["f"], ["enterprise_id", "group_id"])]  # f: functional dependencies
