"""Linking an identity to a person, and activation at the Main Access Manager's first login."""

import pytest

from access import services
from access.models import AuditEvent, Designation, Enterprise, EnterpriseBlock
from tests import factories

pytestmark = pytest.mark.django_db


def claims(person, **extra):
    return {"egovNRN": person.niss, "givenName": person.given_name, "surname": person.surname, **extra}


def test_the_person_is_found_by_national_number_in_any_format(world):
    assert services.person_get_by_identity({"egovNRN": world.member.niss}) == world.member
    assert services.person_get_by_identity({"egovNRN": world.member.niss_display}) == world.member
    assert services.person_get_by_identity({"egovNRN": factories.niss()}) is None
    assert services.person_get_by_identity({"egovNRN": "85.07.30-033.29"}) is None
    assert services.person_get_by_identity({}) is None


def test_the_profile_follows_the_identity_and_is_journaled(world):
    member = world.member
    user = services.identity_link(
        member, claims(member, surname="Member-Peeters", mail="mats@example.be", prefLanguage="NL"), ip="192.0.2.1"
    )
    member.refresh_from_db()
    assert (member.surname, member.email, member.preferred_language) == ("Member-Peeters", "mats@example.be", "nl")
    assert user.last_name == "Member-Peeters"
    event = AuditEvent.objects.get(action="profile_updated", target_person=member)
    assert event.before == {"surname": "Member", "email": "", "preferred_language": "en"}
    assert event.after == {"surname": "Member-Peeters", "email": "mats@example.be", "preferred_language": "nl"}


def test_an_unknown_language_is_ignored_and_nothing_changes_twice(world):
    member = world.member
    services.identity_link(member, claims(member, prefLanguage="es"), ip=None)
    member.refresh_from_db()
    assert member.preferred_language == "en"
    assert not AuditEvent.objects.filter(action="profile_updated").exists()


def test_a_person_without_login_gets_an_account_without_password(world):
    person = factories.person(None, "Nora", "Nologin")
    user = services.identity_link(person, claims(person), ip=None)
    assert user.pk and not user.has_usable_password()
    person.refresh_from_db()
    assert person.user == user


def test_the_first_login_of_the_main_manager_activates_only_their_pending_enterprises(world):
    pending, _ = factories.enterprise("Pending", roles=("employer",))
    Enterprise.objects.filter(pk=pending.pk).update(status="pending", activated_at=None)
    other_pending, _ = factories.enterprise("Other pending", roles=("employer",))
    Enterprise.objects.filter(pk=other_pending.pk).update(status="pending", activated_at=None)
    Designation.objects.create(enterprise=pending, person=world.main, kind="main")

    activated = services.login_record(world.main, method={"amr": ["eid"], "acr": "high"}, ip="192.0.2.2")
    assert activated == [pending]
    pending.refresh_from_db()
    other_pending.refresh_from_db()
    assert (pending.status, pending.activated_by) == ("active", world.main)
    assert other_pending.status == "pending"
    assert services.login_record(world.main, method={"amr": ["eid"], "acr": "high"}, ip=None) == []
    assert AuditEvent.objects.filter(action="enterprise_activated").count() == 1
    assert AuditEvent.objects.filter(action="logged_in", actor=world.main).count() == 2


def test_nothing_can_be_managed_before_activation(world, login):
    Enterprise.objects.filter(pk=world.enterprise.pk).update(status="pending")
    client = login(world.main)
    dashboard = client.get(f"/e/{world.enterprise.pk}/").content.decode()
    assert "The enterprise account is not active yet" in dashboard
    response = client.get(f"/e/{world.enterprise.pk}/groups/{world.groups['employer'].pk}/")
    assert response.status_code == 403
    assert "not active yet" in response.content.decode()
    # The legal representative can still designate (or replace) the Main Access Manager.
    page = login(world.legal_representative).get(f"/e/{world.enterprise.pk}/main-manager/").content.decode()
    assert "Replace by a person with a Belgian national register number" in page


def test_a_person_blocked_for_all_groups_loses_access_on_the_next_request(world, login):
    client = login(world.group_manager)
    assert client.get(f"/e/{world.enterprise.pk}/").status_code == 200

    EnterpriseBlock.objects.create(person=world.group_manager, enterprise=world.enterprise, reason="Inquiry")
    response = client.get(f"/e/{world.enterprise.pk}/groups/{world.groups['employer'].pk}/")
    assert response.status_code == 403
    assert "You are blocked for all groups of this enterprise." in response.content.decode()


def test_a_person_deleted_from_every_group_loses_access_on_the_next_request(world, login):
    client = login(world.member)
    assert client.get(f"/e/{world.enterprise.pk}/").status_code == 200
    world.member_membership.removed_at = world.member_membership.created_at
    world.member_membership.save()
    assert client.get(f"/e/{world.enterprise.pk}/").status_code == 404
    assert "Acme" not in client.get("/").content.decode()
