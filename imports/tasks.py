"""Celery tasks of imports: the import and its undoing run in a worker (imports.running), queued
when the manager's request commits; beat takes up every minute the runs whose task was lost. Tasks
take ids and may run twice: a row is carried out, and undone, once."""

import logging

from celery import shared_task
from django.db import transaction

from imports import running
from imports.models import Import

logger = logging.getLogger(__name__)


def queue_run(job_id: int) -> None:
    transaction.on_commit(lambda: _publish(import_run, job_id))


def queue_undo(job_id: int) -> None:
    transaction.on_commit(lambda: _publish(import_undo, job_id))


def _publish(task, job_id: int) -> None:  # type: ignore[no-untyped-def]
    try:
        task.delay(job_id)
    except Exception as exc:  # noqa: BLE001 - the broker is down: beat takes the import up later
        logger.warning("Import %s waits: the task queue is unavailable (%s)", job_id, type(exc).__name__)


@shared_task(acks_late=True)
def import_run(job_id: int) -> int:
    """Carry out an import that a manager committed."""
    return running.run(job_id)


@shared_task(acks_late=True)
def import_undo(job_id: int) -> int:
    """Undo an import, as far as nothing has changed since."""
    return running.undo(job_id)


@shared_task
def imports_resume() -> int:
    """Run every minute by Celery beat: queue again the imports whose progress stopped."""
    found = running.stalled()
    for job_id, status in found:
        undoing = status in (Import.Status.UNDO_QUEUED, Import.Status.UNDOING)
        _publish(import_undo if undoing else import_run, job_id)
    return len(found)
