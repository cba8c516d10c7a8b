"""Access over time, as managers act on it (docs/design.md §5.13): the MAM or a co-MAM starts an
access review; each manager confirms or revokes the grants they answer for; the MAM or a co-MAM
sets how long a grant may stay unused before it ends.

What happens without anyone acting (reminders, the closing at the deadline, the ending of unused
grants) is in access/reviews.py and access/unused.py.
"""

from collections.abc import Iterable
from datetime import date

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from access import policy, reviews, selectors, tasks
from access.models import AccessReview, AccessReviewItem, Domain, UnusedAccessSetting
from access.selectors import Actor
from access.services.users import grant_revoke
from access.writes import Action, ActionRefused, check, locked, record

Answer = AccessReviewItem.Answer


def review_start(actor: Actor, *, domain: Domain | None, deadline: date, end_unconfirmed: bool) -> AccessReview:
    """Start a review of the whole enterprise (no domain) or of one domain: every grant it covers
    is asked about, each manager with grants to answer for is told at once."""
    with locked(actor, _("An access review has just been started. Reload the page.")) as actor:
        check(policy.can_start_review(actor.standing, domain.pk if domain else None))
        if not (decision := policy.review_deadline(timezone.localdate(), deadline)):
            raise ActionRefused(decision.reason)
        current = AccessReview.objects.filter(enterprise=actor.enterprise, closed_at__isnull=True).first()
        if current is not None:
            raise ActionRefused(
                _("An access review is already open in this enterprise until %(date)s: one at a time.")
                % {"date": formats.date_format(current.deadline, "DATE_FORMAT")}
            )
        review = AccessReview.objects.create(
            enterprise=actor.enterprise,
            domain=domain,
            started_by=actor.person,
            deadline=deadline,
            end_unconfirmed=end_unconfirmed,
        )
        items = AccessReviewItem.objects.bulk_create(reviews.items_for(review), batch_size=1000)
        record(
            actor,
            Action.REVIEW_STARTED,
            domain=domain,
            after={
                "review": review.pk,
                "deadline": deadline.isoformat(),
                "end_unconfirmed": end_unconfirmed,
                "grants": len(items),
            },
        )
        for person_id in reviews.remind(review, reviews.START):
            tasks.notices_queue(person_id)
    return review


def _locked_item(actor: Actor, review: AccessReview, item: AccessReviewItem) -> tuple[AccessReview, AccessReviewItem]:
    """The review as it is now and its item, locked, with its grant, holder and group."""
    review = AccessReview.objects.select_for_update().get(pk=review.pk, enterprise=actor.enterprise)
    locked_item = (
        AccessReviewItem.objects.select_for_update(of=("self",))
        .select_related("grant__service", "grant__membership__person", "grant__membership__group__role_type__domain")
        .filter(pk=item.pk, review=review)
        .first()
    )
    if locked_item is None:
        raise ActionRefused(_("This online service is not in this access review."))
    return review, locked_item


def _answerable(actor: Actor, review: AccessReview, item: AccessReviewItem) -> None:
    membership = item.grant.membership
    holder = selectors.standing_of(membership.person_id, actor.enterprise.pk, actor.standing)
    check(policy.can_review_grant(actor.standing, holder, membership.group_id, review_open=review.is_open))
    granted = selectors.current_grants().filter(pk=item.grant_id).exists()
    if item.answer in (Answer.REVOKED, Answer.ENDED) or not granted:
        raise ActionRefused(_("This online service is no longer granted: there is nothing to answer."))


def _confirm(actor: Actor, review: AccessReview, item: AccessReviewItem) -> None:
    item.answer, item.answered_by, item.answered_at = Answer.CONFIRMED, actor.person, timezone.now()
    item.save(update_fields=["answer", "answered_by", "answered_at"])
    membership = item.grant.membership
    record(
        actor,
        Action.REVIEW_CONFIRMED,
        target=membership.person,
        group=membership.group,
        after={"service": item.grant.service.code, "review": review.pk},
    )


def review_grant_confirm(actor: Actor, review: AccessReview, item: AccessReviewItem) -> None:
    """Confirm that the holder still needs the grant."""
    with locked(actor, _("This access review has just changed. Reload the page.")) as actor:
        review, item = _locked_item(actor, review, item)
        _answerable(actor, review, item)
        if item.answer == Answer.CONFIRMED:
            raise ActionRefused(_("This online service is already confirmed."))
        _confirm(actor, review, item)


def review_grants_confirm(actor: Actor, review: AccessReview, items: Iterable[AccessReviewItem]) -> int:
    """Confirm every grant still to answer among these (a page of them); answer how many. One
    that the actor may not answer for refuses them all."""
    confirmed = 0
    with locked(actor, _("This access review has just changed. Reload the page.")) as actor:
        for given in sorted(items, key=lambda item: item.pk):
            review, item = _locked_item(actor, review, given)
            membership = item.grant.membership
            holder = selectors.standing_of(membership.person_id, actor.enterprise.pk, actor.standing)
            check(policy.can_review_grant(actor.standing, holder, membership.group_id, review_open=review.is_open))
            if item.answer != Answer.OPEN or not selectors.current_grants().filter(pk=item.grant_id).exists():
                continue  # answered meanwhile, or no longer granted
            _confirm(actor, review, item)
            confirmed += 1
    return confirmed


def review_grant_revoke(actor: Actor, review: AccessReview, item: AccessReviewItem) -> None:
    """Revoke the grant as the answer in the review: through grant_revoke, which journals the
    revocation with the review and tells the holder."""
    with locked(actor, _("This access review has just changed. Reload the page.")) as actor:
        review, item = _locked_item(actor, review, item)
        _answerable(actor, review, item)
        grant_revoke(actor, item.grant.membership, item.grant.service, review=review)
        item.answer, item.answered_by, item.answered_at = Answer.REVOKED, actor.person, timezone.now()
        item.save(update_fields=["answer", "answered_by", "answered_at"])


# --- Unused access -------------------------------------------------------------------------------


def unused_access_change(actor: Actor, months: int | None) -> UnusedAccessSetting:
    """End the enterprise's grants once unused for `months` (None: never, the default)."""
    with locked(actor, _("This setting has just changed. Reload the page.")) as actor:
        check(policy.can_change_unused_access(actor.standing))
        if months is not None and months not in policy.UNUSED_MONTHS:
            raise ActionRefused(_("Choose a number of months from the list."))
        setting, _created = UnusedAccessSetting.objects.select_for_update().get_or_create(enterprise=actor.enterprise)
        if setting.months == months:
            raise ActionRefused(_("This is already the setting: nothing changed."))
        before = setting.months
        setting.months, setting.changed_by, setting.changed_at = months, actor.person, timezone.now()
        setting.save(update_fields=["months", "changed_by", "changed_at"])
        record(
            actor,
            Action.UNUSED_ACCESS_CHANGED,
            before={"months": before or "off"},
            after={"months": months or "off"},
        )
    return setting
