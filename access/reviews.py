"""Access reviews where no manager acts (docs/design.md §5.13): which grants a review asks about and
who must answer for each, the reminders to the managers with grants left to answer, and the
closing of a review at the end of its deadline, which ends what was not confirmed when the
enterprise chose so.

What the portal does here is journaled with no actor (the system), and the people concerned are
told through the notices (access.notices): the functions answer the people told, for the caller
to queue their e-mail. Like access.notices, this module knows nothing of Celery: access/tasks.py
runs it on beat's schedule, and the service that starts a review (access/services/reviews.py)
calls it for the first reminder.
"""

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from access import journal, notices, policy, selectors
from access.models import AccessReview, AccessReviewItem, AuditEvent, Enterprise, Notice, Person
from access.policy import DesignationKind

Action = AuditEvent.Action
Answer = AccessReviewItem.Answer

# The reminders: when the review starts, a week before its deadline, and the day before.
START, WEEK, DAY = "start", "week", "day"
REMINDER_DAYS = {WEEK: 7, DAY: 1}
STANDINGS_AT_ONCE = 500  # people whose standings are read in one query


def _chunks(values: Iterable[int], size: int = STANDINGS_AT_ONCE) -> Iterator[set[int]]:
    iterator = iter(sorted(values))
    while chunk := set(islice(iterator, size)):
        yield chunk


def standings(people: set[int], enterprise_id: int) -> dict[int | None, policy.Standing]:
    """The standings of many people in one enterprise, a few hundred a query."""
    frame = selectors.standing_of(None, enterprise_id)
    result: dict[int | None, policy.Standing] = {}
    for chunk in _chunks(people):
        result.update(selectors.standings_of(chunk, enterprise_id, frame))
    return result


def review_group_ids(review: AccessReview) -> list[int]:
    groups = review.enterprise.groups.all()
    if review.domain_id is not None:
        groups = groups.filter(role_type__domain_id=review.domain_id)
    return list(groups.values_list("pk", flat=True))


def items_for(review: AccessReview) -> list[AccessReviewItem]:
    """The grants a review asks about, unsaved: every current grant in a current membership of its
    groups whose holder someone may revoke (policy.is_reviewable), each with who must answer for it
    (policy.review_answerer: the group's Group Manager, else the domain's Access Manager, else the
    MAM and the co-MAMs)."""
    enterprise_id = review.enterprise_id
    group_ids = review_group_ids(review)
    grants = list(
        selectors.current_grants()
        .filter(membership__removed_at__isnull=True, membership__group_id__in=group_ids)
        .values_list("pk", "membership__person_id", "membership__group_id", "membership__group__role_type__domain_id")
        .order_by("pk")
    )
    managers = selectors.current_designations().filter(
        enterprise_id=enterprise_id, kind__in=[DesignationKind.GROUP_MANAGER, DesignationKind.ACCESS_MANAGER]
    )
    group_managers = dict(
        managers.filter(kind=DesignationKind.GROUP_MANAGER).values_list("group_id", "person_id").order_by("pk")
    )
    access_managers = dict(
        managers.filter(kind=DesignationKind.ACCESS_MANAGER).values_list("domain_id", "person_id").order_by("pk")
    )
    people = {holder for _pk, holder, _group, _domain in grants}
    people |= set(group_managers.values()) | set(access_managers.values())
    held = standings(people, enterprise_id)
    items = []
    for pk, holder, group_id, domain_id in grants:
        if not policy.is_reviewable(held[holder]):
            continue
        candidates = [held[p] for p in (group_managers.get(group_id), access_managers.get(domain_id)) if p]
        answerer = policy.review_answerer(held[holder], group_id, candidates)
        items.append(AccessReviewItem(review=review, grant_id=pk, answerer_id=answerer))
    return items


def open_items(review: AccessReview):  # type: ignore[no-untyped-def]
    """The items still to answer: no answer yet, and the grant still current."""
    return review.items.filter(selectors.granted_now(), answer=Answer.OPEN)


# --- Reminders -------------------------------------------------------------------------------------


def _main_managers(enterprise_id: int) -> list[int]:
    return list(
        selectors.current_designations()
        .filter(enterprise_id=enterprise_id, kind__in=[DesignationKind.MAIN, DesignationKind.CO_MAIN])
        .values_list("person_id", flat=True)
        .order_by("pk")
    )


def left_to_answer(review: AccessReview) -> dict[int, int]:
    """How many grants each manager has left to answer: those named to answer for them, while they
    still may; the MAM and the co-MAMs for the others."""
    counts = dict(
        open_items(review).values("answerer_id").annotate(count=Count("pk")).values_list("answerer_id", "count")
    )
    named = {pk for pk in counts if pk is not None}
    held = standings(named, review.enterprise_id)
    people: dict[int, int] = {}
    for answerer, count in counts.items():
        if answerer is not None and policy.can_answer_review(held[answerer], review.domain_id):
            people[answerer] = people.get(answerer, 0) + count
            continue
        for main in _main_managers(review.enterprise_id):
            people[main] = people.get(main, 0) + count
    return people


def _due(review: AccessReview, today: date) -> list[str]:
    """The reminders whose day has come (a week before the deadline, the day before), latest last."""
    due = [stage for stage, days in REMINDER_DAYS.items() if review.deadline - timedelta(days=days) <= today]
    return sorted(due, key=lambda stage: -REMINDER_DAYS[stage])


def remind(review: AccessReview, stage: str, today: date | None = None) -> list[int]:
    """Tell each manager with grants left to answer how many, and by when (a notice, gathered into
    their next e-mail in their language); record the stage as sent, with every earlier one whose
    day has come (one reminder covers them). Answer the people told."""
    today = today or timezone.localdate()
    review.reminders = sorted({*review.reminders, stage, *_due(review, today)})
    review.save(update_fields=["reminders"])
    counts = left_to_answer(review)
    domain = review.domain.code if review.domain_id else None  # type: ignore[union-attr]
    told = []
    for person in Person.objects.filter(pk__in=counts).order_by("pk"):
        details = {
            "review": review.pk,
            "count": counts[person.pk],
            "until": review.deadline.isoformat(),
            "domain": domain,
            "ends": review.end_unconfirmed,
        }
        if notices.notice_record(person, review.enterprise, Notice.Kind.REVIEW_REMINDER, by=None, **details):
            told.append(person.pk)
    return told


def due_stage(review: AccessReview, today: date) -> str | None:
    """The reminder to send today, if it was not: the latest whose day has come."""
    due = _due(review, today)
    return due[-1] if due and due[-1] not in review.reminders else None


def reminders_send(today: date | None = None) -> list[int]:
    """Run every morning: send each open review's reminder that is due (a week before its
    deadline, the day before), journaled by the system; answer the people told."""
    today = today or timezone.localdate()
    told: list[int] = []
    for pk in AccessReview.objects.filter(closed_at__isnull=True, deadline__gte=today).values_list("pk", flat=True):
        with transaction.atomic():
            review = (
                AccessReview.objects.select_for_update(of=("self",)).select_related("domain", "enterprise").get(pk=pk)
            )
            stage = due_stage(review, today)
            if review.closed_at is not None or stage is None:
                continue
            people = remind(review, stage, today)
            journal.record(
                Action.REVIEW_REMINDED,
                enterprise=review.enterprise,
                actor=None,
                domain=review.domain,
                after={"review": review.pk, "stage": stage, "managers": len(people)},
            )
            told += people
    return told


# --- Closing at the deadline ---------------------------------------------------------------------------


def _end(review: AccessReview, item: AccessReviewItem, now: datetime) -> int:
    """End the grant of an item not confirmed: revoked by the system, journaled, its holder told."""
    grant = item.grant
    grant.revoked_at, grant.revoked_by = now, None
    grant.save(update_fields=["revoked_at", "revoked_by"])
    item.answer, item.answered_at, item.answered_by = Answer.ENDED, now, None
    item.save(update_fields=["answer", "answered_at", "answered_by"])
    membership = grant.membership
    journal.record(
        Action.REVIEW_ENDED,
        enterprise=review.enterprise,
        actor=None,
        target=membership.person,
        group=membership.group,
        before={"service": grant.service.code},
        after={"review": review.pk},
    )
    details: dict[str, Any] = {"group": membership.group.role_type.code, "service": grant.service.code}
    notice = notices.notice_record(
        membership.person, review.enterprise, Notice.Kind.REVIEW_ENDED, by=None, review=review.pk, **details
    )
    return membership.person_id if notice is not None else 0


def review_close(review_id: int, now: datetime | None = None) -> list[int]:
    """Close one review whose deadline has passed: end what was not confirmed if the enterprise
    chose so, and journal the closing with its answers. Under the enterprise's lock, as every
    write of the enterprise; a review already closed is left as it is. Answer the people told."""
    now = now or timezone.now()
    told: list[int] = []
    with transaction.atomic():
        enterprise_id = AccessReview.objects.values_list("enterprise_id", flat=True).get(pk=review_id)
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise_id)
        review = AccessReview.objects.select_for_update(of=("self",)).select_related("domain").get(pk=review_id)
        review.enterprise = enterprise
        if review.closed_at is not None or review.deadline >= timezone.localdate(now):
            return []
        if review.end_unconfirmed:
            items = (
                open_items(review)
                .select_for_update(of=("self", "grant"))
                .select_related("grant__service", "grant__membership__person", "grant__membership__group__role_type")
                .order_by("pk")
            )
            for item in items:
                if person_id := _end(review, item, now):
                    told.append(person_id)
        answers = selectors.review_progress(review)
        review.closed_at = now
        review.save(update_fields=["closed_at"])
        journal.record(
            Action.REVIEW_CLOSED,
            enterprise=enterprise,
            actor=None,
            domain=review.domain,
            after={
                "review": review.pk,
                "confirmed": answers["confirmed"],
                "revoked": answers["revoked"],
                "ended": answers["ended"],
                "unanswered": answers["open"],
            },
        )
    return sorted(set(told))


def reviews_close_due(now: datetime | None = None) -> list[int]:
    """Run every hour: close every open review whose deadline (a whole day of Brussels) is past."""
    now = now or timezone.now()
    due = AccessReview.objects.filter(closed_at__isnull=True, deadline__lt=timezone.localdate(now))
    told: list[int] = []
    for pk in due.values_list("pk", flat=True).order_by("deadline", "pk"):
        told += review_close(pk, now)
    return told
