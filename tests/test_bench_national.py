"""`make bench SCALE=national`'s loader (bench/national.py) at a ten-thousandth of a country: the
tables hold the stated counts times the fraction, every constraint holds and is back after the
COPY, the identifiers are valid, people work in one to three enterprises, the journal runs over
years, and the data answers as the portal's own: the measured enterprise's pages open for each of
its managers, the secretariat sees its clients, the decision point permits what was granted."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.html import escape

from access.identifiers import validate_enterprise_number, validate_niss
from access.models import AuditEvent, Enterprise, Grant, Membership, Person
from bench import decision_point, national
from bench.dataset import Triple
from bench.run import KEY_PAGES, MANAGERS, logged_in, send
from mandates.models import Mandate, MandateAccess

FRACTION = 0.0001
SIZES = (10, 30)


def schema() -> set[tuple[str, ...]]:
    """Every index and constraint of the tables the loader writes, with whether it is validated."""
    tables = [*national.TABLES.values(), *national.OTHER_TABLES]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), convalidated::text FROM pg_constraint"
            " WHERE conrelid = ANY(%s::regclass[])",
            [tables],
        )
        constraints = {tuple(row) for row in cursor.fetchall()}
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        return constraints | {tuple(row) for row in cursor.fetchall()}


@pytest.fixture
def country(db):
    before = schema()
    loaded = national.build(sizes=SIZES, journal_per_user=2, fraction=FRACTION)
    assert schema() == before, "every index and constraint is back, validated"
    return loaded


def test_each_table_holds_the_stated_count_times_the_fraction(country):
    expected = national.NATIONAL.times(FRACTION)
    assert expected == national.Counts(30, 300, 500, 800, 3000, 2)
    assert Enterprise.objects.count() == expected.enterprises
    assert Person.objects.count() == expected.people
    assert Membership.objects.count() == expected.memberships
    assert Grant.objects.count() == expected.grants
    assert AuditEvent.objects.count() == expected.events
    clients = Mandate.objects.filter(provider_id=country.secretariat.enterprise_id, status=Mandate.Status.ACCEPTED)
    assert clients.count() == expected.clients
    assert MandateAccess.objects.filter(mandate__in=clients).count() == 2 * expected.clients
    assert sum(country.rows[table] for table in national.TABLES.values()) > 0


def test_identifiers_are_valid_and_people_work_in_one_to_three_enterprises(country):
    for niss in Person.objects.exclude(niss=None).values_list("niss", flat=True):
        validate_niss(niss)
    for number in Enterprise.objects.values_list("number", flat=True):
        validate_enterprise_number(number)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(DISTINCT g.enterprise_id) FROM access_membership m
               JOIN access_group g ON g.id = m.group_id GROUP BY m.person_id"""
        )
        places = {row[0] for row in cursor.fetchall()}
    assert places == {1, 2, 3}
    # The measured enterprises' people are not counted twice, and every generated person works.
    assert Person.objects.filter(memberships=None, designations=None, representations=None).count() == 0
    oldest = AuditEvent.objects.order_by("created_at").first()
    assert oldest and oldest.created_at < timezone.now() - timedelta(days=5 * 365)


def test_the_measured_enterprise_opens_for_each_of_its_managers(country):
    managers = country.built[-1]
    for persona in MANAGERS:
        client = logged_in(managers.usernames[persona])
        for page in KEY_PAGES:
            assert send(client, page, managers).status_code == 200, (page.name, persona)
    secretariat = logged_in(country.secretariat.usernames["main"])
    response = secretariat.get(f"/e/{country.secretariat.enterprise_id}/mandates/", secure=True)
    assert response.status_code == 200
    client_names = Enterprise.objects.filter(mandates_given__provider_id=country.secretariat.enterprise_id)
    for enterprise in client_names:
        assert escape(enterprise.name) in response.content.decode()


def test_the_decision_point_permits_a_granted_service_and_a_mandated_one(country):
    token = decision_point.token_in_process(decision_point.register_client())
    granted = Grant.objects.select_related("membership__person", "membership__group__enterprise", "service")
    grant = granted.latest("pk")  # one the COPY wrote
    assert grant.pk > max(Grant.objects.filter(granted_by__user__isnull=False).values_list("pk", flat=True))
    person, enterprise = grant.membership.person, grant.membership.group.enterprise
    triple = Triple(person.niss or "", enterprise.number, grant.service.code, (person.pk, enterprise.pk, 0))
    assert decision_point.decided(token, [triple]) == [True]
    access = MandateAccess.objects.select_related("person", "mandate__principal", "service").latest("pk")
    mandated = Triple(access.person.niss or "", access.mandate.principal.number, access.service.code, (0, 0, 0))
    assert decision_point.decided(token, [mandated]) == [True]
