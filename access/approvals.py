"""Four eyes on the dangerous few actions (docs/design.md §5.15): what waits for a second manager,
who that can be, the requests an actor sees, and the sweep that expires the requests left waiting.

The actions that wait are a registry, `KINDS`: each kind says how it reads and how it is carried
out once approved, through the same service as on its page. A service that does such an action
asks `access.services.approvals.hold` first, and registers its kind with `approvable`:

    @approvals.approvable("mandate_end", describe=_mandate_described)
    def _mandate_end_approved(actor, request): mandate_end(actor, ..., approval=request)

Carried out, the action runs as the requester (their standing as of then: the policy asks again),
with `via` naming the request, so its journal row reads "approved by …".

This module knows nothing of Celery nor of the services: `access/tasks.py` runs the sweep.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from access import journal, notices, policy, selectors
from access.models import (
    ApprovalRequest,
    AuditEvent,
    Domain,
    Enterprise,
    FourEyesSetting,
    OnlineService,
    Person,
    RoleType,
)
from access.policy import DesignationKind

Status = ApprovalRequest.Status


@dataclass(frozen=True)
class ApprovableKind:
    """An action that waits for a second manager: how it reads (from its request's params, in the
    reader's language), and how it is carried out as `carry_out(requester, request)`. A text it
    answers is the approved request's outcome: what of it was refused then (the rows of an import)."""

    code: str
    describe: Callable[[dict[str, Any], str, Mapping[str, str]], str]
    carry_out: Callable[[Any, ApprovalRequest], object]


KINDS: dict[str, ApprovableKind] = {}


def approvable(
    code: str, *, describe: Callable[[dict[str, Any], str, Mapping[str, str]], str]
) -> Callable[[Callable[[Any, ApprovalRequest], object]], Callable[[Any, ApprovalRequest], object]]:
    """Register `code` as an action that waits for a second manager, carried out by the function."""

    def register(carry_out: Callable[[Any, ApprovalRequest], object]) -> Callable[[Any, ApprovalRequest], object]:
        KINDS[code] = ApprovableKind(code, describe, carry_out)
        return carry_out

    return register


def described(requests: Iterable[ApprovalRequest]) -> list[tuple[ApprovalRequest, str]]:
    """Each request with what it asks, in the active language ("Designate Ann Smith as co-Main
    Access Manager"), the names of the catalogue read once for all of them."""
    requests = list(requests)
    names = catalogue_names(requests)
    return [(request, describe(request.kind, request.params, request.target, names)) for request in requests]


def catalogue_names(requests: Iterable[ApprovalRequest]) -> dict[str, str]:
    """The names of the domains ("domain:finance"), groups ("group:employer") and online services
    ("service:dimona") the requests name, in the active language: a query for each, and none when
    no request names one."""
    params = [request.params for request in requests]
    names: dict[str, str] = {}
    for key, model in (("domain", Domain), ("group", RoleType)):
        codes = {p.get(key) for p in params} - {None, ""}
        if codes:
            names |= {f"{key}:{entry.code}": entry.name for entry in model.objects.filter(code__in=codes)}
    services = {code for p in params for code in p.get("services", [])}
    if services:
        names |= {f"service:{entry.code}": entry.name for entry in OnlineService.objects.filter(code__in=services)}
    return names


def describe(kind: str, params: Mapping[str, Any], target: Person | None, names: Mapping[str, str]) -> str:
    approvable_kind = KINDS.get(kind)
    name = target.full_name if target else ""
    return approvable_kind.describe(dict(params), name, names) if approvable_kind else kind


# --- Who approves ---------------------------------------------------------------------------------


def _main_managers(enterprise: Enterprise) -> set[int]:
    kinds = (DesignationKind.MAIN, DesignationKind.CO_MAIN)
    return set(
        selectors.current_designations()
        .filter(enterprise=enterprise, kind__in=kinds)
        .values_list("person_id", flat=True)
    )


def four_eyes_enabled(enterprise: Enterprise) -> tuple[bool, FourEyesSetting | None]:
    """Whether the dangerous few actions wait, and the setting that says so: the Main Access
    Manager's choice; without one, they wait where there is more than one MAM or co-MAM."""
    setting = FourEyesSetting.objects.filter(enterprise=enterprise).select_related("changed_by").first()
    if setting is not None:
        return setting.enabled, setting
    return len(_main_managers(enterprise)) > 1, None


def second_managers(enterprise: Enterprise, requester: Person) -> list[Person]:
    """Who may approve the requester's action: the MAM, the co-MAMs and the legal representatives,
    but the requester, as the policy counts them (not blocked for all groups)."""
    ids = _main_managers(enterprise) | set(
        selectors.current_legal_representatives().filter(enterprise=enterprise).values_list("person_id", flat=True)
    )
    ids.discard(requester.pk)
    standings = selectors.standings_of(ids, enterprise.pk)
    approvers = {pk for pk in ids if policy.counts_as_second_manager(standings[pk])}
    return list(Person.objects.filter(pk__in=approvers).order_by("pk"))


# --- What an actor sees ----------------------------------------------------------------------------


def requests_of(enterprise: Enterprise) -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.filter(enterprise=enterprise).select_related("requested_by", "target", "decided_by")


def pending_requests(enterprise: Enterprise, now: datetime | None = None) -> QuerySet[ApprovalRequest]:
    """The requests still waiting, oldest first; one past its expiry is no longer shown."""
    now = now or timezone.now()
    return requests_of(enterprise).filter(status=Status.PENDING, expires_at__gt=now).order_by("requested_at", "pk")


def decided_requests(enterprise: Enterprise, count: int = 10) -> list[ApprovalRequest]:
    """The latest requests decided or expired: what became of them."""
    return list(requests_of(enterprise).exclude(status=Status.PENDING).order_by("-decided_at", "-pk")[:count])


def is_pending(request: ApprovalRequest, now: datetime | None = None) -> bool:
    return request.status == Status.PENDING and request.expires_at > (now or timezone.now())


# --- The sweep ----------------------------------------------------------------------------------------


# The codes and names of a request's params that its notices keep (a mandate's: the other enterprise, the
# services; an import's rows: the import, its file, how many rows and people).
TOLD_PARAMS = ("kind", "domain", "group", "enterprise", "services", "import", "file", "rows", "people")


def told_details(request: ApprovalRequest) -> dict[str, Any]:
    """What a notice of the request keeps: codes and the names of the people, read back in the
    reader's language (access.notices)."""
    return {
        "action": request.kind,
        "person": request.target.full_name if request.target else "",
        "requester": request.requested_by.full_name,
        "until": timezone.localdate(request.expires_at).isoformat(),
        "status": request.status,
        **{key: value for key, value in request.params.items() if key in TOLD_PARAMS},
    }


def approvals_expire(now: datetime | None = None) -> list[int]:
    """Run every hour: each request still waiting past its expiry expires; nothing is done, the
    journal says so and the requester is told. Answers the people told."""
    now = now or timezone.now()
    told: list[int] = []
    due = ApprovalRequest.objects.filter(status=Status.PENDING, expires_at__lte=now)
    for pk in due.values_list("pk", flat=True).order_by("expires_at", "pk"):
        with transaction.atomic():
            request = (
                ApprovalRequest.objects.select_for_update(of=("self",))
                .select_related("enterprise", "requested_by", "target")
                .filter(pk=pk, status=Status.PENDING)
                .first()
            )
            if request is None:
                continue
            request.status, request.decided_at = Status.EXPIRED, now
            request.save(update_fields=["status", "decided_at"])
            journal.record(
                AuditEvent.Action.APPROVAL_EXPIRED,
                enterprise=request.enterprise,
                actor=None,
                target=request.target,
                before={"request": request.pk, "action": request.kind},
                reason=_("No second manager approved it within %(days)s days.") % {"days": policy.APPROVAL_DAYS},
            )
            requester = request.requested_by
            if notices.notice_record(
                requester, request.enterprise, notices.Kind.APPROVAL_DECIDED, by=None, **told_details(request)
            ):
                told.append(requester.pk)
    return told
