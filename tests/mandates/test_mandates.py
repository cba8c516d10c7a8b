"""Mandates (docs/design.md §5.16): Acme offers a mandate for Dimona to Other (a service provider),
Other's MAM accepts, gives its user Dimona for Acme; the decision point answers for Acme through
the mandate while it is in force, and never once it has ended, before it starts or after its end."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.models import AuditEvent, EnterpriseBlock, FourEyesSetting, OnlineService
from mandates.models import Mandate, MandateAccess
from tests.decisions.conftest import EVALUATION, ask, question
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


def quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def offer(client, world, **data):  # type: ignore[no-untyped-def]
    dimona = OnlineService.objects.get(code="dimona")
    fields = {
        "provider": world.other_enterprise.number,
        "services": [dimona.pk],
        "starts_on": quarter_start(timezone.localdate()).strftime("%d/%m/%Y"),
        "ends_on": "",
        **data,
    }
    return client.post(f"/e/{world.enterprise.pk}/mandates/offer/", fields)


def make_mandate(world, *, status=Mandate.Status.ACCEPTED, starts_on=None, ends_on=None, services=("dimona",)):  # type: ignore[no-untyped-def]
    mandate = Mandate.objects.create(
        principal=world.enterprise,
        provider=world.other_enterprise,
        starts_on=starts_on or quarter_start(timezone.localdate()),
        ends_on=ends_on,
        status=status,
        offered_by=world.main,
    )
    mandate.services.set(OnlineService.objects.filter(code__in=services))
    return mandate


def give(world, mandate, person=None, code="dimona"):  # type: ignore[no-untyped-def]
    return MandateAccess.objects.create(
        mandate=mandate,
        person=person or world.other_member,
        service=OnlineService.objects.get(code=code),
        granted_by=world.other_enterprise_manager,
    )


def people_acting_under(world, mandate, count: int):  # type: ignore[no-untyped-def]
    """`count` users of Other, Olga first, each given Dimona under the mandate, made in a few queries."""
    from access.models import Membership, Person
    from tests import factories

    people = Person.objects.bulk_create(
        Person(niss=factories.niss(), given_name="Helper", surname=f"Helper{index:04d}") for index in range(count - 1)
    )
    Membership.objects.bulk_create(Membership(person=person, group=world.other_groups["employer"]) for person in people)
    people = [world.other_member, *people]
    MandateAccess.objects.bulk_create(
        MandateAccess(
            mandate=mandate,
            person=person,
            service=OnlineService.objects.get(code="dimona"),
            granted_by=world.other_enterprise_manager,
        )
        for person in people
    )
    return people


def decision(token: str, person, enterprise, code: str = "dimona") -> bool:  # type: ignore[no-untyped-def]
    response = ask(EVALUATION, question(person, enterprise, code), token)
    assert response.status_code == 200, response.content
    return response.json()["decision"]


class TestOffering:
    def test_a_wrong_number_an_unknown_one_and_a_day_not_a_quarter_s_first_are_refused(self, world, login):
        client = login(world.main)
        assert "check digits" in offer(client, world, provider="0403019262").content.decode()
        assert "No enterprise with this number" in offer(client, world, provider="0412345614").content.decode()
        page = offer(client, world, starts_on="02/04/2026").content.decode()
        assert "first day of a quarter" in page
        assert "itself" in offer(client, world, provider=world.enterprise.number).content.decode()
        assert not Mandate.objects.exists()

    def test_the_main_manager_offers_and_both_journals_record_it(self, world, login):
        response = offer(login(world.main), world)
        mandate = Mandate.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/e/{world.enterprise.pk}/mandates/{mandate.pk}/"
        assert mandate.status == Mandate.Status.OFFERED
        assert [s.code for s in mandate.services.all()] == ["dimona"]
        rows = AuditEvent.objects.filter(action=AuditEvent.Action.MANDATE_OFFERED)
        assert {row.enterprise_id for row in rows} == {world.enterprise.pk, world.other_enterprise.pk}
        assert all(row.after["mandate"] == mandate.pk and row.actor == world.main for row in rows)

    def test_an_access_manager_offers_only_services_of_their_domains(self, world, login):
        response = offer(login(world.finance_manager), world)
        assert response.status_code == 200
        assert not Mandate.objects.exists()
        myminfin = OnlineService.objects.get(code="myminfin")
        assert offer(login(world.finance_manager), world, services=[myminfin.pk]).status_code == 302

    @pytest.mark.parametrize("who", ["group_manager", "member", "legal_representative"])
    def test_others_of_the_principal_neither_see_nor_offer(self, world, login, who):
        client = login(getattr(world, who))
        assert client.get(f"/e/{world.enterprise.pk}/mandates/").status_code == 403
        assert offer(client, world).status_code == 403
        assert not Mandate.objects.exists()


class TestAnswering:
    def test_the_provider_s_main_manager_accepts_and_both_see_the_history(self, world, login):
        mandate = make_mandate(world, status=Mandate.Status.OFFERED)
        provider = login(world.other_enterprise_manager)
        url = f"/e/{world.other_enterprise.pk}/mandates/{mandate.pk}/"
        assert provider.post(url + "accept/").status_code == 302
        mandate.refresh_from_db()
        assert mandate.status == Mandate.Status.ACCEPTED and mandate.answered_by == world.other_enterprise_manager
        principal_page = login(world.main).get(f"/e/{world.enterprise.pk}/mandates/{mandate.pk}/")
        assert "mandate accepted by the service provider" in principal_page.content.decode()
        assert provider.post(url + "accept/").status_code == 302  # answered already: told, nothing changes
        assert AuditEvent.objects.filter(action=AuditEvent.Action.MANDATE_ACCEPTED).count() == 2

    def test_the_principal_cannot_accept_its_own_offer(self, world, login):
        mandate = make_mandate(world, status=Mandate.Status.OFFERED)
        response = login(world.main).post(f"/e/{world.enterprise.pk}/mandates/{mandate.pk}/accept/")
        assert response.status_code == 403
        mandate.refresh_from_db()
        assert mandate.status == Mandate.Status.OFFERED

    def test_the_provider_refuses(self, world, login):
        mandate = make_mandate(world, status=Mandate.Status.OFFERED)
        login(world.other_enterprise_manager).post(f"/e/{world.other_enterprise.pk}/mandates/{mandate.pk}/refuse/")
        mandate.refresh_from_db()
        assert mandate.status == Mandate.Status.REFUSED


class TestActingUnderAMandate:
    def test_given_then_ended_the_decision_point_says_yes_then_no(self, world, login, dimona_token):
        mandate = make_mandate(world)
        assert not decision(dimona_token, world.other_member, world.enterprise)
        provider = login(world.other_enterprise_manager)
        dimona = OnlineService.objects.get(code="dimona")
        url = f"/e/{world.other_enterprise.pk}/mandates/{mandate.pk}/"
        response = provider.post(url + "access/", {"person": world.other_member.pk, "service": dimona.pk})
        assert response.status_code == 302
        assert decision(dimona_token, world.other_member, world.enterprise)
        assert not decision(dimona_token, world.other_member, world.enterprise, "dmfa")  # never beyond the mandate
        assert not decision(dimona_token, world.other_member, world.other_groups["employer"].enterprise, "dmfa")
        page = login(world.main).get(f"/e/{world.enterprise.pk}/mandates/{mandate.pk}/").content.decode()
        assert world.other_member.full_name in page
        # Acme's four eyes off, its end goes through at once (tests/mandates/test_mandate_approvals.py: on).
        FourEyesSetting.objects.create(enterprise=world.enterprise, enabled=False)
        assert login(world.main).post(f"/e/{world.enterprise.pk}/mandates/{mandate.pk}/end/").status_code == 302
        assert not decision(dimona_token, world.other_member, world.enterprise)
        assert AuditEvent.objects.filter(action=AuditEvent.Action.MANDATE_ENDED).count() == 2

    def test_the_provider_ends_it_too(self, world, login, dimona_token):
        mandate = make_mandate(world)
        give(world, mandate)
        login(world.other_enterprise_manager).post(f"/e/{world.other_enterprise.pk}/mandates/{mandate.pk}/end/")
        assert not decision(dimona_token, world.other_member, world.enterprise)

    @pytest.mark.parametrize("when", ["before_start", "after_end", "offered", "refused", "ended"])
    def test_no_access_outside_the_mandate_s_life(self, world, dimona_token, when):
        today = timezone.localdate()
        next_quarter = quarter_start(quarter_start(today) + timedelta(days=100))
        mandate = make_mandate(
            world,
            starts_on=next_quarter if when == "before_start" else None,
            ends_on=today - timedelta(days=1) if when == "after_end" else None,
            status={"offered": Mandate.Status.OFFERED, "refused": Mandate.Status.REFUSED}.get(
                when, Mandate.Status.ACCEPTED
            ),
        )
        if when == "after_end":
            Mandate.objects.filter(pk=mandate.pk).update(starts_on=date(2020, 1, 1))
        if when == "ended":
            Mandate.objects.filter(pk=mandate.pk).update(ended_at=timezone.now())
        give(world, mandate)
        assert not decision(dimona_token, world.other_member, world.enterprise)

    def test_the_last_day_still_counts(self, world, dimona_token):
        mandate = make_mandate(world, ends_on=timezone.localdate())
        give(world, mandate)
        assert decision(dimona_token, world.other_member, world.enterprise)

    def test_a_user_blocked_by_the_provider_acts_no_more(self, world, dimona_token):
        give(world, make_mandate(world))
        EnterpriseBlock.objects.create(person=world.other_member, enterprise=world.other_enterprise, reason="left")
        assert not decision(dimona_token, world.other_member, world.enterprise)

    def test_access_taken_back_ends_at_once(self, world, login, dimona_token):
        mandate = make_mandate(world)
        access = give(world, mandate)
        url = f"/e/{world.other_enterprise.pk}/mandates/{mandate.pk}/access/{access.pk}/revoke/"
        assert login(world.other_enterprise_manager).post(url).status_code == 302
        assert not decision(dimona_token, world.other_member, world.enterprise)

    def test_no_service_beyond_the_mandate_and_only_the_provider_s_users(self, world, login):
        mandate = make_mandate(world)
        provider = login(world.other_enterprise_manager)
        url = f"/e/{world.other_enterprise.pk}/mandates/{mandate.pk}/access/"
        dmfa = OnlineService.objects.get(code="dmfa")
        dimona = OnlineService.objects.get(code="dimona")
        assert provider.post(url, {"person": world.other_member.pk, "service": dmfa.pk}).status_code == 200
        assert provider.post(url, {"person": world.member.pk, "service": dimona.pk}).status_code == 200
        assert not MandateAccess.objects.exists()

    def test_the_principal_gives_no_access_under_it(self, world, login):
        mandate = make_mandate(world)
        dimona = OnlineService.objects.get(code="dimona")
        url = f"/e/{world.enterprise.pk}/mandates/{mandate.pk}/access/"
        assert login(world.main).post(url, {"person": world.member.pk, "service": dimona.pk}).status_code == 403
        assert not MandateAccess.objects.exists()


class TestQueries:
    def test_the_list_costs_the_same_with_one_or_six_mandates(self, world, login):
        make_mandate(world)
        client = login(world.other_enterprise_manager)
        path = f"/e/{world.other_enterprise.pk}/mandates/"
        few = queries_of(client, path)
        for _ in range(5):
            make_mandate(world, services=("dimona", "dmfa"))
        assert queries_of(client, path) == few

    def test_a_mandate_costs_the_same_with_one_or_many_people_acting(self, world, login):
        from tests import factories

        mandate = make_mandate(world, services=("dimona", "dmfa"))
        give(world, mandate)
        client = login(world.other_enterprise_manager)
        path = f"/e/{world.other_enterprise.pk}/mandates/{mandate.pk}/"
        few = queries_of(client, path)
        for index in range(4):
            person = factories.person(None, f"Helper{index}")
            factories.member(person, world.other_groups["employer"])
            give(world, mandate, person, "dmfa")
        assert queries_of(client, path) == few

    def test_ending_a_mandate_costs_the_same_for_3_people_acting_under_it_and_for_1000(
        self, world, login, dimona_token
    ):
        """Nothing is swept at the end (docs/decisions.md §19.7): the end is the mandate's row and
        one journal row on each side, whatever the number of people; none of them acts any more."""
        FourEyesSetting.objects.create(enterprise=world.enterprise, enabled=False)
        client = login(world.main)
        few, many = make_mandate(world), make_mandate(world)
        people_acting_under(world, few, 3)
        last = people_acting_under(world, many, 1000)[-1]
        assert decision(dimona_token, last, world.enterprise)

        def end(mandate: Mandate) -> int:
            with CaptureQueriesContext(connection) as captured:
                response = client.post(f"/e/{world.enterprise.pk}/mandates/{mandate.pk}/end/")
            assert response.status_code == 302
            return len(captured)

        assert end(many) == end(few)
        assert not decision(dimona_token, last, world.enterprise)
        assert not decision(dimona_token, world.other_member, world.enterprise)
        assert AuditEvent.objects.filter(action=AuditEvent.Action.MANDATE_ENDED).count() == 2 * 2

    def test_an_end_that_fails_midway_leaves_everything_as_it_was(self, world, login, dimona_token):
        """The end is one transaction: the provider's journal refusing its row (PostgreSQL raises,
        after the mandate's row and the principal's journal row are written) undoes it all."""
        FourEyesSetting.objects.create(enterprise=world.enterprise, enabled=False)
        mandate = make_mandate(world)
        last = people_acting_under(world, mandate, 300)[-1]
        journal = AuditEvent.objects.count()
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'the journal refuses this row'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_provider_row BEFORE INSERT ON {AuditEvent._meta.db_table} FOR EACH ROW "
                f"WHEN (NEW.enterprise_id = {world.other_enterprise.pk}) EXECUTE FUNCTION refuse_row()"
            )
        client = login(world.main)
        client.raise_request_exception = False  # the person is shown the error page
        response = client.post(f"/e/{world.enterprise.pk}/mandates/{mandate.pk}/end/")
        assert response.status_code == 500
        mandate.refresh_from_db()
        assert mandate.status == Mandate.Status.ACCEPTED and mandate.ended_at is None
        assert AuditEvent.objects.count() == journal
        assert decision(dimona_token, last, world.enterprise)
        assert decision(dimona_token, world.other_member, world.enterprise)


HEADINGS = {
    "fr": ("Mandats", "Mandat de Acme à Other", "Personnes du prestataire agissant sous le mandat"),
    "nl": ("Mandaten", "Mandaat van Acme aan Other", "Personen van de dienstverlener die onder het mandaat handelen"),
    "de": ("Mandate", "Mandat von Acme an Other", "Personen des Dienstleisters, die im Rahmen des Mandats handeln"),
    "en": ("Mandates", "Mandate of Acme to Other", "People of the service provider acting under the mandate"),
}


@pytest.mark.parametrize("language", sorted(HEADINGS))
def test_the_pages_speak_the_person_s_language(world, language):  # type: ignore[no-untyped-def]
    from django.test import Client

    mandate = make_mandate(world)
    world.main.preferred_language = language
    world.main.save()
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.post("/accounts/login/", {"login": world.main.user.username, "password": "test-password-123"})
    listing = browser.get(f"/e/{world.enterprise.pk}/mandates/").content.decode()
    detail = browser.get(f"/e/{world.enterprise.pk}/mandates/{mandate.pk}/").content.decode()
    mandates, title, people = HEADINGS[language]
    assert f'<html lang="{language}">' in listing
    assert f"<h1>{mandates}</h1>" in listing
    assert title in detail and people in detail


def test_permits_under_mandates_cost_the_same_for_one_person_or_twenty(world, dimona_token, django_assert_num_queries):  # type: ignore[no-untyped-def]
    """A batch of questions answered through mandates costs the queries of one: access under
    mandates in one query, the people's standing at the providers in one more."""
    from django.core.cache import cache

    from tests import factories
    from tests.decisions.conftest import EVALUATIONS

    mandate = make_mandate(world)
    give(world, mandate)
    helpers = [world.other_member]
    for index in range(19):
        person = factories.person(None, f"Helper{index}")
        factories.member(person, world.other_groups["employer"])
        give(world, mandate, person)
        helpers.append(person)
    ask(EVALUATION, question(world.other_member, world.enterprise, "dimona"), dimona_token)  # the token is seen
    cache.clear()
    one = {"evaluations": [question(world.other_member, world.enterprise, "dimona")]}
    with CaptureQueriesContext(connection) as first:
        assert ask(EVALUATIONS, one, dimona_token).json()["evaluations"] == [{"decision": True}]
    many = {"evaluations": [question(person, world.enterprise, "dimona") for person in helpers]}
    cache.clear()
    with django_assert_num_queries(len(first)):
        answers = ask(EVALUATIONS, many, dimona_token).json()["evaluations"]
    assert answers == [{"decision": True}] * 20


def test_the_history_names_the_service_and_the_person(world, login):  # type: ignore[no-untyped-def]
    mandate = make_mandate(world)
    dimona = OnlineService.objects.get(code="dimona")
    url = f"/e/{world.other_enterprise.pk}/mandates/{mandate.pk}/"
    login(world.other_enterprise_manager).post(url + "access/", {"person": world.other_member.pk, "service": dimona.pk})
    page = login(world.main).get(f"/e/{world.enterprise.pk}/mandates/{mandate.pk}/").content.decode()
    assert f"online service given under a mandate, by {world.other_enterprise_manager.full_name}" in page
    assert f"({world.other_member.full_name}, {dimona.name})" in page


def test_staff_read_mandates_in_the_admin_and_change_nothing_there(world, staff_client):  # type: ignore[no-untyped-def]
    mandate = make_mandate(world)
    give(world, mandate)
    listing = staff_client.get("/admin/mandates/mandate/?q=" + world.other_enterprise.number)
    assert listing.status_code == 200 and "Acme" in listing.content.decode()
    assert staff_client.get("/admin/mandates/mandateaccess/").status_code == 200
    assert staff_client.get(f"/admin/mandates/mandate/{mandate.pk}/change/").status_code == 200
    assert staff_client.get("/admin/mandates/mandate/add/").status_code == 403
    assert staff_client.post(f"/admin/mandates/mandate/{mandate.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Mandate.objects.filter(pk=mandate.pk).exists()
