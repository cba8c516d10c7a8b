"""Celery tasks of the access model: telling people of changes to their access (access.notices),
and recording the ends of grants and blocks that reached their end date (access.ends).

The gathering of a person's notices is queued when the change commits, to run once its batch has
closed; beat sweeps every minute the batches whose task was lost (a broker down, a worker killed),
looks every morning at the grants that end soon and every hour at the end dates that have passed.
Tasks take ids and may run twice: a notice is gathered once, an end recorded once.
"""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from celery import shared_task
from django.conf import settings
from django.db import transaction

from access import approvals, ends, notices, reviews, unused
from accounts.tasks import queue

logger = logging.getLogger(__name__)

# The people told of a run of changes that is still going (`notices_held`): gathered once, at its end.
_held: ContextVar[set[int] | None] = ContextVar("notices_held", default=None)


def notices_queue(person_id: int) -> None:
    """Gather the person's notices a batch after the current transaction commits: a change rolled
    back tells nobody, and the changes that follow within the batch go into the same e-mail."""
    held = _held.get()
    if held is not None:
        held.add(person_id)
        return
    transaction.on_commit(lambda: _publish(person_id))


@contextmanager
def notices_held() -> Iterator[None]:
    """A run of changes that commit one by one (the rows of an import): each person's notices are
    gathered once the run is over, into one e-mail, whatever the batch (NOTICE_BATCH_SECONDS is 0
    with tasks inline). The notices themselves are recorded as the changes commit; only their
    gathering waits, so a run that stops halfway loses nothing (the sweep gathers what is left)."""
    people: set[int] = set()
    token = _held.set(people)
    try:
        yield
    finally:
        _held.reset(token)
        for person_id in sorted(people):
            notices_queue(person_id)


def _publish(person_id: int) -> None:
    try:
        # A second more than the batch: a worker's clock a little ahead still finds it closed.
        countdown = settings.NOTICE_BATCH_SECONDS + 1 if settings.NOTICE_BATCH_SECONDS else 0
        notices_send.apply_async((person_id,), countdown=countdown)
    except Exception as exc:  # noqa: BLE001 - the broker is down: the sweep gathers them later
        logger.warning(
            "Notices of person %s wait for the sweep: the task queue is unavailable (%s)", person_id, type(exc).__name__
        )


@shared_task(acks_late=True)
def notices_send(person_id: int) -> int:
    """Gather one person's notices into one e-mail if their batch has closed, and queue it."""
    messages = notices.notices_gather(person_id)
    queue(messages)
    return len(messages)


@shared_task
def notices_sweep() -> int:
    """Run every minute by Celery beat: gather the notices of everyone whose batch has closed."""
    sent = 0
    for person_id in notices.people_due():
        messages = notices.notices_gather(person_id)
        queue(messages)
        sent += len(messages)
    return sent


@shared_task
def grants_expiring_tell() -> int:
    """Run every morning by Celery beat: record a notice for each grant that ends within 14 days
    and has not been told of; the sweep sends them."""
    return notices.expiring_grants_record()


# --- Access over time: end dates, reviews and unused access (docs/design.md §5.10, §5.13) -----------


def _queue_notices(people: Iterable[int]) -> int:
    told = set(people)
    for person_id in sorted(told):
        notices_queue(person_id)
    return len(told)


@shared_task
def end_dates_reached() -> int:
    """Run every hour by Celery beat: record the end of each grant and block whose end date has
    passed (revoked or lifted by the portal, journaled), and tell the people concerned."""
    ended, told = ends.end_dates_reach()
    _queue_notices(told)
    return ended


@shared_task
def reviews_close() -> int:
    """Run every hour by Celery beat: close the access reviews whose deadline has passed, ending
    what was not confirmed where the enterprise chose so; the people whose access ended are told."""
    return _queue_notices(reviews.reviews_close_due())


@shared_task
def reviews_remind() -> int:
    """Run every morning by Celery beat: remind the managers with grants left to answer, a week
    and a day before the deadline of a review."""
    return _queue_notices(reviews.reminders_send())


@shared_task
def unused_grants_end() -> int:
    """Run every morning by Celery beat: warn the holders of grants that end unused in 14 days,
    and end those whose day has come, in the enterprises that chose so."""
    return _queue_notices(unused.unused_grants_sweep())


@shared_task
def approvals_expire() -> int:
    """Run every hour by Celery beat: the requests for a second approval left waiting for 7 days
    expire and do nothing; their requesters are told (docs/design.md §5.15)."""
    return _queue_notices(approvals.approvals_expire())
