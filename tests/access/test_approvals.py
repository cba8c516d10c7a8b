"""Four eyes (docs/design.md §5.15): designating a co-MAM or an Access Manager waits for a second
manager, who approves or refuses; the requester never approves; requests expire after 7 days."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from access import approvals, notices, selectors, services
from access.models import ApprovalRequest, AuditEvent, Designation, Domain, FourEyesSetting, Notice
from access.services import ActionRefused
from tests import factories

pytestmark = pytest.mark.django_db

Status = ApprovalRequest.Status


@pytest.fixture(autouse=True)
def managers_with_email(world):
    """Only a person with an e-mail address is told."""
    for person in (world.main, world.co_main, world.legal_representative):
        person.email = f"{person.given_name.lower()}@example.com"
        person.save(update_fields=["email"])


def actor(world, person):
    return factories.actor_of(world, person)


def designate_co_main(world, by=None):
    newcomer = factories.person(None, "Nadia", "Newcomer", email="nadia@example.com")
    made = services.designation_create(actor(world, by or world.main), kind="co_main", person=newcomer)
    return newcomer, made


def is_co_main(world, person):
    return selectors.current_designations().filter(enterprise=world.enterprise, person=person, kind="co_main").exists()


def test_a_co_main_designation_waits_for_a_second_manager(world):
    newcomer, made = designate_co_main(world)

    assert isinstance(made, ApprovalRequest)
    assert made.status == Status.PENDING
    assert made.expires_at - made.requested_at == timedelta(days=7)
    assert not is_co_main(world, newcomer)
    event = AuditEvent.objects.filter(action="approval_requested").get()
    assert (event.actor, event.target_person) == (world.main, newcomer)
    # The second managers are told: the co-MAM and the legal representative, not the requester.
    asked = set(Notice.objects.filter(kind="approval_asked").values_list("person", flat=True))
    assert asked == {world.co_main.pk, world.legal_representative.pk}


def test_an_access_manager_designation_waits_too(world):
    person = factories.person(None, "Abel", "Newam")
    finance = Domain.objects.get(code="finance")
    Designation.objects.filter(person=world.finance_manager).update(revoked_at=timezone.now())
    co_main = actor(world, world.co_main)
    made = services.designation_create(co_main, kind="access_manager", person=person, domain=finance)
    assert isinstance(made, ApprovalRequest)
    assert approvals.described([made])[0][1] == f"Designate Abel Newam as Access Manager for the domain {finance.name}"


def test_a_group_manager_designation_does_not_wait(world):
    person = factories.person(None, "Gil", "Newgm")
    Designation.objects.filter(person=world.group_manager).update(revoked_at=timezone.now())
    made = services.designation_create(
        actor(world, world.main), kind="group_manager", person=person, group=world.groups["employer"]
    )
    assert isinstance(made, Designation)


def test_the_requester_cannot_approve_their_own_request(world):
    _newcomer, request = designate_co_main(world)
    with pytest.raises(PermissionDenied, match="another manager approves it"):
        services.approval_approve(actor(world, world.main), request)
    request.refresh_from_db()
    assert request.status == Status.PENDING


def test_a_second_manager_approves_and_the_designation_is_made_as_the_requester(world):
    newcomer, request = designate_co_main(world)

    services.approval_approve(actor(world, world.co_main), request)

    request.refresh_from_db()
    assert (request.status, request.decided_by) == (Status.APPROVED, world.co_main)
    assert is_co_main(world, newcomer)
    made = AuditEvent.objects.get(action="designation_created", target_person=newcomer)
    assert made.actor == world.main
    assert made.after["via"] == {"approval": request.pk, "approved_by": world.co_main.full_name}
    assert AuditEvent.objects.filter(action="approval_granted", actor=world.co_main).exists()
    assert Notice.objects.filter(kind="approval_decided", person=world.main, details__status="approved").exists()


def test_the_journal_reads_who_approved(world):
    from access import journal_display

    newcomer, request = designate_co_main(world)
    services.approval_approve(actor(world, world.co_main), request)
    made = AuditEvent.objects.get(action="designation_created", target_person=newcomer)
    expected = f"manager designated, approved by Colette Comain (request no. {request.pk})"
    assert journal_display.action_text(made) == expected


def test_a_legal_representative_approves(world):
    newcomer, request = designate_co_main(world)
    services.approval_approve(actor(world, world.legal_representative), request)
    assert is_co_main(world, newcomer)


def test_an_access_manager_cannot_approve(world):
    _newcomer, request = designate_co_main(world)
    with pytest.raises(PermissionDenied):
        services.approval_approve(actor(world, world.access_manager), request)


def test_approving_twice_does_it_once(world):
    newcomer, request = designate_co_main(world)
    stale = ApprovalRequest.objects.get(pk=request.pk)
    services.approval_approve(actor(world, world.co_main), request)
    with pytest.raises(PermissionDenied, match="no longer waiting"):
        services.approval_approve(actor(world, world.legal_representative), stale)
    assert Designation.objects.filter(person=newcomer).count() == 1


def test_a_refused_request_does_nothing(world):
    newcomer, request = designate_co_main(world)
    services.approval_refuse(actor(world, world.co_main), request)
    request.refresh_from_db()
    assert request.status == Status.REFUSED
    assert not is_co_main(world, newcomer)
    with pytest.raises(PermissionDenied):
        services.approval_approve(actor(world, world.legal_representative), request)


def test_an_expired_request_does_nothing(world):
    newcomer, request = designate_co_main(world)
    later = timezone.now() + timedelta(days=7, minutes=1)

    told = approvals.approvals_expire(later)

    request.refresh_from_db()
    assert request.status == Status.EXPIRED
    assert told == [world.main.pk]
    assert AuditEvent.objects.filter(action="approval_expired", target_person=newcomer).exists()
    with pytest.raises(PermissionDenied, match="no longer waiting"):
        services.approval_approve(actor(world, world.co_main), request)
    assert not is_co_main(world, newcomer)


def test_a_request_past_its_expiry_is_refused_before_the_sweep(world):
    _newcomer, request = designate_co_main(world)
    ApprovalRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(PermissionDenied, match="no longer waiting"):
        services.approval_approve(actor(world, world.co_main), request)


def test_the_policy_is_asked_again_at_approval(world):
    """The co-MAM who asked for an Access Manager is no longer co-MAM when it is approved: nothing is done."""
    person = factories.person(None, "Abel", "Newam")
    finance = Domain.objects.get(code="finance")
    Designation.objects.filter(person=world.finance_manager).update(revoked_at=timezone.now())
    request = services.designation_create(
        actor(world, world.co_main), kind="access_manager", person=person, domain=finance
    )
    Designation.objects.filter(person=world.co_main).update(revoked_at=timezone.now())

    services.approval_approve(actor(world, world.main), request)

    request.refresh_from_db()
    assert request.status == Status.FAILED
    assert request.outcome
    assert not Designation.objects.filter(person=person).exists()
    assert AuditEvent.objects.filter(action="approval_failed").exists()


def test_the_target_changed_meanwhile(world):
    newcomer, request = designate_co_main(world)
    factories.designate(world.enterprise, newcomer, "co_main")
    services.approval_approve(actor(world, world.co_main), request)
    request.refresh_from_db()
    assert request.status == Status.FAILED
    assert "already a co-Main Access Manager" in request.outcome


def test_with_the_setting_off_the_designation_is_made_at_once(world):
    services.four_eyes_change(actor(world, world.main), False)
    newcomer, made = designate_co_main(world)
    assert isinstance(made, Designation)
    event = AuditEvent.objects.get(action="four_eyes_changed")
    assert (event.before, event.after) == ({"four_eyes": True}, {"four_eyes": False})


def test_only_the_main_manager_changes_the_setting(world):
    with pytest.raises(PermissionDenied):
        services.four_eyes_change(actor(world, world.co_main), False)
    with pytest.raises(ActionRefused):
        services.four_eyes_change(actor(world, world.main), True)


def test_without_a_second_manager_it_goes_through_and_the_journal_says_why(world):
    FourEyesSetting.objects.create(enterprise=world.enterprise, enabled=True)
    Designation.objects.filter(person=world.co_main).update(revoked_at=timezone.now())
    world.legal_representative.representations.all().delete()

    newcomer, made = designate_co_main(world)

    assert isinstance(made, Designation)
    event = AuditEvent.objects.get(action="approval_skipped")
    assert event.after == {"action": "designation", "why": "no_second_manager"}
    assert event.reason


def test_by_default_a_single_main_manager_is_not_held(world):
    Designation.objects.filter(person=world.co_main).update(revoked_at=timezone.now())
    _newcomer, made = designate_co_main(world)
    assert isinstance(made, Designation)
    assert AuditEvent.objects.get(action="approval_skipped").after["why"] == "single_main_manager"


def test_the_second_manager_is_told_in_their_language(world):
    world.co_main.preferred_language = "fr"
    world.co_main.save(update_fields=["preferred_language"])
    designate_co_main(world)
    notes = list(Notice.objects.filter(person=world.co_main))
    subject, body = notices.written(world.co_main, notes)
    assert subject == "Secondes approbations – Gestion des accès"
    assert "Marie Main demande à un second gestionnaire d’approuver" in body
    assert "Connectez-vous au portail et ouvrez Secondes approbations." in body
    assert "Nadia Newcomer" in body


def test_the_demo_bakery_shows_four_eyes(catalogue):
    from access.models import Enterprise
    from portal.demo import load_demo

    load_demo(users=3)
    bakery = Enterprise.objects.get(number="0403019261")
    assert approvals.four_eyes_enabled(bakery)[0] is True
    waiting = approvals.pending_requests(bakery).get()
    assert approvals.described([waiting])[0][1].startswith("Designate Ulla Schmidt as Access Manager for the domain")
