"""A person's own access (docs/design.md §5.12): the page that says what they hold, who gave it and
until when, and the two changes they make themselves, journaled for their managers."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from access import selectors, services
from access.models import (
    AuditEvent,
    Designation,
    EnterpriseBlock,
    Grant,
    Membership,
    Notice,
    OnlineService,
    Person,
    ServiceUse,
)
from tests import factories
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


def actor(world, person):
    return selectors.Actor(
        person=person,
        enterprise=world.enterprise,
        standing=selectors.standing_of(person.pk, world.enterprise.pk),
        ip="192.0.2.20",
    )


def my_access(world, enterprise=None) -> str:
    return reverse("access:my_access", args=[(enterprise or world.enterprise).pk])


def dimona_of(membership: Membership) -> Grant:
    return selectors.current_grants().get(membership=membership, service__code="dimona")


def give_up_url(world, grant: Grant) -> str:
    return reverse("access:my_grant_renounce", args=[world.enterprise.pk, grant.pk])


def leave_url(world, membership: Membership) -> str:
    return reverse("access:my_group_leave", args=[world.enterprise.pk, membership.pk])


def text(response) -> str:
    """The page as read: tags dropped, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def journal_text(client, world) -> str:
    return text(client.get(reverse("access:journal", args=[world.enterprise.pk])))


@pytest.fixture
def granted_by_the_group_manager(world):
    """The member's Dimona, granted by their Group Manager until a date, and used once."""
    gm = actor(world, world.group_manager)
    services.grant_revoke(gm, world.member_membership, OnlineService.objects.get(code="dimona"))
    grant = services.grant_create(gm, world.member_membership, OnlineService.objects.get(code="dimona"))
    Grant.objects.filter(pk=grant.pk).update(valid_until=date(2031, 3, 31))
    ServiceUse.objects.create(
        person=world.member,
        enterprise=world.enterprise,
        service=grant.service,
        last_used_at=timezone.make_aware(timezone.datetime(2030, 5, 6, 10, 0)),
    )
    return grant


# --- The page --------------------------------------------------------------------------------------


class TestThePage:
    def test_a_user_reads_their_group_their_service_who_granted_it_until_when_and_its_last_use(
        self, world, login, granted_by_the_group_manager
    ):
        page = text(login(world.member).get(my_access(world)))
        assert "My access" in page
        assert "Employer" in page
        assert "Dimona (immediate declaration of employment) Greta Group" in page
        assert "March 31, 2031" in page
        assert "May 6, 2030" in page
        # What a user has without a grant, and why there is nothing to give up.
        assert "ContactData User" in page
        assert "e-Box Enterprise User" in page
        assert "There is nothing to give up." in page

    def test_each_grant_and_membership_offers_its_own_change(self, world, login):
        page = login(world.member).get(my_access(world)).content.decode()
        assert f'href="{give_up_url(world, dimona_of(world.member_membership))}"' in page
        assert f'href="{leave_url(world, world.member_membership)}"' in page
        assert 'aria-label="Give up Dimona (immediate declaration of employment)"' in page
        assert ">Leave the group Employer</a>" in page

    def test_a_grant_without_its_granter_and_without_an_end_says_so(self, world, login):
        page = text(login(world.member).get(my_access(world)))
        assert "Not recorded" in page  # the test data has no granter
        assert "No end date" in page
        assert "No use recorded" in page

    def test_a_manager_reads_their_designation_and_what_comes_with_it(self, world, login):
        Designation.objects.filter(person=world.group_manager).update(
            designated_by=world.access_manager, valid_from=timezone.make_aware(timezone.datetime(2025, 2, 1))
        )
        page = text(login(world.group_manager).get(my_access(world)))
        assert "Group Manager Employer Feb. 1, 2025 No end date Arno Access" in page
        assert "Chaman – management of technical channels Group Manager" in page
        assert "You are not a user of any group of this enterprise." in page
        assert "revoked by whoever designated you" in page

    def test_a_legal_representative_reads_their_representation(self, world, login):
        page = text(login(world.legal_representative).get(my_access(world)))
        assert "Legal representative Whole enterprise" in page
        assert "The register of enterprises" in page

    def test_a_block_for_the_group_shows_with_its_end_and_the_reason_only_when_told(self, world, login):
        main = actor(world, world.main)
        services.membership_block(main, world.member_membership, reason="Badge lent", until=date(2031, 1, 15))
        page = text(login(world.member).get(my_access(world)))
        assert "You are blocked for this group." in page
        assert "until Jan. 15, 2031" in page
        assert "Badge lent" not in page
        assert "kept the reason in the journal" in page
        assert "Give up" not in page and "Leave the group" not in page

        services.membership_unblock(main, world.member_membership)
        services.membership_block(main, world.member_membership, reason="Badge lent again", share_reason=True)
        page = text(login(world.member).get(my_access(world)))
        assert "Reason: Badge lent again" in page
        assert "until a manager unblocks you" in page

    def test_a_person_blocked_for_all_groups_reads_the_block_and_nothing_leads_elsewhere(self, world, login):
        services.person_block_everywhere(
            actor(world, world.main), world.member, reason="Inquiry", until=date(2031, 2, 1), share_reason=True
        )
        client = login(world.member)
        assert client.get(reverse("access:dashboard", args=[world.enterprise.pk])).status_code == 403
        response = client.get(my_access(world))
        assert response.status_code == 200
        page = text(response)
        assert "You are blocked for all groups" in page
        assert "until Feb. 1, 2031" in page
        assert "Reason: Inquiry" in page
        assert "Dimona (immediate declaration of employment)" in page  # held, and held back
        assert "Give up" not in page and "Leave the group" not in page
        assert 'aria-label="Enterprise menu"' not in response.content.decode()

    def test_someone_without_standing_gets_the_same_clear_page_for_any_enterprise(self, world, login):
        client = login(world.outsider)
        acme = client.get(my_access(world))
        missing = client.get(reverse("access:my_access", args=[99_999_999]))
        assert acme.status_code == missing.status_code == 200
        assert "You have no access in this enterprise" in text(acme)
        assert "Acme" not in acme.content.decode()

        def normalised(response) -> str:
            page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
            return page.replace(response.request["PATH_INFO"], "{path}")

        assert normalised(acme) == normalised(missing)

    def test_the_account_menu_and_the_home_of_the_enterprise_lead_to_it(self, world, login):
        client = login(world.member)
        dashboard = client.get(reverse("access:dashboard", args=[world.enterprise.pk])).content.decode()
        footer = dashboard.split('<footer class="site-footer">', 1)[1]
        assert f'href="{my_access(world)}">My access</a>' in footer
        main = dashboard.split("<main", 1)[1].split("</main>", 1)[0]
        assert f'href="{my_access(world)}"' in main
        home = client.get("/").content.decode().split('<footer class="site-footer">', 1)[1]
        assert 'href="/my-access/">My access</a>' in home

    def test_the_account_menu_outside_an_enterprise_leads_to_the_one_or_lists_them(self, world, login):
        response = login(world.member).get("/my-access/")
        assert response.status_code == 302 and response["Location"] == my_access(world)
        factories.designate(world.other_enterprise, world.member, "co_main")
        listing = text(login(world.member).get("/my-access/"))
        assert "Acme" in listing and "Other" in listing
        assert "You have no access in any enterprise" in text(login(world.outsider).get("/my-access/"))


# --- Giving up a service ----------------------------------------------------------------------------


class TestGivingUpAService:
    def test_a_confirmation_first_then_the_grant_is_revoked_by_the_person_and_journaled(self, world, login):
        client = login(world.member)
        grant = dimona_of(world.member_membership)
        confirmation = client.get(give_up_url(world, grant))
        assert confirmation.status_code == 200
        assert "Only a manager can grant it to you again." in text(confirmation)

        unticked = client.post(give_up_url(world, grant), {"reason": "I left the payroll team"})
        assert unticked.status_code == 200
        assert "Tick the box if you want to give up this online service." in text(unticked)
        assert selectors.current_grants().filter(pk=grant.pk).exists()

        done = client.post(give_up_url(world, grant), {"understood": "on", "reason": "I left the payroll team"})
        assert done.status_code == 302 and done["Location"] == my_access(world)
        grant.refresh_from_db()
        assert grant.revoked_by == world.member and grant.revoked_at is not None
        event = AuditEvent.objects.get(action="service_renounced")
        assert (event.actor, event.target_person, event.group) == (world.member, world.member, world.groups["employer"])
        assert event.before == {"service": "dimona"}
        assert event.reason == "I left the payroll team"
        page = text(client.get(my_access(world)))
        assert "You have given up Dimona (immediate declaration of employment)." in page
        assert "No online service is granted to you in this group." in page
        # Nobody is told by e-mail: the person did it, and the notices are about one's own access.
        assert not Notice.objects.exists()

    @pytest.mark.parametrize("manager", ["group_manager", "access_manager", "main", "co_main"])
    def test_the_managers_of_the_group_read_it_in_the_journal(self, world, login, manager):
        services.grant_renounce(actor(world, world.member), dimona_of(world.member_membership), reason="Not needed")
        journal = journal_text(login(getattr(world, manager)), world)
        assert (
            "online service given up by the user – Dimona (immediate declaration of employment) "
            "Mats Member Mats Member Employer" in journal
        )
        assert "Not needed" in journal

    def test_a_manager_of_another_domain_does_not(self, world, login):
        services.grant_renounce(actor(world, world.member), dimona_of(world.member_membership))
        assert "given up by the user – Dimona" not in journal_text(login(world.finance_manager), world)

    def test_another_persons_grant_is_not_found_and_the_service_refuses_it(self, world, login):
        theirs = selectors.current_grants().get(membership=world.pension_membership)
        assert login(world.member).post(give_up_url(world, theirs), {"understood": "on"}).status_code == 404
        with pytest.raises(PermissionDenied):
            services.grant_renounce(actor(world, world.member), theirs)
        assert selectors.current_grants().filter(pk=theirs.pk).exists()
        assert not AuditEvent.objects.exists()

    def test_a_manager_cannot_give_up_a_users_grant_for_them(self, world, login):
        grant = dimona_of(world.member_membership)
        assert login(world.group_manager).get(give_up_url(world, grant)).status_code == 404
        with pytest.raises(PermissionDenied):
            services.grant_renounce(actor(world, world.group_manager), grant)

    def test_not_while_blocked_for_the_group(self, world, login):
        grant = dimona_of(world.member_membership)
        services.membership_block(actor(world, world.main), world.member_membership, reason="Inquiry")
        refused = login(world.member).post(give_up_url(world, grant), {"understood": "on"})
        assert refused.status_code == 403
        assert "You are blocked for this group" in text(refused)
        assert selectors.current_grants().filter(pk=grant.pk).exists()

    def test_a_grant_given_up_meanwhile_is_refused_with_a_reason(self, world):
        grant = dimona_of(world.member_membership)
        me = actor(world, world.member)
        services.grant_renounce(me, grant)
        with pytest.raises(services.ActionRefused):
            services.grant_renounce(me, grant)


# --- Leaving a group --------------------------------------------------------------------------------


class TestLeavingAGroup:
    def test_the_membership_and_its_grants_end_by_the_person_and_the_journal_says_so(self, world, login):
        Membership.objects.create(person=world.member, group=world.groups["taxpayer"])
        client = login(world.member)
        assert client.post(leave_url(world, world.member_membership), {}).status_code == 200  # not ticked
        response = client.post(leave_url(world, world.member_membership), {"understood": "on"})
        assert response.status_code == 302 and response["Location"] == my_access(world)
        world.member_membership.refresh_from_db()
        assert world.member_membership.removed_by == world.member
        assert not selectors.current_grants().filter(membership=world.member_membership).exists()
        event = AuditEvent.objects.get(action="group_left")
        assert (event.actor, event.target_person, event.group) == (world.member, world.member, world.groups["employer"])
        assert event.before == {"status": "active", "services": ["dimona"]}
        page = text(client.get(my_access(world)))
        assert "You have left Employer." in page
        assert "Corporate taxpayer" in page
        assert "Leave the group Employer" not in page
        assert "left the group" in journal_text(login(world.group_manager), world)

    def test_leaving_the_last_group_leads_home_and_keeps_the_session(self, world, login):
        client = login(world.member)
        response = client.post(leave_url(world, world.member_membership), {"understood": "on"}, follow=True)
        assert response.redirect_chain[-1][0] == "/"
        assert "You have left Employer, your last group of this enterprise." in text(response)
        assert client.get("/").context["user"].is_authenticated
        assert "You have no access in this enterprise" in text(client.get(my_access(world)))

    def test_another_persons_membership_is_not_found(self, world, login):
        assert login(world.member).get(leave_url(world, world.pension_membership)).status_code == 404
        with pytest.raises(PermissionDenied):
            services.membership_leave(actor(world, world.group_manager), world.member_membership)
        assert Membership.objects.filter(removed_at__isnull=False).count() == 0

    def test_a_group_manager_keeps_their_designation_when_they_leave_as_a_user(self, world, login):
        Membership.objects.create(person=world.group_manager, group=world.groups["employer"])
        membership = Membership.objects.get(person=world.group_manager)
        login(world.group_manager).post(leave_url(world, membership), {"understood": "on"})
        assert selectors.current_designations().filter(person=world.group_manager).exists()

    def test_not_while_blocked_for_all_groups(self, world, login):
        services.person_block_everywhere(actor(world, world.main), world.member, reason="Inquiry")
        response = login(world.member).get(leave_url(world, world.member_membership))
        assert response.status_code == 403
        assert "You are blocked for all groups of this enterprise." in text(response)


# --- Queries --------------------------------------------------------------------------------------


class TestQueries:
    def grow(self, world, person: Person, count: int) -> None:
        """More of everything the page reads: the person's own history (grants given and taken
        back, uses, blocks lifted, designations ended) and many other people."""
        employer = world.groups["employer"]
        services_ = list(OnlineService.objects.all())
        people = Person.objects.bulk_create(
            Person(niss=factories.niss(), given_name="Bulk", surname=f"Grow{i:05d}") for i in range(count)
        )
        others = Membership.objects.bulk_create(Membership(person=p, group=employer) for p in people)
        Grant.objects.bulk_create(Grant(membership=m, service=services_[0]) for m in others)
        mine = Membership.objects.filter(person=person, removed_at__isnull=True).first()
        if mine is not None:
            yesterday = timezone.now() - timedelta(days=1)
            Grant.objects.bulk_create(
                Grant(membership=mine, service=services_[i % len(services_)], revoked_at=yesterday)
                for i in range(count)
            )
        AuditEvent.objects.bulk_create(
            AuditEvent(enterprise=world.enterprise, actor=world.main, action="membership_blocked", target_person=person)
            for _ in range(count)
        )
        EnterpriseBlock.objects.bulk_create(
            EnterpriseBlock(
                person=person, enterprise=world.enterprise, reason="Old", lifted_at=timezone.now(), lifted_by=world.main
            )
            for _ in range(count // 10)
        )
        Designation.objects.bulk_create(
            Designation(enterprise=world.enterprise, person=person, kind="co_main", revoked_at=timezone.now())
            for _ in range(count // 10)
        )
        for service in services_:
            ServiceUse.objects.get_or_create(
                person=person, enterprise=world.enterprise, service=service, defaults={"last_used_at": timezone.now()}
            )

    @pytest.mark.parametrize("persona", ["member", "group_manager", "main", "legal_representative"])
    def test_the_page_takes_the_same_queries_from_10_to_500(self, world, login, persona):
        person = getattr(world, persona)
        client = login(person)
        self.grow(world, person, 10)
        small = queries_of(client, my_access(world))
        self.grow(world, person, 490)
        assert queries_of(client, my_access(world)) == small

    def test_blocked_for_all_groups_the_same_too(self, world, login):
        EnterpriseBlock.objects.create(person=world.member, enterprise=world.enterprise, reason="Now")
        client = login(world.member)
        self.grow(world, world.member, 10)
        small = queries_of(client, my_access(world))
        self.grow(world, world.member, 490)
        assert queries_of(client, my_access(world)) == small
