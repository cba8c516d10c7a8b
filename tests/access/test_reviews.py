"""Access reviews (docs/design.md §5.13): the MAM or a co-MAM asks the managers to confirm or revoke
every grant of the enterprise or of a domain by a deadline; each manager answers for the grants
they may revoke, the closest first; reminders go to those with grants left to answer; at the end
of the deadline the review closes and, if the enterprise chose so, what was not confirmed ends,
journaled as done by the system. Dates are moved with time-machine."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from access import notices, reviews, selectors, services
from access.models import AccessReview, AccessReviewItem, AuditEvent, Domain, Grant, Membership, Notice, OnlineService
from access.tasks import reviews_close, reviews_remind
from tests import factories
from tests.factories import actor_of

pytestmark = pytest.mark.django_db

# A Monday morning in Brussels; the review's deadline is a fortnight later.
START = datetime(2027, 3, 1, 9, 0)
DEADLINE = date(2027, 3, 15)


def at(moment: datetime):
    return time_machine.travel(timezone.make_aware(moment), tick=False)


@pytest.fixture
def reachable(world):
    """The managers and users, each with an e-mail address."""
    for person in (
        world.main,
        world.co_main,
        world.access_manager,
        world.finance_manager,
        world.group_manager,
        world.member,
        world.pension_member,
        world.tax_member,
    ):
        person.email = f"{person.given_name.lower()}@example.be"
        person.save(update_fields=["email"])
    return world


def start(world, *, domain: str | None = None, deadline: date = DEADLINE, end_unconfirmed: bool = True, by=None):
    with at(START):
        return services.review_start(
            actor_of(world, by or world.main),
            domain=Domain.objects.get(code=domain) if domain else None,
            deadline=deadline,
            end_unconfirmed=end_unconfirmed,
        )


def item(review: AccessReview, membership: Membership) -> AccessReviewItem:
    return review.items.select_related("grant__service").get(grant__membership=membership)


def answers(review: AccessReview) -> dict[str, str]:
    return {
        f"{i.grant.membership.person.given_name}/{i.grant.service.code}": i.answer
        for i in review.items.select_related("grant__membership__person", "grant__service")
    }


# --- Starting -------------------------------------------------------------------------------------


def test_a_review_of_the_enterprise_asks_about_every_grant_each_of_its_closest_manager(reachable):
    w = reachable
    review = start(w)

    answerers = {
        i.grant.membership.person.given_name: i.answerer
        for i in review.items.select_related("grant__membership__person", "answerer")
    }
    # Employer has its Group Manager; the pension fund none: the domain's Access Manager; taxpayer's too.
    assert answerers == {"Mats": w.group_manager, "Paula": w.access_manager, "Tom": w.finance_manager}
    event = AuditEvent.objects.get(action="review_started")
    assert (event.actor, event.enterprise, event.domain) == (w.main, w.enterprise, None)
    assert event.after == {"review": review.pk, "deadline": "2027-03-15", "end_unconfirmed": True, "grants": 3}
    # Each manager with grants to answer for is told at once, and nobody else.
    told = set(Notice.objects.filter(kind="review_reminder").values_list("person__given_name", "details__count"))
    assert told == {("Greta", 1), ("Arno", 1), ("Fien", 1)}
    assert review.reminders == ["start"]


def test_a_review_of_a_domain_asks_about_its_groups_only(reachable):
    review = start(reachable, domain="finance")
    assert answers(review) == {"Tom/myminfin": "open"}


def test_the_grants_of_the_main_access_manager_and_of_a_legal_representative_are_not_asked(world):
    """Nobody may revoke them (§4.1). A Group Manager who is a user of their own group is answered
    for by their Access Manager; a co-MAM who is a user, by the MAM and the co-MAMs."""
    employer = world.groups["employer"]
    for person in (world.main, world.legal_representative, world.group_manager, world.co_main):
        factories.member(person, employer, ("dmfa",))
    review = start(world)
    asked = {i.grant.membership.person.given_name: i.answerer for i in review.items.select_related("answerer")}
    assert "Marie" not in asked and "Lea" not in asked
    assert asked["Greta"] == world.access_manager
    assert asked["Colette"] is None


def test_a_review_needs_the_main_access_manager_or_a_co_main_and_a_deadline_within_ninety_days(world):
    with pytest.raises(PermissionDenied):
        start(world, by=world.access_manager)
    for deadline in (START.date(), START.date() + timedelta(days=91)):
        with pytest.raises(services.ActionRefused):
            start(world, deadline=deadline)
    start(world, by=world.co_main, deadline=START.date() + timedelta(days=90))
    assert AccessReview.objects.count() == 1


def test_one_review_at_a_time(world):
    start(world, domain="finance")
    with pytest.raises(services.ActionRefused, match="already open"):
        start(world, domain="nsso_employer")


# --- Answering ------------------------------------------------------------------------------------------


def test_a_manager_confirms_a_grant_journaled_with_the_review(reachable):
    w = reachable
    review = start(w)
    with at(START + timedelta(days=1)):
        services.review_grant_confirm(actor_of(w, w.group_manager), review, item(review, w.member_membership))
    confirmed = item(review, w.member_membership)
    assert (confirmed.answer, confirmed.answered_by) == ("confirmed", w.group_manager)
    event = AuditEvent.objects.get(action="review_confirmed")
    assert (event.actor, event.target_person, event.group) == (w.group_manager, w.member, w.groups["employer"])
    assert event.after == {"service": "dimona", "review": review.pk}
    with pytest.raises(services.ActionRefused, match="already confirmed"):
        services.review_grant_confirm(actor_of(w, w.group_manager), review, confirmed)


def test_revoking_goes_through_the_revocation_of_the_service_and_names_the_review(reachable):
    w = reachable
    review = start(w)
    with at(START + timedelta(days=1)):
        services.review_grant_revoke(actor_of(w, w.access_manager), review, item(review, w.pension_membership))
    revoked = item(review, w.pension_membership)
    assert (revoked.answer, revoked.answered_by) == ("revoked", w.access_manager)
    grant = Grant.objects.get(pk=revoked.grant_id)
    assert grant.revoked_by == w.access_manager
    event = AuditEvent.objects.get(action="service_revoked")
    assert (event.actor, event.target_person) == (w.access_manager, w.pension_member)
    assert (event.before, event.after) == ({"service": "db2p"}, {"review": review.pk})
    # The holder is told, as of any revocation.
    assert Notice.objects.filter(person=w.pension_member, kind="revoked").exists()
    with pytest.raises(services.ActionRefused, match="no longer granted"):
        services.review_grant_confirm(actor_of(w, w.access_manager), review, revoked)


def test_a_confirmed_grant_can_still_be_revoked_while_the_review_is_open(world):
    review = start(world)
    gm = actor_of(world, world.group_manager)
    services.review_grant_confirm(gm, review, item(review, world.member_membership))
    services.review_grant_revoke(gm, review, item(review, world.member_membership))
    assert item(review, world.member_membership).answer == "revoked"


def test_only_a_manager_who_may_revoke_the_grant_answers_for_it(world):
    review = start(world)
    # The employer's Group Manager, about the pension fund; the nsso Access Manager, about finance.
    with pytest.raises(PermissionDenied):
        services.review_grant_confirm(
            actor_of(world, world.group_manager), review, item(review, world.pension_membership)
        )
    with pytest.raises(PermissionDenied):
        services.review_grant_revoke(actor_of(world, world.access_manager), review, item(review, world.tax_membership))
    # Managers above answer too: the MAM for anything.
    services.review_grant_confirm(actor_of(world, world.main), review, item(review, world.tax_membership))
    assert item(review, world.tax_membership).answered_by == world.main


def test_confirming_a_page_confirms_what_is_left_to_answer(world):
    review = start(world)
    main = actor_of(world, world.main)
    services.review_grant_revoke(main, review, item(review, world.member_membership))
    count = services.review_grants_confirm(main, review, list(review.items.all()))
    assert count == 2
    assert answers(review) == {"Mats/dimona": "revoked", "Paula/db2p": "confirmed", "Tom/myminfin": "confirmed"}
    assert AuditEvent.objects.filter(action="review_confirmed").count() == 2


def test_a_page_with_a_grant_the_manager_may_not_answer_for_confirms_nothing(world):
    review = start(world)
    with pytest.raises(PermissionDenied):
        services.review_grants_confirm(actor_of(world, world.group_manager), review, list(review.items.all()))
    assert set(answers(review).values()) == {"open"}
    assert not AuditEvent.objects.filter(action="review_confirmed").exists()


def test_a_grant_given_up_during_the_review_has_nothing_left_to_answer(world):
    review = start(world)
    services.grant_renounce(actor_of(world, world.member), item(review, world.member_membership).grant)
    with pytest.raises(services.ActionRefused, match="no longer granted"):
        services.review_grant_confirm(
            actor_of(world, world.group_manager), review, item(review, world.member_membership)
        )
    assert selectors.review_progress(review) == {
        "total": 3,
        "confirmed": 0,
        "revoked": 0,
        "ended": 0,
        "open": 2,
        "gone": 1,
    }


# --- Closing at the deadline --------------------------------------------------------------------------


def test_at_the_deadline_what_was_not_confirmed_ends_journaled_as_done_by_the_system(reachable):
    w = reachable
    review = start(w)
    with at(START + timedelta(days=2)):
        services.review_grant_confirm(actor_of(w, w.group_manager), review, item(review, w.member_membership))
        services.review_grant_revoke(actor_of(w, w.access_manager), review, item(review, w.pension_membership))
    # The whole deadline day is still open.
    with at(datetime(2027, 3, 15, 23, 30)):
        assert reviews_close() == 0
    assert AccessReview.objects.get().closed_at is None

    with at(datetime(2027, 3, 16, 0, 5)):
        assert reviews_close() == 1  # the taxpayer is told
    review.refresh_from_db()
    assert review.closed_at is not None
    assert answers(review) == {"Mats/dimona": "confirmed", "Paula/db2p": "revoked", "Tom/myminfin": "ended"}
    tax = Grant.objects.get(membership=w.tax_membership, service__code="myminfin")
    assert tax.revoked_at is not None and tax.revoked_by is None
    assert Grant.objects.get(membership=w.member_membership, service__code="dimona").revoked_at is None
    ended = AuditEvent.objects.get(action="review_ended")
    assert (ended.actor, ended.target_person, ended.group) == (None, w.tax_member, w.groups["taxpayer"])
    assert (ended.before, ended.after) == ({"service": "myminfin"}, {"review": review.pk})
    closed = AuditEvent.objects.get(action="review_closed")
    assert closed.actor is None
    assert closed.after == {"review": review.pk, "confirmed": 1, "revoked": 1, "ended": 1, "unanswered": 0}
    assert Notice.objects.filter(person=w.tax_member, kind="review_ended").exists()
    # Once: a second run closes nothing more.
    with at(datetime(2027, 3, 16, 1, 5)):
        assert reviews_close() == 0
    assert AuditEvent.objects.filter(action="review_ended").count() == 1


def test_at_the_deadline_nothing_ends_when_the_enterprise_chose_so(world):
    review = start(world, end_unconfirmed=False)
    with at(datetime(2027, 3, 16, 6, 0)):
        reviews_close()
    review.refresh_from_db()
    assert review.closed_at is not None
    assert set(answers(review).values()) == {"open"}
    assert Grant.objects.filter(revoked_at__isnull=False).count() == 0
    closed = AuditEvent.objects.get(action="review_closed")
    assert closed.after == {"review": review.pk, "confirmed": 0, "revoked": 0, "ended": 0, "unanswered": 3}


def test_a_closed_review_takes_no_more_answers_and_another_may_start(world):
    review = start(world, end_unconfirmed=False)
    with at(datetime(2027, 3, 16, 6, 0)):
        reviews_close()
        with pytest.raises(PermissionDenied, match="closed"):
            services.review_grant_confirm(actor_of(world, world.main), review, item(review, world.member_membership))
        services.review_start(actor_of(world, world.main), domain=None, deadline=date(2027, 4, 1), end_unconfirmed=True)
    assert AccessReview.objects.filter(closed_at__isnull=True).count() == 1


# --- Reminders -------------------------------------------------------------------------------------------


def test_managers_with_grants_left_are_reminded_a_week_and_a_day_before_the_deadline(reachable):
    w = reachable
    review = start(w)
    Notice.objects.all().delete()  # the reminders of the start
    with at(START + timedelta(days=3)):
        services.review_grant_confirm(actor_of(w, w.group_manager), review, item(review, w.member_membership))
    with at(datetime(2027, 3, 7, 7, 0)):  # eight days before: nothing yet
        assert reviews_remind() == 0
    with at(datetime(2027, 3, 8, 7, 0)):
        assert reviews_remind() == 2
        assert reviews_remind() == 0  # once
    reminded = Notice.objects.filter(kind="review_reminder")
    # The Group Manager has answered everything: not reminded.
    assert set(reminded.values_list("person__given_name", flat=True)) == {"Arno", "Fien"}
    assert reminded.first().details == {  # type: ignore[union-attr]
        "review": review.pk,
        "count": 1,
        "until": "2027-03-15",
        "domain": None,
        "ends": True,
    }
    event = AuditEvent.objects.get(action="review_reminded")
    assert (event.actor, event.after) == (None, {"review": review.pk, "stage": "week", "managers": 2})
    with at(datetime(2027, 3, 14, 7, 0)):
        assert reviews_remind() == 2
    assert reminded.count() == 4
    review.refresh_from_db()
    assert review.reminders == ["day", "start", "week"]


def test_a_review_that_starts_within_a_week_of_its_deadline_is_not_reminded_the_next_day(world):
    review = start(world, deadline=START.date() + timedelta(days=5))
    assert review.reminders == ["start", "week"]
    with at(START + timedelta(days=1)):
        assert reviews_remind() == 0


def test_the_grants_of_a_manager_who_may_no_longer_answer_are_reminded_to_the_main_managers(reachable):
    w = reachable
    start(w)
    Notice.objects.all().delete()
    designation = w.group_manager.designations.get(kind="group_manager")
    with at(START + timedelta(days=1)):
        services.designation_revoke(actor_of(w, w.main), designation)
    Notice.objects.all().delete()
    with at(datetime(2027, 3, 8, 7, 0)):
        reviews_remind()
    told = dict(Notice.objects.filter(kind="review_reminder").values_list("person__given_name", "details__count"))
    # The member's grant falls to the MAM and the co-MAM.
    assert told == {"Arno": 1, "Fien": 1, "Marie": 1, "Colette": 1}


def test_the_reminder_email_speaks_the_managers_language(reachable, settings):
    settings.NOTICE_BATCH_SECONDS = 120
    w = reachable
    w.group_manager.preferred_language = "nl"
    w.group_manager.save(update_fields=["preferred_language"])
    start(w)
    with at(START + timedelta(minutes=3)):
        [message] = notices.notices_gather(w.group_manager.pk)
    assert message.subject == "Een toegangsherziening wacht op uw antwoorden – Toegangsbeheer"
    assert "1 onlinedienst te bevestigen of in te trekken tegen 15 maart 2027" in message.body
    assert "Als beheerder wordt u gevraagd de onlinediensten van de gebruikers die u beheert" in message.body
    assert "Your access" not in message.body and "Uw toegang" not in message.body


def test_the_service_revocation_through_the_page_of_a_user_leaves_the_item_open_but_not_to_answer(world):
    review = start(world)
    dimona = OnlineService.objects.get(code="dimona")
    services.grant_revoke(actor_of(world, world.group_manager), world.member_membership, dimona)
    assert reviews.left_to_answer(review) == {world.access_manager.pk: 1, world.finance_manager.pk: 1}


def test_beat_closes_reviews_every_hour_and_reminds_and_ends_unused_access_every_morning(settings):
    from celery.schedules import crontab

    from portal.celery import app

    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["access.tasks.reviews_close"] == crontab(minute=5)
    assert schedule["access.tasks.reviews_remind"] == crontab(hour=6, minute=10)
    assert schedule["access.tasks.unused_grants_end"] == crontab(hour=5, minute=30)
    assert {"access.tasks.reviews_close", "access.tasks.reviews_remind", "access.tasks.unused_grants_end"} <= set(
        app.tasks
    )
