"""A service provider with hundreds of clients (docs/design.md §5.16, docs/decisions.md §19): its
Mandates page is searched by the client's name or number and paged, each side on its own, with how
many people act under each mandate, in the same queries whatever the number of mandates."""

import pytest
from django.utils import timezone

from access.choice import SEARCH_FROM
from access.models import Enterprise, Group, OnlineService, RoleType
from mandates.models import Mandate, MandateAccess
from tests import factories
from tests.mandates.test_mandates import quarter_start
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


def clients_of(world, names: list[str], people: int = 1) -> list[Mandate]:  # type: ignore[no-untyped-def]
    """Active client enterprises of these names, each with an accepted mandate to Other for Dimona
    and DmfA and `people` of Other's users given Dimona under it, made in a few queries."""
    now = timezone.now()
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(number=factories.enterprise_number(), name=name, status=Enterprise.Status.ACTIVE, activated_at=now)
        for name in names
    )
    Group.objects.bulk_create(
        Group(enterprise=enterprise, role_type=RoleType.objects.get(code="employer")) for enterprise in enterprises
    )
    mandates = Mandate.objects.bulk_create(
        Mandate(
            principal=enterprise,
            provider=world.other_enterprise,
            starts_on=quarter_start(timezone.localdate()),
            status=Mandate.Status.ACCEPTED,
            offered_by=world.main,
        )
        for enterprise in enterprises
    )
    dimona, dmfa = OnlineService.objects.get(code="dimona"), OnlineService.objects.get(code="dmfa")
    Mandate.services.through.objects.bulk_create(
        Mandate.services.through(mandate=mandate, onlineservice=service)
        for mandate in mandates
        for service in (dimona, dmfa)
    )
    helpers = [world.other_member] + [factories.person(None, f"Helper{index}") for index in range(people - 1)]
    MandateAccess.objects.bulk_create(
        MandateAccess(mandate=mandate, person=person, service=dimona, granted_by=world.other_enterprise_manager)
        for mandate in mandates
        for person in helpers
    )
    return mandates


def names(count: int) -> list[str]:
    return [f"Client {index:03d}" for index in range(count)]


def list_path(world) -> str:  # type: ignore[no-untyped-def]
    return f"/e/{world.other_enterprise.pk}/mandates/"


def test_the_list_costs_the_same_queries_for_3_and_for_300_clients(world, login):
    """The page of 300 clients' mandates, listed, searched and paged, costs what the page of 3 does,
    the people acting under each mandate and its services included."""
    clients_of(world, names(3))
    client = login(world.other_enterprise_manager)
    paths = [list_path(world) + query for query in ("", "?q=client", "?q=client+0&page=2", "?page=abc")]
    few = [queries_of(client, path) for path in paths]
    clients_of(world, [f"Client {index:03d}" for index in range(3, 300)], people=3)
    assert [queries_of(client, path) for path in paths] == few
    page = client.get(list_path(world)).content.decode()
    assert "300 mandates." in page
    assert page.count("Dimona (immediate declaration of employment), DmfA") == 25
    assert "Page 1 of 12" in page


def test_each_mandate_says_how_many_of_the_provider_s_people_act_under_it(world, login):
    (alone,) = clients_of(world, ["Alone"])
    (crowded,) = clients_of(world, ["Crowded"], people=3)
    # A service taken back no longer counts; a person given two services counts once.
    MandateAccess.objects.filter(mandate=alone).update(revoked_at=timezone.now())
    MandateAccess.objects.create(
        mandate=crowded,
        person=world.other_member,
        service=OnlineService.objects.get(code="dmfa"),
        granted_by=world.other_enterprise_manager,
    )
    page = login(world.other_enterprise_manager).get(list_path(world)).content.decode()
    rows = {name: page[page.index(f">{name} (") :].split("</tr>")[0] for name in ("Alone", "Crowded")}
    assert rows["Alone"].rstrip().endswith(">0</td>")
    assert rows["Crowded"].rstrip().endswith(">3</td>")


def test_few_mandates_have_no_search_box(world, login):
    clients_of(world, names(SEARCH_FROM - 1))
    page = login(world.other_enterprise_manager).get(list_path(world)).content.decode()
    assert 'role="search"' not in page
    assert "Page 1 of" not in page
    assert page.count("Client 0") == SEARCH_FROM - 1


@pytest.fixture
def provider(world, login):  # type: ignore[no-untyped-def]
    """Other's MAM, logged in, with 300 clients, a few of them with accents in their names."""
    named = clients_of(world, ["Société Générale de Belgique", "Brasserie D'Hondt-Ünal", "SOCIETE DU LOGEMENT"])
    clients_of(world, names(297))
    return login(world.other_enterprise_manager), [mandate.principal for mandate in named]


def found(page: str, enterprises: list[Enterprise]) -> set[str]:
    return {enterprise.name for enterprise in enterprises if enterprise.name.replace("'", "&#x27;") in page}


def test_the_search_ignores_accents_and_case(provider, world):  # type: ignore[no-untyped-def]
    client, (generale, brasserie, logement) = provider
    named = [generale, brasserie, logement]
    path = list_path(world)
    assert found(client.get(path, {"q": "societe"}).content.decode(), named) == {generale.name, logement.name}
    assert found(client.get(path, {"q": "SOCIÉTÉ générale"}).content.decode(), named) == {generale.name}
    assert found(client.get(path, {"q": "dhondt unal"}).content.decode(), named) == {brasserie.name}
    page = client.get(path, {"q": "Société"}).content.decode()
    assert "2 mandates match “Société”." in page
    assert "Client 000" not in page


def test_the_search_by_enterprise_number_with_or_without_be_dots_and_spaces(provider, world):  # type: ignore[no-untyped-def]
    client, (generale, _brasserie, _logement) = provider
    number = generale.number_display
    for typed in (number, generale.number, number.replace(".", " "), f"BE {number}", f"BE{generale.number}"):
        page = client.get(list_path(world), {"q": typed}).content.decode()
        assert "1 mandate matches" in page, typed
        assert generale.name in page, typed


def test_a_search_that_finds_nothing_says_so(provider, world):  # type: ignore[no-untyped-def]
    client, _named = provider
    page = client.get(list_path(world), {"q": "Brasserie Unol"}).content.decode()
    assert "No mandate matches “Brasserie Unol”. Check the spelling, or type the enterprise number." in page
    assert "Show all mandates" in page
    assert "Client 000" not in page


def test_page_two_keeps_the_search(provider, world):  # type: ignore[no-untyped-def]
    client, _named = provider
    page = client.get(list_path(world), {"q": "client", "page": "2"}).content.decode()
    assert "297 mandates match “client”." in page
    assert "Page 2 of 12" in page
    assert "?q=client&amp;page=3" in page and "?q=client&amp;page=1" in page
    assert "Client 271" in page and "Client 296" not in page  # newest first: 296 to 272 on page 1


@pytest.mark.parametrize("number", ["99999", "abc", "-1", "0", "١"])
def test_an_absurd_page_shows_the_first(provider, world, number):  # type: ignore[no-untyped-def]
    client, _named = provider
    page = client.get(list_path(world), {"page": number, "given_page": number}).content.decode()
    assert "Page 1 of 12" in page
