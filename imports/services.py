"""The writes of imports (docs/design.md §5.14): a file read and weighed (the dry run, which changes
nothing of the access model), its import queued, its undoing queued. The import itself runs in the
background (imports.running, through imports.tasks), and changes the access model only through the
services of access.services."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import policy, selectors
from access.selectors import Actor
from access.writes import ActionRefused, check
from imports import planning, reading, tasks
from imports.models import Import, ImportRow

# How long a dry run may be imported, and an import undone once it is over.
PREVIEW_VALID = timedelta(hours=24)
UNDO_WINDOW = timedelta(hours=24)


def import_preview(actor: Actor, *, filename: str, data: bytes) -> Import:
    """Read the file and weigh every row (reading.FileRefused when it cannot be read): the import
    and its rows are kept with their verdicts; nothing else changes. The rows go in in one insert
    (PostgreSQL takes the 10,000 of a full file in one statement): as many queries for any file."""
    check(policy.can_import(actor.standing))
    read = reading.read(data)
    plans = planning.plan(actor, read.rows)
    with transaction.atomic():
        job = Import.objects.create(
            enterprise=actor.enterprise,
            created_by=actor.person,
            filename=filename[:255],
            encoding=read.encoding,
            separator=read.separator,
            total=len(plans),
            changes=sum(1 for plan in plans if plan.verdict.changes),
        )
        ImportRow.objects.bulk_create(
            [
                ImportRow(
                    job=job,
                    line=plan.row.line,
                    cells=plan.row.cells,
                    niss=plan.niss,
                    group=plan.group,
                    action=plan.action,
                    verdict=plan.verdict.code,
                    detail=plan.verdict.detail,
                )
                for plan in plans
            ],
        )
    return job


def _locked(actor: Actor, job: Import) -> Import:
    """The import, locked, if it is still the actor's and they may still import."""
    locked = Import.objects.select_for_update().get(pk=job.pk, enterprise=actor.enterprise, created_by=actor.person)
    check(policy.can_import(selectors.standing_of(actor.person.pk, actor.enterprise.pk)))
    return locked


def preview_valid_until(job: Import) -> datetime:
    return job.created_at + PREVIEW_VALID


def undo_possible_until(job: Import) -> datetime | None:
    return job.finished_at + UNDO_WINDOW if job.finished_at else None


def can_commit(job: Import) -> bool:
    return job.status == Import.Status.PREVIEW and job.changes > 0 and timezone.now() < preview_valid_until(job)


def can_undo(job: Import) -> bool:
    until = undo_possible_until(job)
    return job.status == Import.Status.DONE and job.carried_out > 0 and until is not None and timezone.now() < until


def import_commit(actor: Actor, job: Import) -> Import:
    """Queue the import of a checked file: it runs in the background, row by row."""
    with transaction.atomic():
        job = _locked(actor, job)
        if job.status != Import.Status.PREVIEW:
            raise ActionRefused(_("This import has already been started."))
        if timezone.now() >= preview_valid_until(job):
            raise ActionRefused(_("This check of the file is more than a day old: upload the file again."))
        if not job.changes:
            raise ActionRefused(_("This file changes nothing: there is nothing to import."))
        now = timezone.now()
        job.status = Import.Status.QUEUED
        job.committed_at = job.heartbeat_at = now
        job.ip_address = actor.ip
        job.processed = 0
        job.save(update_fields=["status", "committed_at", "heartbeat_at", "ip_address", "processed"])
        tasks.queue_run(job.pk)
    return job


def import_undo(actor: Actor, job: Import) -> Import:
    """Queue the undoing of an import that ended less than UNDO_WINDOW ago."""
    with transaction.atomic():
        job = _locked(actor, job)
        if job.status != Import.Status.DONE:
            raise ActionRefused(_("This import cannot be undone now."))
        if not can_undo(job):
            raise ActionRefused(_("An import can be undone within 24 hours of its end; this one ended earlier."))
        now = timezone.now()
        job.status = Import.Status.UNDO_QUEUED
        job.undo_requested_at = job.heartbeat_at = now
        job.ip_address = actor.ip
        job.processed = 0
        job.save(update_fields=["status", "undo_requested_at", "heartbeat_at", "ip_address", "processed"])
        tasks.queue_undo(job.pk)
    return job
