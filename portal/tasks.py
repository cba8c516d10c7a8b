"""Tasks of the portal as a whole, run by Celery beat."""

from celery import shared_task

from portal import sessions, worker


@shared_task
def clear_sessions() -> None:
    sessions.clear_ended()


@shared_task
def record_heartbeat() -> None:
    """Run every minute by Celery beat: a worker ran a task queued less than a minute ago (the
    schedule lets it expire after that), so /health/ knows the worker keeps up."""
    worker.record_heartbeat()
