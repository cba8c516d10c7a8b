"""Tasks of the portal as a whole, run by Celery beat."""

from celery import shared_task

from portal import sessions


@shared_task
def clear_sessions() -> None:
    sessions.clear_ended()
