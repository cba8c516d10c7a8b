"""The rows of an import that wait for a second manager (docs/design.md §5.15, decisions.md §18.10).

Past the threshold of people blocked or deleted within the hour, a row's block or deletion waits. Its
service raised AwaitsApproval and its transaction rolled back: the row is refused with that reason and
keeps what waits (`held`: the kind, the person and the params of the service's own request). Once
the run went through every row, the rows that wait are asked for together, in one request of the
kind `import_rows` for the import, or one for each ROWS_PER_REQUEST rows of a longer file
(`rows_ask`): its number goes into each row's verdict, the journal records it once and each second
manager is told once.

Approved, the request carries out each row's change as the requester, through its own service (the
kind registered by the service, as for a block asked on a page), the policy and the conflicts asked
again. They are carried out in the approval's transaction, each row in a savepoint of its own: a row
refused then (the person left the group, was blocked since) is named in the request's outcome, and
the other rows are done. Refused or expired, nothing is done.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from access import approvals, notices
from access.models import ApprovalRequest
from access.selectors import Actor
from access.services.approvals import AwaitsApproval, Held, held_record
from access.writes import ActionRefused
from imports import verdicts
from imports.models import Import, ImportRow

IMPORT_ROWS = "import_rows"
HELD = "held"
REQUEST = "request"
# The rows one request holds at most: its approval is one web request, about 14 queries a row, and
# must end well within the server's timeout (a longer file asks in several requests).
ROWS_PER_REQUEST = 200
# The rows of a request's outcome named one by one, before "…".
OUTCOME_LENGTH = ApprovalRequest._meta.get_field("outcome").max_length or 500


def row_held(exc: AwaitsApproval) -> verdicts.Verdict:
    """The verdict of a row whose change waits: refused with the reason, keeping what waits until the
    run asks for it (`rows_ask`)."""
    held = exc.held
    what = {"kind": held.kind, "target": held.target.pk if held.target else None, "params": held.params}
    return verdicts.refused(exc.message, **{HELD: what})


def rows_ask(actor: Actor, job: Import) -> list[ApprovalRequest]:
    """Ask a second manager for the rows of the import that wait and are not asked for yet, in one
    request of at most ROWS_PER_REQUEST rows (several for a longer file); each row's verdict then
    names its request. A run taken up again asks for the rows it held since."""
    with transaction.atomic():
        rows = list(
            job.rows.select_for_update()
            .filter(outcome=verdicts.REFUSED, outcome_detail__has_key=HELD)
            .exclude(outcome_detail__has_key=REQUEST)
            .order_by("line")
        )
        asked = []
        for start in range(0, len(rows), ROWS_PER_REQUEST):
            part = rows[start : start + ROWS_PER_REQUEST]
            people = {row.outcome_detail[HELD]["target"] for row in part}
            params = {"import": job.pk, "file": job.filename, "rows": len(part), "people": len(people)}
            # The first line keeps two parts of one file apart (`held_record` finds a request by its params).
            request = held_record(Held(actor, IMPORT_ROWS, None, params | {"from_line": part[0].line}))
            for row in part:
                row.outcome_detail = {**row.outcome_detail, REQUEST: request.pk}
            asked.append(request)
        ImportRow.objects.bulk_update(rows, ["outcome_detail"], batch_size=1000)
    return asked


def _part(request: ApprovalRequest, held: dict[str, Any]) -> ApprovalRequest:
    """One row's change, as the request its service would have made for it alone (never saved): the
    service reads its params and knows it is carried out once approved."""
    return ApprovalRequest(
        pk=request.pk,
        enterprise_id=request.enterprise_id,
        kind=held.get("kind", ""),
        params=held.get("params") or {},
        target_id=held.get("target"),
        requested_by_id=request.requested_by_id,
        requested_at=request.requested_at,
        expires_at=request.expires_at,
    )


@approvals.approvable(IMPORT_ROWS, describe=lambda params, name, names: notices.import_rows_what(params))
def _rows_approved(requester: Actor, request: ApprovalRequest) -> str:
    """Carry out the rows that wait, each through its own service as the requester; answer the rows
    refused then, with why (the request's outcome), or refuse the whole when none could be done."""
    rows = ImportRow.objects.filter(
        job_id=request.params.get("import"),
        job__enterprise_id=request.enterprise_id,
        **{f"outcome_detail__{REQUEST}": request.pk},
    ).order_by("line")
    failed: list[str] = []
    total = 0
    for row in rows.iterator():
        total += 1
        held = row.outcome_detail.get(HELD) or {}
        kind = approvals.KINDS.get(held.get("kind", ""))
        try:
            if kind is None:
                raise ActionRefused(_("This action can no longer be approved here."))
            with transaction.atomic():
                kind.carry_out(requester, _part(request, held))
        except (PermissionDenied, ActionRefused, ValidationError) as exc:
            failed.append(_("line %(line)s: %(reason)s") % {"line": row.line, "reason": verdicts.reason_of(exc)})
    if not total:
        raise ActionRefused(_("The rows of this import are no longer there."))
    if not failed:
        return ""
    outcome = ngettext(
        "%(count)s of %(rows)s row not carried out: %(lines)s",
        "%(count)s of %(rows)s rows not carried out: %(lines)s",
        total,
    ) % {"count": len(failed), "rows": total, "lines": "; ".join(failed)}
    outcome = Truncator(outcome).chars(OUTCOME_LENGTH)
    if len(failed) == total:
        raise ActionRefused(outcome)
    return outcome
