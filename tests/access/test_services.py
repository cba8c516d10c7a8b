"""The services: what they write, what they refuse, and what they journal."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from access import selectors, services
from access.models import AuditEvent, Designation, Domain, EnterpriseBlock, Grant, Membership, OnlineService, Person
from tests import factories

pytestmark = pytest.mark.django_db


def actor(world, person):
    return selectors.Actor(
        person=person,
        enterprise=world.enterprise,
        standing=selectors.standing_of(person.pk, world.enterprise.pk),
        ip="192.0.2.10",
    )


def service(code):
    return OnlineService.objects.get(code=code)


def last_event():
    return AuditEvent.objects.order_by("-pk").first()


class TestCreateUser:
    def test_creates_membership_with_services_and_journals_it(self, world):
        newcomer = services.person_get_or_create(factories.niss(), given_name="Nina", surname="New")
        membership = services.membership_create(
            actor(world, world.group_manager),
            group=world.groups["employer"],
            person=newcomer,
            services=[service("dimona"), service("dmfa")],
        )
        assert membership.status == Membership.Status.ACTIVE
        assert set(
            selectors.current_grants().filter(membership=membership).values_list("service__code", flat=True)
        ) == {
            "dimona",
            "dmfa",
        }
        actions = list(AuditEvent.objects.filter(target_person=newcomer).values_list("action", flat=True))
        assert sorted(actions) == ["service_granted", "service_granted", "user_created"]
        event = AuditEvent.objects.get(target_person=newcomer, action="user_created")
        assert event.actor == world.group_manager
        assert event.group == world.groups["employer"]
        assert event.domain.code == "nsso_employer"
        assert event.ip_address == "192.0.2.10"
        assert event.after == {"status": "active", "services": ["dimona", "dmfa"]}

    def test_service_outside_the_group_is_refused_and_nothing_is_written(self, world):
        newcomer = factories.person()
        with pytest.raises(PermissionDenied):
            services.membership_create(
                actor(world, world.group_manager),
                group=world.groups["employer"],
                person=newcomer,
                services=[service("dimona"), service("biztax")],  # biztax: offered by taxpayer only
            )
        assert not Membership.objects.filter(person=newcomer).exists()
        assert not AuditEvent.objects.filter(target_person=newcomer).exists()

    def test_service_that_is_not_delegatable_is_refused_even_to_the_main_manager(self, world):
        with pytest.raises(PermissionDenied):
            services.membership_create(
                actor(world, world.main),
                group=world.groups["employer"],
                person=factories.person(),
                services=[service("ebox")],
            )

    def test_group_manager_cannot_add_to_another_group(self, world):
        with pytest.raises(PermissionDenied):
            services.membership_create(
                actor(world, world.group_manager), group=world.groups["taxpayer"], person=factories.person()
            )

    def test_existing_member_cannot_be_added_twice(self, world):
        with pytest.raises(services.ActionRefused):
            services.membership_create(
                actor(world, world.group_manager), group=world.groups["employer"], person=world.member
            )

    def test_unknown_person_needs_names(self, world):
        niss = factories.niss()
        with pytest.raises(ValidationError):
            services.person_get_or_create(niss)
        assert not Person.objects.filter(niss=niss).exists()

    def test_invalid_niss_creates_nothing(self, world):
        before = Person.objects.count()
        with pytest.raises(ValidationError):
            services.person_get_or_create("85.07.30-033.29", given_name="A", surname="B")
        assert Person.objects.count() == before

    def test_known_person_is_found_by_niss_in_any_format(self, world):
        formatted = world.member.niss_display
        assert services.person_get_or_create(formatted) == world.member


class TestGrants:
    def test_grant_and_revoke(self, world):
        gm = actor(world, world.group_manager)
        services.grant_create(gm, world.member_membership, service("dmfa"))
        assert last_event().action == "service_granted"
        services.grant_revoke(gm, world.member_membership, service("dmfa"))
        assert last_event().action == "service_revoked"
        assert last_event().before == {"service": "dmfa"}
        assert not selectors.current_grants().filter(membership=world.member_membership, service__code="dmfa").exists()

    def test_grant_twice_is_refused(self, world):
        with pytest.raises(services.ActionRefused):
            services.grant_create(actor(world, world.group_manager), world.member_membership, service("dimona"))

    def test_grant_beyond_the_ceiling_is_refused(self, world):
        with pytest.raises(PermissionDenied):
            services.grant_create(actor(world, world.main), world.member_membership, service("myminfin"))
        assert not Grant.objects.filter(membership=world.member_membership, service__code="myminfin").exists()


class TestBlockAndDelete:
    def test_block_requires_a_reason(self, world):
        with pytest.raises(services.ActionRefused):
            services.membership_block(actor(world, world.group_manager), world.member_membership, reason="  ")
        world.member_membership.refresh_from_db()
        assert world.member_membership.status == "active"

    def test_block_then_unblock_is_journaled_with_before_and_after(self, world):
        gm = actor(world, world.group_manager)
        services.membership_block(gm, world.member_membership, reason="Left the team")
        world.member_membership.refresh_from_db()
        assert world.member_membership.status == "blocked"
        event = last_event()
        assert (event.action, event.reason, event.before, event.after["status"]) == (
            "membership_blocked",
            "Left the team",
            {"status": "active"},
            "blocked",
        )
        with pytest.raises(services.ActionRefused):
            services.membership_block(gm, world.member_membership, reason="again")
        services.membership_unblock(gm, world.member_membership)
        world.member_membership.refresh_from_db()
        assert world.member_membership.status == "active"
        assert last_event().action == "membership_unblocked"

    def test_blocked_member_loses_effective_access(self, world):
        assert "dimona" in selectors.effective_services(world.member, world.enterprise)
        services.membership_block(actor(world, world.group_manager), world.member_membership, reason="r")
        assert "dimona" not in selectors.effective_services(world.member, world.enterprise)

    def test_delete_keeps_the_row_and_revokes_the_grants(self, world):
        services.membership_delete(actor(world, world.group_manager), world.member_membership, reason="Left")
        world.member_membership.refresh_from_db()
        assert world.member_membership.removed_at is not None
        assert not selectors.current_grants().filter(membership=world.member_membership).exists()
        assert last_event().before == {"status": "active", "services": ["dimona"]}
        assert selectors.effective_services(world.member, world.enterprise) == set()
        with pytest.raises(services.ActionRefused):
            services.membership_delete(actor(world, world.group_manager), world.member_membership, reason="again")

    def test_block_everywhere_covers_every_group_and_later_ones(self, world):
        services.person_block_everywhere(actor(world, world.main), world.member, reason="Fraud inquiry")
        assert selectors.effective_services(world.member, world.enterprise) == set()
        services.membership_create(actor(world, world.main), group=world.groups["taxpayer"], person=world.member)
        assert selectors.effective_services(world.member, world.enterprise) == set()
        services.person_unblock_everywhere(actor(world, world.main), world.member)
        assert "dimona" in selectors.effective_services(world.member, world.enterprise)
        assert [e.action for e in AuditEvent.objects.filter(target_person=world.member).order_by("pk")][-1] == (
            "enterprise_unblocked"
        )

    def test_group_manager_cannot_block_everywhere_a_person_of_other_groups(self, world):
        membership = factories.member(world.member, world.groups["taxpayer"])
        assert membership.pk
        with pytest.raises(PermissionDenied):
            services.person_block_everywhere(actor(world, world.group_manager), world.member, reason="r")
        assert not EnterpriseBlock.objects.exists()

    def test_nobody_acts_on_the_main_manager_or_themselves(self, world):
        main_membership = factories.member(world.main, world.groups["employer"])
        with pytest.raises(PermissionDenied):
            services.membership_block(actor(world, world.co_main), main_membership, reason="coup")
        gm_membership = factories.member(world.group_manager, world.groups["employer"])
        with pytest.raises(PermissionDenied):
            services.membership_delete(actor(world, world.group_manager), gm_membership, reason="self")

    def test_revoked_manager_can_no_longer_act(self, world):
        stale = actor(world, world.group_manager)  # a session opened before the revocation
        designation = Designation.objects.get(person=world.group_manager, revoked_at__isnull=True)
        services.designation_revoke(actor(world, world.main), designation)
        with pytest.raises(PermissionDenied):
            services.membership_block(stale, world.member_membership, reason="too late")


class TestDesignations:
    def test_co_main_designates_and_revokes_an_access_manager(self, world, four_eyes_off):
        finance = Domain.objects.get(code="finance")
        services.designation_revoke(actor(world, world.co_main), Designation.objects.get(person=world.finance_manager))
        newcomer = factories.person()
        designation = services.designation_create(
            actor(world, world.co_main), kind="access_manager", person=newcomer, domain=finance
        )
        assert selectors.standing_of(newcomer.pk, world.enterprise.pk).managed_domains == {finance.pk}
        assert last_event().after == {
            "kind": "access_manager",
            "person": newcomer.full_name,
            "domain": "finance",
            "group": None,
        }
        services.designation_revoke(actor(world, world.co_main), designation, reason="Reorganised")
        assert last_event().action == "designation_revoked"
        assert selectors.standing_of(newcomer.pk, world.enterprise.pk).managed_domains == frozenset()

    def test_second_group_manager_for_a_group_is_refused(self, world):
        with pytest.raises(services.ActionRefused):
            services.designation_create(
                actor(world, world.access_manager),
                kind="group_manager",
                person=factories.person(),
                group=world.groups["employer"],
            )

    def test_access_manager_cannot_designate_outside_their_domain(self, world):
        with pytest.raises(PermissionDenied):
            services.designation_create(
                actor(world, world.access_manager),
                kind="group_manager",
                person=factories.person(),
                group=world.groups["taxpayer"],
            )

    def test_only_the_main_manager_designates_co_mains(self, world):
        with pytest.raises(PermissionDenied):
            services.designation_create(actor(world, world.co_main), kind="co_main", person=factories.person())
        services.designation_create(actor(world, world.main), kind="co_main", person=factories.person())

    def test_legal_representative_replaces_the_main_manager(self, world):
        successor = factories.person()
        services.designation_create(actor(world, world.legal_representative), kind="main", person=successor)
        assert selectors.standing_of(successor.pk, world.enterprise.pk).main
        assert not selectors.standing_of(world.main.pk, world.enterprise.pk).main

    def test_the_main_manager_cannot_be_revoked(self, world):
        with pytest.raises(PermissionDenied):
            services.designation_revoke(
                actor(world, world.legal_representative), Designation.objects.get(person=world.main)
            )

    def test_self_designation_is_refused(self, world):
        with pytest.raises(PermissionDenied):
            services.designation_create(
                actor(world, world.access_manager),
                kind="group_manager",
                person=world.access_manager,
                group=world.groups["pension_fund"],
            )


class TestDatabaseConstraints:
    """The model's invariants hold even when the services are bypassed."""

    def test_one_current_main_per_enterprise(self, world):
        with pytest.raises(IntegrityError), transaction.atomic():
            factories.designate(world.enterprise, factories.person(), "main")

    def test_one_group_manager_per_group(self, world):
        with pytest.raises(IntegrityError), transaction.atomic():
            factories.designate(world.enterprise, factories.person(), "group_manager", group=world.groups["employer"])

    def test_one_access_manager_per_domain(self, world):
        with pytest.raises(IntegrityError), transaction.atomic():
            factories.designate(
                world.enterprise, factories.person(), "access_manager", domain=Domain.objects.get(code="finance")
            )

    def test_group_manager_needs_a_group(self, world):
        with pytest.raises(IntegrityError), transaction.atomic():
            factories.designate(world.enterprise, factories.person(), "group_manager")

    def test_one_current_membership_per_group(self, world):
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(person=world.member, group=world.groups["employer"])

    def test_blocked_membership_needs_a_reason(self, world):
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.filter(pk=world.member_membership.pk).update(status="blocked")

    def test_niss_is_unique(self, world):
        with pytest.raises(IntegrityError), transaction.atomic():
            Person.objects.create(niss=world.member.niss, given_name="Dup", surname="Licate")

    def test_the_journal_refuses_changes(self, world):
        services.membership_block(actor(world, world.group_manager), world.member_membership, reason="r")
        event = last_event()
        with pytest.raises(TypeError):
            event.save()
        with pytest.raises(TypeError):
            AuditEvent.objects.all().delete()


@pytest.mark.django_db(transaction=True)
class TestConcurrency:
    """Real threads on PostgreSQL: one wins, the other gets a readable refusal."""

    def race(self, *calls):
        barrier = threading.Barrier(len(calls))
        outcomes = [None] * len(calls)

        def run(index, call):
            translation.activate("en")
            try:
                barrier.wait()
                call()
                outcomes[index] = "ok"
            except (services.ActionRefused, PermissionDenied) as exc:
                outcomes[index] = str(getattr(exc, "message", exc))
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        return outcomes

    def test_two_designations_of_the_same_group_manager(self, world):
        services.designation_revoke(actor(world, world.main), Designation.objects.get(person=world.group_manager))
        first, second = factories.person(), factories.person()
        am = actor(world, world.access_manager)
        group = world.groups["employer"]
        outcomes = self.race(
            lambda: services.designation_create(am, kind="group_manager", person=first, group=group),
            lambda: services.designation_create(am, kind="group_manager", person=second, group=group),
        )
        assert sorted(outcomes, key=lambda o: o != "ok")[0] == "ok"
        assert outcomes.count("ok") == 1
        assert "already has a Group Manager" in [o for o in outcomes if o != "ok"][0]
        assert Designation.objects.filter(group=group, revoked_at__isnull=True).count() == 1

    def test_block_and_delete_at_once(self, world):
        gm, membership = actor(world, world.group_manager), world.member_membership
        outcomes = self.race(
            lambda: services.membership_block(gm, membership, reason="block"),
            lambda: services.membership_delete(gm, membership, reason="delete"),
        )
        membership.refresh_from_db()
        assert membership.removed_at is not None
        assert outcomes.count("ok") in (1, 2)  # block then delete both succeed; delete then block is refused
        if outcomes.count("ok") == 1:
            assert "no longer a user" in [o for o in outcomes if o != "ok"][0]

    def test_double_submit_adds_the_user_once(self, world):
        newcomer = factories.person()
        gm = actor(world, world.group_manager)
        group = world.groups["employer"]
        outcomes = self.race(
            lambda: services.membership_create(gm, group=group, person=newcomer, services=[service("dimona")]),
            lambda: services.membership_create(gm, group=group, person=newcomer, services=[service("dimona")]),
        )
        assert outcomes.count("ok") == 1
        assert Membership.objects.filter(person=newcomer).count() == 1
        assert AuditEvent.objects.filter(target_person=newcomer, action="user_created").count() == 1

    def test_revocation_racing_a_grant_by_the_revoked_manager(self, world):
        gm = actor(world, world.group_manager)
        designation = Designation.objects.get(person=world.group_manager)
        main = actor(world, world.main)
        outcomes = self.race(
            lambda: services.designation_revoke(main, designation),
            lambda: services.grant_create(gm, world.member_membership, service("dmfa")),
        )
        assert outcomes[0] == "ok"
        granted = Grant.objects.filter(membership=world.member_membership, service__code="dmfa").exists()
        # Either the grant came first (and was allowed), or it was refused after the revocation.
        assert granted == (outcomes[1] == "ok")


class TestEffectiveAccess:
    def test_grants_and_automatic_rights_per_standing(self, world):
        assert selectors.effective_services(world.member, world.enterprise) == {"dimona", "ebox", "contactdata"}
        assert selectors.effective_services(world.group_manager, world.enterprise) == {"chaman", "ebox", "contactdata"}
        assert selectors.effective_services(world.outsider, world.enterprise) == set()
        assert selectors.effective_services(world.member, world.other_enterprise) == set()

    def test_nothing_while_the_enterprise_is_not_active(self, world):
        world.enterprise.status = "pending"
        world.enterprise.save(update_fields=["status"])
        assert selectors.effective_services(world.member, world.enterprise) == set()

    def test_a_grant_of_a_service_the_group_no_longer_offers_gives_nothing(self, world):
        world.groups["employer"].role_type.services.remove(service("dimona"))
        assert "dimona" not in selectors.effective_services(world.member, world.enterprise)
