"""Where the outbox meets Celery: the two tasks, and the handing of message ids to the worker.

The outbox (`accounts/outbox.py`) writes the rows and makes the attempts; this module queues them.
It imports the outbox, never the other way round.
"""

import logging

from celery import shared_task
from django.db import transaction

from accounts import outbox
from accounts.models import OutboundMessage

logger = logging.getLogger(__name__)


def queue(messages: list[OutboundMessage]) -> None:
    """Hand the pending messages to the worker once the current transaction commits: a change that
    is rolled back sends nothing."""
    ids = [message.pk for message in messages if message.status == OutboundMessage.Status.PENDING]
    if ids:
        transaction.on_commit(lambda: publish(ids))


def publish(ids: list[int]) -> None:
    """Queue one delivery per message now. A message the broker does not take stays pending, and
    the sweeper queues it when it is due."""
    for message_id in ids:
        try:
            deliver_message.delay(message_id)
        except Exception as exc:  # noqa: BLE001 - the broker is down: the sweeper retries later
            logger.warning(
                "Message %s stays pending: the task queue is unavailable (%s)", message_id, type(exc).__name__
            )


@shared_task(acks_late=True)
def deliver_message(message_id: int) -> str:
    """Make one attempt at one outbox row by id; safe to run twice. It never retries itself: the
    sweeper queues the row again when its next attempt is due. A message sent releases the ones
    waiting on it (the SMS after the username e-mail), which are queued in their turn."""
    attempt = outbox.attempt(message_id)
    queue(attempt.released)
    return attempt.status


@shared_task
def flush_outbox() -> int:
    """Run every minute by Celery beat: queue the pending messages whose attempt is due."""
    due = outbox.claim_due()
    publish(due)
    return len(due)
