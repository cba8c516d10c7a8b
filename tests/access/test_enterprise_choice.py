"""The choice of the enterprise after login, for a person who acts for a few enterprises and for
one who acts for hundreds: searched by name or number, paged, with its counts in the same queries
whatever their number (access.choice, docs/decisions.md §17)."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from access.choice import SEARCH_FROM
from access.models import Designation, Enterprise, Group, RoleType, fold
from ebox.models import Message, Reading
from tests import factories
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


def act_for(person, names: list[str]) -> list[Enterprise]:
    """Active enterprises of these names where the person is a co-Main Access Manager, each with an
    employer group and one e-Box message, made in a few queries however many there are."""
    now = timezone.now()
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(number=factories.enterprise_number(), name=name, status=Enterprise.Status.ACTIVE, activated_at=now)
        for name in names
    )
    employer = RoleType.objects.get(code="employer")
    Group.objects.bulk_create(Group(enterprise=enterprise, role_type=employer) for enterprise in enterprises)
    Designation.objects.bulk_create(
        Designation(enterprise=enterprise, person=person, kind="co_main") for enterprise in enterprises
    )
    Message.objects.bulk_create(
        Message(enterprise=enterprise, sender_institution="ONSS", subject="Reminder", body="Body")
        for enterprise in enterprises
    )
    return enterprises


def clients(count: int) -> list[str]:
    return [f"Client {index:03d}" for index in range(count)]


def test_the_choice_costs_the_same_queries_for_3_and_for_300_enterprises(world, login):
    """Each line's standing, unread e-Box messages and groups are read for the page's enterprises
    together: the home page with 300 enterprises costs what it costs with 3, listed, searched and
    paged."""
    few = factories.person("few", "Fanny", "Few")
    many = factories.person("many", "Manon", "Many")
    act_for(few, clients(3))
    act_for(many, clients(300))
    few_client, many_client = login(few), login(many)
    for path in ("/", "/?q=client", "/?q=client+0&page=2"):
        assert queries_of(few_client, path) == queries_of(many_client, path), path
    page = many_client.get("/").content.decode()
    assert page.count('class="group-links"') == 25
    assert page.count("1 unread e-Box message") == 25


def test_the_counts_are_those_of_each_enterprise(world, login):
    person = factories.person("counted", "Chris", "Counted")
    read, unread = act_for(person, ["Already read", "Still unread"])
    Reading.objects.create(message=Message.objects.get(enterprise=read), person=person)
    Message.objects.create(enterprise=unread, sender_institution="SPF", subject="Second", body="x")
    page = login(person).get("/").content.decode()
    assert page.index("Already read") < page.index("0 unread e-Box messages") < page.index("Still unread")
    assert page.index("Still unread") < page.index("2 unread e-Box messages")


def test_a_person_with_few_enterprises_sees_them_all_without_a_search(world, login):
    person = factories.person("ten", "Tess", "Ten")
    act_for(person, clients(SEARCH_FROM - 1))
    page = login(person).get("/").content.decode()
    assert 'role="search"' not in page
    assert "You may act for these enterprises." in page
    assert page.count("Client 0") == SEARCH_FROM - 1
    assert "Page 1 of" not in page
    assert 'role="search"' not in login(world.main).get("/").content.decode()


def test_from_eleven_enterprises_the_choice_has_a_search_and_a_count(world, login):
    person = factories.person("eleven", "Elena", "Eleven")
    act_for(person, clients(SEARCH_FROM))
    page = login(person).get("/").content.decode()
    assert 'role="search"' in page
    assert f"You may act for {SEARCH_FROM} enterprises." in page


@pytest.fixture
def provider(world, login):
    """A person who acts for 300 enterprises, among them a few whose names have accents, and their
    logged-in client."""
    person = factories.person("provider", "Paul", "Provider")
    named = act_for(person, ["Société Générale de Belgique", "Brasserie D'Hondt-Ünal", "SOCIETE DU LOGEMENT"])
    act_for(person, clients(297))
    return login(person), named


def names_on(page: str, enterprises: list[Enterprise]) -> set[str]:
    return {enterprise.name for enterprise in enterprises if enterprise.name.replace("'", "&#x27;") in page}


def test_search_by_name_ignores_accents_and_case(provider):
    client, (generale, brasserie, logement) = provider
    named = [generale, brasserie, logement]
    assert names_on(client.get("/?q=societe").content.decode(), named) == {generale.name, logement.name}
    assert names_on(client.get("/?q=SOCIÉTÉ générale").content.decode(), named) == {generale.name}
    assert names_on(client.get("/?q=dhondt unal").content.decode(), named) == {brasserie.name}
    page = client.get("/?q=Société").content.decode()
    assert "2 enterprises match “Société”." in page
    assert "Client 000" not in page


def test_search_by_enterprise_number_with_or_without_dots_and_spaces(provider):
    client, (generale, brasserie, logement) = provider
    number = generale.number_display  # 0200.000.xxx
    for typed in (number, generale.number, number.replace(".", " "), f"BE {number}", generale.number[1:]):
        page = client.get("/", {"q": typed}).content.decode()
        assert "1 enterprise matches" in page, typed
        assert names_on(page, [generale, brasserie, logement]) == {generale.name}, typed


def test_a_search_that_finds_nothing_says_so(provider):
    client, _named = provider
    page = client.get("/?q=Nowhere+Ltd").content.decode()
    assert "No enterprise matches “Nowhere Ltd”. Check the spelling, or type the enterprise number." in page
    assert "Show all your enterprises" in page
    assert "Client 000" not in page


def test_the_choice_is_paged_by_25_with_the_search_kept(provider):
    client, _named = provider
    first = client.get("/").content.decode()
    assert "You may act for 300 enterprises." in first
    assert "Page 1 of 12" in first
    # By name: the brasserie, then the clients, then the two sociétés.
    assert "Brasserie" in first and "Client 023" in first and "Client 024" not in first
    second = client.get("/?page=2").content.decode()
    assert "Page 2 of 12" in second and "Client 024" in second and "Client 023" not in second
    # Every word typed is in the name: "Client 001", "Client 010", … "Client 296".
    matching = [name for name in clients(297) if "1" in name]
    searched = client.get("/?q=client+1&page=2").content.decode()
    assert f"{len(matching)} enterprises match “client 1”." in searched
    assert "Page 2 of 6" in searched  # 138 enterprises
    assert matching[25] in searched and matching[24] not in searched
    assert 'href="?q=client%201&amp;page=3"' in searched


@pytest.mark.parametrize("number", ["99999", "abc", "-1", "0", "2.5", "٣", "9" * 30])
def test_an_absurd_page_number_shows_the_first_page(provider, number):
    client, _named = provider
    response = client.get("/", {"page": number})
    assert response.status_code == 200
    assert "Page 1 of 12" in response.content.decode()


def test_a_search_finds_only_the_persons_own_enterprises(world, login, provider):
    client, _named = provider
    page = client.get("/?q=Acme").content.decode()
    assert "No enterprise matches “Acme”." in page
    other = login(world.main).get("/", {"q": world.other_enterprise.number}).content.decode()
    assert "No enterprise matches" in other
    assert "Other" not in other.split("<main", 1)[1]


def test_my_access_offers_the_same_search_and_pages(provider):
    client, (generale, _brasserie, _logement) = provider
    listing = client.get("/my-access/").content.decode()
    assert 'role="search"' in listing and "Page 1 of 12" in listing
    found = client.get("/my-access/", {"q": "générale"}).content.decode()
    assert "1 enterprise matches “générale”." in found
    assert f'href="/e/{generale.pk}/my-access/"' in found
    assert "No enterprise matches “Nowhere”." in client.get("/my-access/?q=Nowhere").content.decode()
    assert client.get("/my-access/?page=abc").status_code == 200


def test_my_access_costs_the_same_queries_for_3_and_for_300_enterprises(world, login):
    few = factories.person("few", "Fanny", "Few")
    many = factories.person("many", "Manon", "Many")
    act_for(few, clients(3))
    act_for(many, clients(300))
    for path in ("/my-access/", "/my-access/?q=client&page=2"):
        assert queries_of(login(few), path) == queries_of(login(many), path), path


def test_an_enterprise_renamed_is_found_by_its_new_name(world, login):
    person = factories.person("renamed", "Rita", "Renamed")
    (enterprise,) = act_for(person, ["Ancien Nom"])
    assert Enterprise.objects.get(pk=enterprise.pk).search_name == "ancien nom"
    enterprise.name = "Œuvres Sociales D’Anvers"
    enterprise.save(update_fields=["name"])
    assert Enterprise.objects.get(pk=enterprise.pk).search_name == "oeuvres sociales danvers"


def test_the_migration_folds_the_names_of_the_enterprises_already_there(world):
    Enterprise.objects.filter(pk=world.enterprise.pk).update(name="Société D’Anvers", search_name="")
    migration = importlib.import_module("access.migrations.0015_enterprise_search_name")
    migration.fill(apps, None)
    assert Enterprise.objects.get(pk=world.enterprise.pk).search_name == "societe danvers"
    assert migration.fold("D’Hondt-Ünal Łø") == fold("D’Hondt-Ünal Łø")  # the migration's copy is the model's


def test_the_folded_names_have_a_trigram_index(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'enterprise_search_name_trgm'")
        (definition,) = cursor.fetchone()
    assert "gin (search_name gin_trgm_ops)" in definition


@pytest.mark.parametrize(
    ("language", "count", "nothing"),
    [
        ("fr", "Vous pouvez agir pour 11 entreprises.", "Aucune entreprise ne correspond à «\u202fNulle part\u202f»."),
        ("nl", "U mag optreden voor 11 ondernemingen.", "Geen enkele onderneming komt overeen met “Nulle part”."),
        ("de", "Sie dürfen für 11 Unternehmen handeln.", "Kein Unternehmen entspricht „Nulle part“."),
        ("en", "You may act for 11 enterprises.", "No enterprise matches “Nulle part”."),
    ],
)
def test_the_choice_speaks_the_persons_language(world, login, language, count, nothing):
    person = factories.person("speaker", "Sam", "Speaker", preferred_language=language)
    act_for(person, clients(SEARCH_FROM))
    client = login(person)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert count in client.get("/").content.decode()
    assert nothing in client.get("/", {"q": "Nulle part"}).content.decode()
