"""Every page per persona: status codes, what is listed, and what tampering changes (nothing)."""

import re

import pytest
from django.urls import reverse

from access.models import AuditEvent, Grant, Membership, OnlineService, Person
from tests import factories, leaks
from tests.queries import queries_of

pytestmark = pytest.mark.django_db

PERSONAS = [
    "legal_representative",
    "main",
    "co_main",
    "access_manager",
    "finance_manager",
    "group_manager",
    "member",
    "outsider",
    "other_enterprise_manager",
]

# Page -> the status each persona gets, in the order of PERSONAS. The page is about the
# employer group (domain nsso_employer) and its user `member`, in enterprise Acme.
#                   LR   MAM  coM  AM   finAM GM  user out  other
EXPECTED = {
    "dashboard": [200, 200, 200, 200, 200, 200, 200, 404, 404],
    "group_detail": [403, 200, 200, 200, 403, 200, 403, 404, 404],
    "user_add": [403, 200, 200, 200, 403, 200, 403, 404, 404],
    "user_list": [403, 200, 200, 200, 200, 200, 403, 404, 404],
    "user_detail": [403, 200, 200, 200, 404, 200, 403, 404, 404],
    "person_block": [403, 200, 200, 200, 404, 200, 403, 404, 404],
    "membership_edit": [404, 200, 200, 200, 404, 200, 404, 404, 404],
    "membership_block": [404, 200, 200, 200, 404, 200, 404, 404, 404],
    "membership_delete": [404, 200, 200, 200, 404, 200, 404, 404, 404],
    "manager_list": [200, 200, 200, 200, 200, 403, 403, 404, 404],
    "journal": [200, 200, 200, 200, 200, 200, 200, 404, 404],
}


def url(world, name):
    e = world.enterprise.pk
    group = world.groups["employer"].pk
    membership = world.member_membership.pk
    args = {
        "dashboard": [e],
        "group_detail": [e, group],
        "user_add": [e, group],
        "user_list": [e],
        "user_detail": [e, world.member.pk],
        "person_block": [e, world.member.pk],
        "membership_edit": [e, membership],
        "membership_block": [e, membership],
        "membership_delete": [e, membership],
        "manager_list": [e],
        "journal": [e],
    }[name]
    return reverse(f"access:{name}", args=args)


@pytest.mark.parametrize("page", EXPECTED)
@pytest.mark.parametrize("persona", PERSONAS)
def test_page_status_per_persona(world, login, page, persona):
    response = login(getattr(world, persona)).get(url(world, page))
    assert response.status_code == EXPECTED[page][PERSONAS.index(persona)]


def test_forbidden_page_explains_why(world, login):
    response = login(world.member).get(url(world, "user_list"))
    assert response.status_code == 403
    assert "You do not manage users in this enterprise." in response.content.decode()


def test_anonymous_is_sent_to_the_login(client, world):
    response = client.get(url(world, "dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_missing_enterprise_is_the_same_404_as_another_enterprise(world, login):
    client = login(world.outsider)
    assert client.get(reverse("access:dashboard", args=[999999])).status_code == 404
    assert client.get(url(world, "dashboard")).status_code == 404


@pytest.mark.parametrize("path", ["", "users/", "journal/", "contact-data/", "ebox/", "chaman/"])
def test_an_outsider_is_told_they_have_no_standing_in_the_enterprise(world, login, path):
    """Whether the enterprise exists or not (the same page for both: nothing says which)."""
    client = login(world.outsider)
    pages = [
        client.get(f"/e/{world.enterprise.pk}/{path}"),
        client.get(f"/e/999999/{path}"),
        login(world.other_enterprise_manager).get(f"/e/{world.enterprise.pk}/{path}"),
    ]
    for response in pages:
        assert response.status_code == 404
        html = response.content.decode()
        assert "<h1>You have no standing in this enterprise</h1>" in html
        assert "Page not found" not in html and "You may not do this" not in html

    def without_address_or_token(html: str) -> str:
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        return html.replace(f"/e/{world.enterprise.pk}/", "/e/…/").replace("/e/999999/", "/e/…/")

    assert len({without_address_or_token(response.content.decode()) for response in pages[:2]}) == 1


def test_a_missing_page_inside_an_enterprise_is_still_not_found(world, login):
    response = login(world.group_manager).get(f"/e/{world.enterprise.pk}/users/{world.tax_member.pk}/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_home_lists_the_enterprises_one_acts_for(world, login):
    page = login(world.main).get("/").content.decode()
    assert "Acme" in page
    assert "Other" not in page


def test_one_click_on_a_group_of_the_home_page_lists_its_users(world, login):
    client = login(world.group_manager)
    home = client.get("/").content.decode()
    employer = reverse("access:group_detail", args=[world.enterprise.pk, world.groups["employer"].pk])
    assert f'<a href="{employer}">Employer</a>' in home
    assert reverse("access:group_detail", args=[world.enterprise.pk, world.groups["taxpayer"].pk]) not in home
    assert world.member.full_name in client.get(employer).content.decode()


def test_the_home_page_links_the_groups_each_manager_manages_in_each_enterprise(world, login):
    factories.designate(world.other_enterprise, world.main, "co_main")
    home = login(world.main).get("/").content.decode()
    for enterprise, groups in ((world.enterprise, world.groups), (world.other_enterprise, world.other_groups)):
        for group in groups.values():
            assert reverse("access:group_detail", args=[enterprise.pk, group.pk]) in home
    member_home = login(world.member).get("/").content.decode()
    assert "/groups/" not in member_home  # a user manages no group


def test_the_home_page_reads_the_groups_of_every_enterprise_in_one_query(world, login):
    """The standings, e-Box counts and groups of all the enterprises are read together: three more
    enterprises cost no query (tests/access/test_enterprise_choice.py: 3 and 300)."""
    client = login(world.main)
    one = queries_of(client, "/")
    for _ in range(3):
        enterprise, _groups = factories.enterprise("More")
        factories.designate(enterprise, world.main, "co_main")
    assert queries_of(client, "/") == one


class TestScope:
    def test_group_manager_sees_only_their_group(self, world, login):
        client = login(world.group_manager)
        users = client.get(url(world, "user_list")).content.decode()
        assert world.member.full_name in users
        assert world.tax_member.full_name not in users
        assert world.pension_member.full_name not in users
        dashboard = client.get(url(world, "dashboard")).content.decode()
        assert world.groups["employer"].name in dashboard
        assert world.groups["taxpayer"].name not in dashboard

    def test_access_manager_sees_their_domain_only(self, world, login):
        users = login(world.access_manager).get(url(world, "user_list")).content.decode()
        assert world.member.full_name in users
        assert world.pension_member.full_name in users
        assert world.tax_member.full_name not in users

    def test_the_users_page_counts_each_person_in_scope_once(self, world, login):
        # Acme's users: member (employer), pension_member, tax_member. One more person in two
        # groups counts once; a person removed from their group does not count.
        twice = factories.person()
        factories.member(twice, world.groups["employer"])
        factories.member(twice, world.groups["pension_fund"])
        factories.member(factories.person(), world.groups["taxpayer"])
        gone = factories.member(factories.person(), world.groups["employer"])
        Membership.objects.filter(pk=gone.pk).update(removed_at=gone.created_at)

        def heading(persona, **search):
            page = login(getattr(world, persona)).get(url(world, "user_list"), search).content.decode()
            return page.split("<h2>")[1].split("</h2>")[0]

        assert heading("main") == "5 people"
        assert heading("access_manager") == "3 people"  # the nsso_employer domain: employer and pension fund
        assert heading("group_manager") == "2 people"
        assert heading("main", q="Taxman") == "1 person"

    def test_search_by_niss_finds_nothing_out_of_scope(self, world, login):
        client = login(world.group_manager)
        found = client.post(url(world, "user_list"), {"q": world.member.niss_display})
        assert found.status_code == 200  # answered in place: the number is never put in a URL
        assert world.member.full_name in found.content.decode()
        hidden = client.post(url(world, "user_list"), {"q": world.tax_member.niss}).content.decode()
        assert world.tax_member.full_name not in hidden
        other = client.post(url(world, "group_detail"), {"q": world.other_member.surname}, follow=True)
        assert other.redirect_chain[0][0].endswith(f"?q={world.other_member.surname}")
        assert world.other_member.full_name not in other.content.decode()

    def test_a_number_in_the_address_is_ignored(self, world, login):
        page = login(world.group_manager).get(url(world, "user_list"), {"q": world.member.niss}).content.decode()
        assert world.member.niss not in page
        # This test typed the number into the address itself: that URL is not a leak of the portal's.
        leaks.SEEN[:] = [(where, text) for where, text in leaks.SEEN if world.member.niss not in text]

    def test_search_by_name(self, world, login):
        page = login(world.main).post(url(world, "user_list"), {"q": "taxm"}, follow=True).content.decode()
        assert world.tax_member.full_name in page
        assert world.member.full_name not in page

    def test_niss_is_masked_in_lists_and_whole_on_the_person_page(self, world, login):
        client = login(world.group_manager)
        listing = client.get(url(world, "group_detail")).content.decode()
        assert world.member.niss_masked in listing
        assert world.member.niss_display not in listing
        assert world.member.niss_display in client.get(url(world, "user_detail")).content.decode()

    def test_other_groups_and_enterprises_by_url(self, world, login):
        client = login(world.group_manager)
        e = world.enterprise.pk
        assert client.get(reverse("access:membership_edit", args=[e, world.tax_membership.pk])).status_code == 404
        assert client.get(reverse("access:group_detail", args=[e, world.groups["taxpayer"].pk])).status_code == 403
        assert client.get(reverse("access:user_detail", args=[e, world.tax_member.pk])).status_code == 404
        assert client.get(reverse("access:membership_edit", args=[e, world.other_membership.pk])).status_code == 404
        other_group = world.other_groups["employer"].pk
        assert client.get(reverse("access:group_detail", args=[e, other_group])).status_code == 404

    def test_posts_out_of_scope_change_nothing(self, world, login):
        client = login(world.group_manager)
        e = world.enterprise.pk
        events = AuditEvent.objects.count()
        for membership in (world.tax_membership, world.other_membership):
            assert (
                client.post(reverse("access:membership_block", args=[e, membership.pk]), {"reason": "x"}).status_code
                == 404
            )
            assert (
                client.post(reverse("access:membership_delete", args=[e, membership.pk]), {"reason": "x"}).status_code
                == 404
            )
        assert (
            client.post(reverse("access:person_block", args=[e, world.tax_member.pk]), {"reason": "x"}).status_code
            == 404
        )
        assert not Membership.objects.filter(status="blocked").exists()
        assert not Membership.objects.filter(removed_at__isnull=False).exists()
        assert AuditEvent.objects.count() == events


class TestForms:
    def add(self, client, world, **data):
        return client.post(url(world, "user_add"), {"confirm": "on", "given_name": "Nora", "surname": "New", **data})

    def test_add_user_with_services(self, world, login):
        niss = factories.niss()
        services = OnlineService.objects.filter(code__in=["dimona", "dmfa"])
        response = self.add(login(world.group_manager), world, niss=niss, services=[s.pk for s in services])
        membership = Membership.objects.get(person__niss=niss)
        assert response.status_code == 302
        assert response["Location"] == reverse("access:membership_edit", args=[world.enterprise.pk, membership.pk])
        assert set(Grant.objects.filter(membership=membership).values_list("service__code", flat=True)) == {
            "dimona",
            "dmfa",
        }

    def test_invalid_niss_gets_a_field_error_and_creates_nothing(self, world, login):
        people = Person.objects.count()
        response = self.add(login(world.group_manager), world, niss="85.07.30-033.29")
        assert response.status_code == 200
        assert "its check digits do not match" in response.content.decode()
        assert 'aria-invalid="true"' in response.content.decode()
        assert Person.objects.count() == people

    def test_service_beyond_the_ceiling_is_not_offered_and_is_refused(self, world, login):
        client = login(world.group_manager)
        # The services are offered once the number is given (the second step of adding a user).
        form = client.post(url(world, "user_add"), {"step": "number", "niss": factories.niss()}).content.decode()
        assert "Dimona" in form
        assert "Biztax" not in form
        ebox = OnlineService.objects.get(code="ebox")
        assert f'name="services" value="{ebox.pk}"' not in form
        biztax = OnlineService.objects.get(code="biztax")
        niss = factories.niss()
        response = self.add(client, world, niss=niss, services=[biztax.pk])
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert not Person.objects.filter(niss=niss).exists()

    def test_confirmation_is_required(self, world, login):
        niss = factories.niss()
        response = login(world.group_manager).post(
            url(world, "user_add"), {"niss": niss, "given_name": "A", "surname": "B"}
        )
        assert "Confirm that this person is a staff member" in response.content.decode()
        assert not Person.objects.filter(niss=niss).exists()

    def test_block_without_reason_changes_nothing(self, world, login):
        response = login(world.group_manager).post(url(world, "membership_block"), {"reason": "   "})
        assert response.status_code == 200
        world.member_membership.refresh_from_db()
        assert world.member_membership.status == "active"

    def test_block_unblock_delete_through_the_pages(self, world, login):
        client = login(world.group_manager)
        e, m = world.enterprise.pk, world.member_membership.pk
        client.post(url(world, "membership_block"), {"reason": "On leave"})
        assert Membership.objects.get(pk=m).status == "blocked"
        client.post(reverse("access:membership_unblock", args=[e, m]))
        assert Membership.objects.get(pk=m).status == "active"
        response = client.post(url(world, "membership_delete"), {"reason": "Left"})
        assert response["Location"] == url(world, "group_detail")
        assert Membership.objects.get(pk=m).removed_at is not None
        assert client.get(url(world, "membership_edit")).status_code == 404

    def test_designate_with_a_tampered_group_is_refused(self, world, login):
        client = login(world.access_manager)
        niss = factories.niss()
        response = client.post(
            url(world, "manager_list"),
            {
                "kind": "group_manager",
                "group": world.groups["taxpayer"].pk,
                "niss": niss,
                "given_name": "A",
                "surname": "B",
            },
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert not Person.objects.filter(niss=niss).exists()

    def test_group_manager_cannot_post_a_designation(self, world, login):
        response = login(world.group_manager).post(
            url(world, "manager_list"), {"kind": "co_main", "niss": factories.niss(), "given_name": "A", "surname": "B"}
        )
        assert response.status_code == 403


class TestQueryCounts:
    """List pages keep the same number of queries whatever the number of rows."""

    def grow(self, world, count):
        group = world.groups["employer"]
        people = Person.objects.bulk_create(
            Person(niss=factories.niss(), given_name="Bulk", surname=f"User{i:05d}") for i in range(count)
        )
        memberships = Membership.objects.bulk_create(Membership(person=p, group=group) for p in people)
        dimona = OnlineService.objects.get(code="dimona")
        Grant.objects.bulk_create(Grant(membership=m, service=dimona) for m in memberships)
        AuditEvent.objects.bulk_create(
            AuditEvent(
                enterprise=world.enterprise, actor=world.main, action="user_created", target_person=p, group=group
            )
            for p in people
        )

    @pytest.mark.parametrize("page", ["group_detail", "user_list", "journal", "dashboard", "user_detail"])
    def test_constant_from_10_to_1000_members(self, world, login, page):
        client = login(world.group_manager)
        self.grow(world, 10)
        small = queries_of(client, url(world, page))
        self.grow(world, 990)
        assert queries_of(client, url(world, page)) == small


class TestJournal:
    def test_each_reader_sees_their_scope(self, world, login):
        from access import selectors, services

        main = selectors.Actor(
            person=world.main,
            enterprise=world.enterprise,
            standing=selectors.standing_of(world.main.pk, world.enterprise.pk),
        )
        services.membership_block(main, world.member_membership, reason="employer-event")
        services.membership_block(main, world.tax_membership, reason="taxpayer-event")
        services.person_block_everywhere(main, world.pension_member, reason="enterprise-event")
        path = url(world, "journal")
        seen = {
            persona: {
                reason
                for reason in ("employer-event", "taxpayer-event", "enterprise-event")
                if reason in login(getattr(world, persona)).get(path).content.decode()
            }
            for persona in (
                "main",
                "co_main",
                "access_manager",
                "finance_manager",
                "group_manager",
                "member",
                "tax_member",
            )
        }
        assert seen == {
            "main": {"employer-event", "taxpayer-event", "enterprise-event"},
            "co_main": {"employer-event", "taxpayer-event", "enterprise-event"},
            "access_manager": {"employer-event"},
            "finance_manager": {"taxpayer-event"},
            "group_manager": {"employer-event"},
            "member": {"employer-event"},
            "tax_member": {"taxpayer-event"},
        }


class TestActionsByPost:
    def test_grant_and_revoke_by_post(self, world, login):
        client = login(world.group_manager)
        e, m = world.enterprise.pk, world.member_membership.pk
        dmfa = OnlineService.objects.get(code="dmfa")
        client.post(reverse("access:grant_add", args=[e, m]), {"service": dmfa.pk})
        assert Grant.objects.filter(membership_id=m, service=dmfa, revoked_at__isnull=True).exists()
        client.post(reverse("access:grant_revoke", args=[e, m, dmfa.pk]))
        assert not Grant.objects.filter(membership_id=m, service=dmfa, revoked_at__isnull=True).exists()

    def test_grant_beyond_the_ceiling_by_post_changes_nothing(self, world, login):
        client = login(world.main)
        e, m = world.enterprise.pk, world.member_membership.pk
        biztax = OnlineService.objects.get(code="biztax")
        response = client.post(reverse("access:grant_add", args=[e, m]), {"service": biztax.pk}, follow=True)
        assert "Select a valid choice" in response.content.decode()
        assert not Grant.objects.filter(membership_id=m, service=biztax).exists()

    def test_get_on_a_post_only_action_is_refused(self, world, login):
        e, m = world.enterprise.pk, world.member_membership.pk
        assert login(world.main).get(reverse("access:membership_unblock", args=[e, m])).status_code == 405

    def test_block_and_unblock_for_all_groups_by_post(self, world, login):
        client = login(world.main)
        e = world.enterprise.pk
        client.post(reverse("access:person_block", args=[e, world.member.pk]), {"reason": "Inquiry"})
        page = client.get(url(world, "user_detail")).content.decode()
        assert "Blocked for all groups (Inquiry)" in page
        client.post(reverse("access:person_unblock", args=[e, world.member.pk]))
        assert "<dd>Has access</dd>" in client.get(url(world, "user_detail")).content.decode()

    @pytest.mark.parametrize(
        ("language", "plainly"),
        [("en", "Has access"), ("fr", "A accès"), ("nl", "Heeft toegang"), ("de", "Hat Zugriff")],
    )
    def test_a_person_not_blocked_for_all_groups_reads_as_having_access(self, world, login, language, plainly):
        from django.conf import settings

        client = login(world.main)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # the language chosen on the page
        page = client.get(url(world, "user_detail")).content.decode()
        assert f"<dd>{plainly}</dd>" in page

    def test_designate_and_revoke_through_the_managers_page(self, world, login, four_eyes_off):
        from access.models import Designation

        client = login(world.main)
        niss = factories.niss()
        response = client.post(
            url(world, "manager_list"), {"kind": "co_main", "niss": niss, "given_name": "Cora", "surname": "Second"}
        )
        assert response.status_code == 302
        designation = Designation.objects.get(person__niss=niss, revoked_at__isnull=True)
        assert "Cora Second" in client.get(url(world, "manager_list")).content.decode()
        revoke = reverse("access:designation_revoke", args=[world.enterprise.pk, designation.pk])
        assert client.get(revoke).status_code == 200
        client.post(revoke, {"reason": "Temporary help ended"})
        designation.refresh_from_db()
        assert designation.revoked_at is not None

    def test_a_peer_cannot_revoke_a_peer(self, world, login):
        from access.models import Designation

        designation = Designation.objects.get(person=world.finance_manager)
        revoke = reverse("access:designation_revoke", args=[world.enterprise.pk, designation.pk])
        assert login(world.access_manager).get(revoke).status_code == 404
        assert login(world.co_main).get(revoke).status_code == 200


def test_confirmation_pages_refuse_a_protected_target(world, login):
    main_membership = factories.member(world.main, world.groups["employer"])
    e = world.enterprise.pk
    client = login(world.co_main)
    for name in ("membership_block", "membership_delete"):
        response = client.get(reverse(f"access:{name}", args=[e, main_membership.pk]))
        assert response.status_code == 403
        assert "only a legal representative can replace them" in response.content.decode()
    assert client.get(reverse("access:person_block", args=[e, world.main.pk])).status_code == 403
    assert login(world.group_manager).get(reverse("access:person_block", args=[e, world.main.pk])).status_code == 403
