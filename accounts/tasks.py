from celery import shared_task

from accounts import outbox


@shared_task(acks_late=True)
def deliver_message(message_id: int) -> str:
    """Make one attempt at one outbox row by id; safe to run twice. It never retries itself: the
    sweeper queues the row again when its next attempt is due."""
    return outbox.deliver(message_id)


@shared_task
def flush_outbox() -> int:
    """Run every minute by Celery beat: queue the pending messages whose attempt is due."""
    return outbox.flush()
