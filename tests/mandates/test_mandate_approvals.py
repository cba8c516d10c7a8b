"""Four eyes on ending a mandate (docs/design.md §5.15, §5.16): in an enterprise where four eyes is
on, the side that ends an accepted mandate waits for a second manager of its own enterprise; the
mandate stays in force meanwhile. A mandate past its end date is not an action and never waits."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from access import approvals, notices, selectors, services
from access.models import ApprovalRequest, AuditEvent, Designation, FourEyesSetting, Notice, OnlineService
from access.selectors import Actor
from mandates import services as mandate_services
from mandates.models import Mandate
from tests import factories
from tests.mandates.test_mandates import decision, give, make_mandate

pytestmark = pytest.mark.django_db

Status = ApprovalRequest.Status


def what() -> str:
    return f"End the mandate with Other for {OnlineService.objects.get(code='dimona').name}"


def actor(world, person):  # type: ignore[no-untyped-def]
    return factories.actor_of(world, person)


def end(world, mandate, by=None):  # type: ignore[no-untyped-def]
    by = by or world.main
    if by == world.other_enterprise_manager:
        provider = world.other_enterprise
        return mandate_services.mandate_end(Actor(by, provider, selectors.standing_of(by.pk, provider.pk)), mandate)
    return mandate_services.mandate_end(actor(world, by), mandate)


def test_ending_waits_and_the_mandate_stays_in_force(world, login, dimona_token):  # type: ignore[no-untyped-def]
    mandate = make_mandate(world)
    give(world, mandate)

    response = login(world.main).post(f"/e/{world.enterprise.pk}/mandates/{mandate.pk}/end/", follow=True)

    mandate.refresh_from_db()
    assert (mandate.status, mandate.ended_at) == (Mandate.Status.ACCEPTED, None)
    assert decision(dimona_token, world.other_member, world.enterprise)
    request = ApprovalRequest.objects.get()
    assert (request.kind, request.enterprise, request.target) == ("mandate_end", world.enterprise, None)
    with translation.override("en"):
        assert approvals.described([request])[0][1] == what()
    page = response.content.decode()
    assert '<p class="notice">Ending this mandate waits for a second manager\'s approval.</p>' in page
    assert "End the mandate</button>" not in page
    assert not AuditEvent.objects.filter(action="mandate_ended").exists()
    # The mandate's history in the principal's journal reads the request.
    assert AuditEvent.objects.get(action="approval_requested").after["mandate"] == mandate.pk


def test_asking_again_while_it_waits_is_refused(world):  # type: ignore[no-untyped-def]
    mandate = make_mandate(world)
    end(world, mandate)
    with pytest.raises(services.ActionRefused, match="already waits"):
        end(world, mandate, world.co_main)
    assert ApprovalRequest.objects.count() == 1


def test_a_second_manager_approves_and_it_ends_as_the_requester(world, dimona_token):  # type: ignore[no-untyped-def]
    mandate = make_mandate(world)
    give(world, mandate)
    request = end(world, mandate)

    services.approval_approve(actor(world, world.co_main), request)

    request.refresh_from_db()
    mandate.refresh_from_db()
    assert request.status == Status.APPROVED
    assert (mandate.status, mandate.ended_by) == (Mandate.Status.ENDED, world.main)
    assert not decision(dimona_token, world.other_member, world.enterprise)
    rows = AuditEvent.objects.filter(action="mandate_ended")
    assert {row.enterprise_id for row in rows} == {world.enterprise.pk, world.other_enterprise.pk}
    assert all(row.actor == world.main for row in rows)
    assert rows.get(enterprise=world.enterprise).after["via"]["approved_by"] == world.co_main.full_name


def test_the_requester_cannot_approve_their_own(world):  # type: ignore[no-untyped-def]
    mandate = make_mandate(world)
    request = end(world, mandate)
    with pytest.raises(PermissionDenied):
        services.approval_approve(actor(world, world.main), request)
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACCEPTED


def test_without_a_second_manager_it_ends_at_once_and_the_journal_says_why(world, dimona_token):  # type: ignore[no-untyped-def]
    FourEyesSetting.objects.create(enterprise=world.enterprise, enabled=True)
    Designation.objects.filter(person=world.co_main).update(revoked_at=timezone.now())
    world.legal_representative.representations.all().delete()
    mandate = make_mandate(world)
    give(world, mandate)

    ended = end(world, mandate)

    assert isinstance(ended, Mandate) and ended.status == Mandate.Status.ENDED
    assert not decision(dimona_token, world.other_member, world.enterprise)
    skipped = AuditEvent.objects.get(action="approval_skipped")
    assert skipped.enterprise == world.enterprise
    assert skipped.after == {"action": "mandate_end", "why": "no_second_manager"}
    assert skipped.reason


def test_the_provider_s_own_setting_counts_when_the_provider_ends(world):  # type: ignore[no-untyped-def]
    """Other has a single MAM: by default nothing waits there, whatever Acme's setting."""
    mandate = make_mandate(world)
    ended = end(world, mandate, world.other_enterprise_manager)
    assert isinstance(ended, Mandate) and ended.status == Mandate.Status.ENDED
    assert AuditEvent.objects.get(action="approval_skipped").enterprise == world.other_enterprise


def test_withdrawing_an_offer_does_not_wait(world):  # type: ignore[no-untyped-def]
    mandate = make_mandate(world, status=Mandate.Status.OFFERED)
    assert end(world, mandate).status == Mandate.Status.ENDED
    assert not ApprovalRequest.objects.exists()


def test_approved_after_the_mandate_ended_otherwise_it_does_nothing_and_says_so(world):  # type: ignore[no-untyped-def]
    mandate = make_mandate(world)
    request = end(world, mandate)
    end(world, mandate, world.other_enterprise_manager)  # the provider ends it meanwhile

    services.approval_approve(actor(world, world.co_main), request)

    request.refresh_from_db()
    assert request.status == Status.FAILED
    assert request.outcome == "This mandate has already ended or was refused."
    assert AuditEvent.objects.filter(action="mandate_ended").count() == 2  # the provider's end, in both journals
    assert AuditEvent.objects.filter(action="approval_failed", enterprise=world.enterprise).exists()


def test_a_mandate_past_its_end_date_never_waits(world, dimona_token):  # type: ignore[no-untyped-def]
    """Its end date is no action of anyone: the decision point says no from the next day, with
    no request and no journal row."""
    mandate = make_mandate(world, ends_on=timezone.localdate() - timedelta(days=1))
    Mandate.objects.filter(pk=mandate.pk).update(starts_on=timezone.localdate() - timedelta(days=400))
    give(world, mandate)
    assert not decision(dimona_token, world.other_member, world.enterprise)
    assert not ApprovalRequest.objects.exists()
    assert not AuditEvent.objects.filter(action__in=("approval_requested", "mandate_ended")).exists()


def test_the_second_manager_is_told_in_their_language_which_mandate(world):  # type: ignore[no-untyped-def]
    world.co_main.email = "colette@example.com"
    world.co_main.preferred_language = "nl"
    world.co_main.save(update_fields=["email", "preferred_language"])
    end(world, make_mandate(world, services=("dimona", "dmfa")))
    _subject, body = notices.written(world.co_main, list(Notice.objects.filter(person=world.co_main)))
    assert "Marie Main vraagt een tweede beheerder om goedkeuring: Het mandaat met Other beëindigen voor" in body


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Mettre fin au mandat avec Other pour"),
        ("nl", "Het mandaat met Other beëindigen voor"),
        ("de", "Das Mandat mit Other beenden für"),
        ("en", "End the mandate with Other for"),
    ],
)
def test_the_request_reads_in_four_languages(world, language, expected):  # type: ignore[no-untyped-def]
    request = end(world, make_mandate(world))
    with translation.override(language):
        assert approvals.described([request])[0][1].startswith(expected)
