"""The import and its undoing, row by row, in the background (docs/design.md §5.14).

Every change goes through the services of access.services, as the actor who uploaded the file, with
the import named in each journal row ({"import": 12}, "via import #12"). Each row is one transaction:
its changes and the record of them (`outcome`, `done`) commit together, or neither does. The rows of
one person are carried out one after the other, and each person concerned is told once, when the run
is over (access.tasks.notices_held). A run that stops (a worker killed) is taken up again where it
was: a row is done once (it is locked and done only while it has no outcome).

This module knows nothing of Celery: imports.tasks runs it.
"""

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from access import selectors, services
from access.models import Grant, Membership, OnlineService
from access.selectors import Actor
from access.services.approvals import AwaitsApproval
from access.tasks import notices_held
from access.writes import ActionRefused
from imports import planning, verdicts, waiting
from imports.columns import EMAIL, GIVEN_NAME, SURNAME
from imports.models import Import, ImportRow
from imports.reading import Row

logger = logging.getLogger(__name__)

CHUNK = 100  # rows weighed together before they are carried out
PROGRESS_EVERY = 10  # rows between two moves of the progress bar
STALLED = timedelta(minutes=10)  # a run whose progress has not moved for this long is taken up again

Done = dict[str, Any]


# --- Taking a run up ---------------------------------------------------------------------------------


def _claim(job_id: int, waiting: str, running: str) -> Import | None:
    """The import, marked as running, if it waits for this run or was left running by one that stopped."""
    with transaction.atomic():
        job = (
            Import.objects.select_for_update()
            .select_related("created_by", "enterprise")
            .filter(pk=job_id, status__in=(waiting, running))
            .first()
        )
        if job is None:
            return None
        job.status = running
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "heartbeat_at"])
    return job


def _actor(job: Import, **via: Any) -> Actor:
    """The manager who uploaded the file, acting for its enterprise with their standing of now."""
    return Actor(
        person=job.created_by,
        enterprise=job.enterprise,
        standing=selectors.standing_of(job.created_by_id, job.enterprise_id),
        ip=job.ip_address,
        via={"import": job.pk, **via},
    )


def _progress(job: Import, count: int, of: int) -> None:
    """Move the progress bar after every PROGRESS_EVERY rows of a chunk, and at its end."""
    if count % PROGRESS_EVERY and count != of:
        return
    moved = count % PROGRESS_EVERY or PROGRESS_EVERY
    Import.objects.filter(pk=job.pk).update(processed=F("processed") + moved, heartbeat_at=timezone.now())


def stalled() -> list[tuple[int, str]]:
    """Imports waiting or running whose progress has not moved for STALLED: their task was lost (the
    broker was down when they were queued, a worker died). (id, status)."""
    waiting = (Import.Status.QUEUED, Import.Status.RUNNING, Import.Status.UNDO_QUEUED, Import.Status.UNDOING)
    rows = Import.objects.filter(status__in=waiting).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=timezone.now() - STALLED)
    )
    return list(rows.values_list("pk", "status"))


def _guarded(step: Callable[[], None], on_refusal: Callable[[verdicts.Verdict], None], where: str) -> None:
    """Run one row's step; a refusal of the policy or of a service is the row's verdict, and an
    unexpected error stops that row only (it is logged), never the rows after it."""
    try:
        step()
    except AwaitsApproval as exc:
        # Past the threshold of people blocked or deleted within the hour: the row's change waits
        # for a second manager, with the other rows of the import that wait (imports.waiting).
        on_refusal(waiting.row_held(exc))
    except (PermissionDenied, ActionRefused, ValidationError) as exc:
        on_refusal(verdicts.refused(verdicts.reason_of(exc)))
    except DatabaseError:
        raise  # the database is away: the run stops, and is taken up again later
    except Exception:  # noqa: BLE001 - one row's error must not stop the thousands after it
        logger.exception("An import row failed (%s)", where)
        on_refusal(verdicts.refused_because("error"))


# --- The import --------------------------------------------------------------------------------------


def run(job_id: int) -> int:
    """Carry out the rows of an import whose dry run foresaw a change; answer how many it went through."""
    job = _claim(job_id, Import.Status.QUEUED, Import.Status.RUNNING)
    if job is None:
        return 0
    actor = _actor(job)
    through = 0
    with translation.override(job.created_by.preferred_language), notices_held():
        while True:
            rows = list(
                job.rows.filter(outcome="", verdict__in=verdicts.CHANGES)
                .select_related("group__role_type")
                .order_by("niss", "line")[:CHUNK]
            )
            if not rows:
                break
            actor = replace(actor, standing=selectors.standing_of(actor.person.pk, actor.enterprise.pk))
            plans = planning.plan(actor, [Row(line=row.line, cells=row.cells) for row in rows])
            for count, (row, plan) in enumerate(zip(rows, plans, strict=True), start=1):
                _carry_out(actor, row, plan)
                _progress(job, count, len(rows))
            through += len(rows)
        # The rows past the threshold wait for a second manager together: one request for the import.
        waiting.rows_ask(actor, job)
    # The rows the dry run foresaw no change for keep its verdict.
    job.rows.filter(outcome="").update(outcome=F("verdict"), outcome_detail=F("detail"))
    Import.objects.filter(pk=job.pk, status=Import.Status.RUNNING).update(
        status=Import.Status.DONE,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        processed=F("changes"),
        carried_out=job.rows.filter(outcome__in=verdicts.CHANGES).count(),
    )
    return through


def _carry_out(actor: Actor, row: ImportRow, plan: planning.Plan) -> None:
    def step() -> None:
        with transaction.atomic():
            if not ImportRow.objects.select_for_update().filter(pk=row.pk, outcome="").exists():
                return  # another run went through it
            done = CARRY_OUT[plan.verdict.code](actor, plan) if plan.verdict.changes else None
            ImportRow.objects.filter(pk=row.pk).update(
                outcome=plan.verdict.code, outcome_detail=plan.verdict.detail, done=done
            )

    def refused(verdict: verdicts.Verdict) -> None:
        ImportRow.objects.filter(pk=row.pk, outcome="").update(outcome=verdict.code, outcome_detail=verdict.detail)

    _guarded(step, refused, f"import {row.job_id}, line {row.line}")


def _membership(plan: planning.Plan) -> Membership:
    if plan.membership is None:  # the weighing finds it for every change but a new user's
        raise ActionRefused(verdicts.WHY["not_member"])
    return plan.membership


def _new_user(actor: Actor, plan: planning.Plan) -> Done:
    if plan.group is None:  # the weighing finds it for every change
        raise ActionRefused(verdicts.WHY["no_group"])
    cells = plan.row.cells
    person = plan.person or services.person_get_or_create(
        plan.niss, given_name=cells[GIVEN_NAME], surname=cells[SURNAME], email=cells[EMAIL]
    )
    membership = services.membership_create(actor, group=plan.group, person=person, services=plan.services)
    grants = selectors.current_grants().filter(membership=membership).order_by("pk").values_list("pk", flat=True)
    return {"membership": membership.pk, "grants": list(grants)}


def _new_grant(actor: Actor, plan: planning.Plan) -> Done:
    membership = _membership(plan)
    grants = [services.grant_create(actor, membership, service).pk for service in plan.services]
    return {"membership": membership.pk, "grants": grants}


def _revoke(actor: Actor, plan: planning.Plan) -> Done:
    membership = _membership(plan)
    for service in plan.services:
        services.grant_revoke(actor, membership, service)
    return {"membership": membership.pk, "services": [service.code for service in plan.services]}


def _delete(actor: Actor, plan: planning.Plan) -> Done:
    membership = _membership(plan)
    held = list(plan.verdict.detail.get("services", []))
    status = membership.status
    services.membership_delete(actor, membership, reason=plan.reason)
    return {"membership": membership.pk, "status": status, "services": held}


def _block(actor: Actor, plan: planning.Plan) -> Done:
    membership = _membership(plan)
    services.membership_block(actor, membership, reason=plan.reason)
    blocked_at = Membership.objects.values_list("blocked_at", flat=True).get(pk=membership.pk)
    return {"membership": membership.pk, "blocked_at": blocked_at.isoformat() if blocked_at else None}


def _unblock(actor: Actor, plan: planning.Plan) -> Done:
    membership = _membership(plan)
    until = membership.blocked_until.isoformat() if membership.blocked_until else None
    reason = membership.block_reason
    services.membership_unblock(actor, membership)
    return {"membership": membership.pk, "reason": reason, "until": until}


CARRY_OUT: dict[str, Callable[[Actor, planning.Plan], Done]] = {
    verdicts.NEW_USER: _new_user,
    verdicts.NEW_GRANT: _new_grant,
    verdicts.REVOKE: _revoke,
    verdicts.DELETE: _delete,
    verdicts.BLOCK: _block,
    verdicts.UNBLOCK: _unblock,
}


# --- The undoing -------------------------------------------------------------------------------------


def undo(job_id: int) -> int:
    """Undo what the import did, last row first, where nothing has changed since; answer how many
    rows it went through."""
    job = _claim(job_id, Import.Status.UNDO_QUEUED, Import.Status.UNDOING)
    if job is None:
        return 0
    actor = _actor(job, undo=True)
    through = 0
    with translation.override(job.created_by.preferred_language), notices_held():
        reason = _("Undoing import #%(number)s") % {"number": job.pk}
        while True:
            rows = list(
                job.rows.filter(outcome__in=verdicts.CHANGES, undo="")
                .select_related("group__role_type")
                .order_by("-line")[:CHUNK]
            )
            if not rows:
                break
            actor = replace(actor, standing=selectors.standing_of(actor.person.pk, actor.enterprise.pk))
            for count, row in enumerate(rows, start=1):
                _undo_row(actor, row, reason)
                _progress(job, count, len(rows))
            through += len(rows)
    Import.objects.filter(pk=job.pk, status=Import.Status.UNDOING).update(
        status=Import.Status.UNDONE, undone_at=timezone.now(), heartbeat_at=timezone.now(), processed=F("carried_out")
    )
    return through


def _undo_row(actor: Actor, row: ImportRow, reason: str) -> None:
    def step() -> None:
        with transaction.atomic():
            if not ImportRow.objects.select_for_update().filter(pk=row.pk, undo="").exists():
                return
            why = UNDO[row.outcome](actor, row.done or {}, reason)
            if why is None:
                ImportRow.objects.filter(pk=row.pk).update(undo=verdicts.UNDONE, undo_detail={})
            else:
                ImportRow.objects.filter(pk=row.pk).update(undo=verdicts.NOT_UNDONE, undo_detail={"why": why})

    def refused(verdict: verdicts.Verdict) -> None:
        ImportRow.objects.filter(pk=row.pk, undo="").update(undo=verdicts.NOT_UNDONE, undo_detail=verdict.detail)

    _guarded(step, refused, f"undoing import {row.job_id}, line {row.line}")


def _current(done: Done) -> Membership | None:
    """The membership the import changed, if it is still current."""
    return (
        selectors.current_memberships()
        .select_related("person", "group__role_type")
        .filter(pk=done.get("membership") or 0)
        .first()
    )


def _grant_ids(membership: Membership) -> set[int]:
    return set(selectors.current_grants().filter(membership=membership).values_list("pk", flat=True))


def _undo_new_user(actor: Actor, done: Done, reason: str) -> str | None:
    membership = _current(done)
    if membership is None:
        return "removed"
    if membership.is_blocked:
        return "blocked"
    if _grant_ids(membership) != set(done.get("grants", [])):
        return "grants_changed"
    services.membership_delete(actor, membership, reason=reason)
    return None


def _undo_new_grant(actor: Actor, done: Done, reason: str) -> str | None:
    membership = _current(done)
    if membership is None:
        return "removed"
    if not set(done.get("grants", [])) <= _grant_ids(membership):
        return "revoked"
    for grant in Grant.objects.filter(pk__in=done["grants"]).select_related("service").order_by("pk"):
        services.grant_revoke(actor, membership, grant.service)
    return None


def _undo_revoke(actor: Actor, done: Done, reason: str) -> str | None:
    membership = _current(done)
    if membership is None:
        return "removed"
    codes = done.get("services", [])
    if selectors.current_grants().filter(membership=membership, service__code__in=codes).exists():
        return "granted"
    for service in OnlineService.objects.filter(code__in=codes).order_by("code"):
        services.grant_create(actor, membership, service)
    return None


def _undo_delete(actor: Actor, done: Done, reason: str) -> str | None:
    if done.get("status") == Membership.Status.BLOCKED:
        return "was_blocked"
    removed = Membership.objects.select_related("person", "group").get(pk=done["membership"])
    if selectors.current_memberships().filter(person=removed.person, group=removed.group).exists():
        return "member_again"
    again = OnlineService.objects.filter(code__in=done.get("services", [])).order_by("code")
    services.membership_create(actor, group=removed.group, person=removed.person, services=again)
    return None


def _undo_block(actor: Actor, done: Done, reason: str) -> str | None:
    membership = _current(done)
    if membership is None:
        return "removed"
    blocked_at = membership.blocked_at.isoformat() if membership.blocked_at else None
    if not membership.is_blocked or blocked_at != done.get("blocked_at"):
        return "unblocked"
    services.membership_unblock(actor, membership)
    return None


def _undo_unblock(actor: Actor, done: Done, reason: str) -> str | None:
    membership = _current(done)
    if membership is None:
        return "removed"
    if membership.is_blocked:
        return "blocked"
    until = date.fromisoformat(done["until"]) if done.get("until") else None
    services.membership_block(actor, membership, reason=done.get("reason") or reason, until=until)
    return None


UNDO: dict[str, Callable[[Actor, Done, str], str | None]] = {
    verdicts.NEW_USER: _undo_new_user,
    verdicts.NEW_GRANT: _undo_new_grant,
    verdicts.REVOKE: _undo_revoke,
    verdicts.DELETE: _undo_delete,
    verdicts.BLOCK: _undo_block,
    verdicts.UNBLOCK: _undo_unblock,
}
