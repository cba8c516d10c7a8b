from celery import shared_task

from accounts import outbox


@shared_task(
    autoretry_for=(outbox.DeliveryError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
    acks_late=True,
)
def deliver_message(message_id: int) -> str:
    """Deliver one outbox row by id; safe to run twice."""
    return outbox.deliver(message_id)


@shared_task
def flush_outbox() -> int:
    """Run every minute by Celery beat: queue the messages left pending."""
    return outbox.flush()
