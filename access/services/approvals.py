"""Four eyes (docs/design.md §5.15): holding an action for a second manager, approving or refusing
it, and the Main Access Manager's setting. The registry of the actions that wait is
access.approvals.KINDS."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access import approvals, journal, policy, selectors
from access.models import ApprovalRequest, AuditEvent, FourEyesSetting, Person
from access.policy import Standing
from access.selectors import Actor
from access.writes import Action, ActionRefused, Told, check, locked, record, tell

Status = ApprovalRequest.Status

NO_SECOND_MANAGER = "no_second_manager"
SINGLE_MAIN_MANAGER = "single_main_manager"


def _goes_through(actor: Actor, kind: str, target: Person | None) -> list[Person] | None:
    """The second managers the action waits for; None when it goes through (four eyes off, or no
    second manager: the journal then says why, in a row before the action's)."""
    enabled, setting = approvals.four_eyes_enabled(actor.enterprise)
    if not enabled and setting is not None:
        return None  # the Main Access Manager turned it off: the journal has that change
    approvers = approvals.second_managers(actor.enterprise, actor.person)
    if policy.waits_for_approval(enabled=enabled, second_managers=len(approvers)):
        return approvers
    why = SINGLE_MAIN_MANAGER if not enabled else NO_SECOND_MANAGER
    reason = (
        _("The enterprise has a single Main or co-Main Access Manager: nobody else to approve.")
        if why == SINGLE_MAIN_MANAGER
        else _("No second manager can approve: the action went through.")
    )
    record(actor, Action.APPROVAL_SKIPPED, target=target, after={"action": kind, "why": why}, reason=reason)
    return None


def _request_create(
    actor: Actor, kind: str, target: Person | None, params: dict[str, Any], approvers: list[Person]
) -> ApprovalRequest:
    now = timezone.now()
    request = ApprovalRequest.objects.create(
        enterprise=actor.enterprise,
        kind=kind,
        params=params,
        target=target,
        requested_by=actor.person,
        requested_at=now,
        expires_at=now + timedelta(days=policy.APPROVAL_DAYS),
    )
    record(actor, Action.APPROVAL_REQUESTED, target=target, after={"request": request.pk, "action": kind, **params})
    details = approvals.told_details(request)
    for approver in approvers:
        tell(actor, approver, Told.APPROVAL_ASKED, **details)
    return request


def hold(actor: Actor, kind: str, *, target: Person | None, params: dict[str, Any]) -> ApprovalRequest | None:
    """Called by a service inside its transaction, once the policy allowed the action and before
    it is done: the request it now waits on, or None when it goes through."""
    approvers = _goes_through(actor, kind, target)
    if approvers is None:
        return None
    return _request_create(actor, kind, target, params, approvers)


# --- Blocking and deleting many people within the hour -----------------------------------------------

# What counts towards the threshold: the people the manager blocked or deleted, whatever the way.
BULK_ACTIONS = (Action.MEMBERSHIP_BLOCKED, Action.ENTERPRISE_BLOCKED, Action.MEMBERSHIP_DELETED)


@dataclass(frozen=True)
class Held:
    """An action that must wait, as its service found it: recorded as a request by `held_record`."""

    actor: Actor
    kind: str
    target: Person | None
    params: dict[str, Any]


WAITS = gettext_lazy("This change waits for a second manager's approval.")


class AwaitsApproval(ActionRefused):
    """Raised by a service whose action must wait for a second manager. Its transaction rolls back
    (an import's row, a SCIM request are one transaction each); whoever called the service at the
    top then records the request in a transaction of its own (`held_record`)."""

    def __init__(self, held: Held) -> None:
        super().__init__(WAITS)
        self.held = held


def bulk_hold(actor: Actor, kind: str, *, target: Person, standing: Standing, params: dict[str, Any]) -> None:
    """Called by the services that block or delete, inside their transaction, once the policy
    allowed it: past the threshold of people within the hour, raise AwaitsApproval."""
    if not policy.counts_towards_bulk_threshold(actor.via or {}):
        return
    since = timezone.now() - policy.BULK_WINDOW
    people = (
        AuditEvent.objects.filter(
            enterprise=actor.enterprise, actor=actor.person, action__in=BULK_ACTIONS, created_at__gte=since
        )
        .exclude(target_person=target)
        # The rows of a way that does not count (policy.counts_towards_bulk_threshold): an undoing.
        .exclude(after__contains={journal.VIA: {"undo": True}})
        .values("target_person")
        .distinct()
        .count()
    )
    if not policy.past_bulk_threshold(people, standing):
        return
    if _goes_through(actor, kind, target) is not None:
        raise AwaitsApproval(Held(actor, kind, target, params))


def held_record(held: Held) -> ApprovalRequest:
    """Record the request of an action that had to wait, and tell the second managers. The same
    action asked again while its request waits (an HR system sending its change again) is the
    same request."""
    with locked(held.actor, _("This request has just changed. Reload the page.")) as actor:
        same = approvals.pending_requests(actor.enterprise).filter(
            kind=held.kind, target=held.target, requested_by=actor.person, params=held.params
        )
        if waiting := same.first():
            return waiting
        approvers = approvals.second_managers(actor.enterprise, actor.person)
        return _request_create(actor, held.kind, held.target, held.params, approvers)


def _locked_request(actor: Actor, request: ApprovalRequest) -> ApprovalRequest:
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by", "target", "enterprise")
        .get(pk=request.pk, enterprise=actor.enterprise)
    )


def _may_decide(actor: Actor, request: ApprovalRequest) -> None:
    requester = selectors.standing_of(request.requested_by_id, actor.enterprise.pk)
    check(policy.can_approve(actor.standing, requester, pending=approvals.is_pending(request)))


def _decided(actor: Actor, request: ApprovalRequest, status: str, action: str, outcome: str = "") -> None:
    """The request decided by the actor, journaled (`action`), and its requester told."""
    record(actor, action, target=request.target, after={"request": request.pk, "action": request.kind}, reason=outcome)
    request.status, request.decided_by, request.decided_at, request.outcome = (
        status,
        actor.person,
        timezone.now(),
        outcome,
    )
    request.save(update_fields=["status", "decided_by", "decided_at", "outcome"])
    tell(actor, request.requested_by, Told.APPROVAL_DECIDED, **approvals.told_details(request))


def approval_approve(actor: Actor, request: ApprovalRequest) -> ApprovalRequest:
    """A second manager approves: the action is carried out as the requester, through its service,
    which asks the policy again (the requester may have lost their standing, the target changed).
    Refused then, nothing is done: the request ends as failed, with the reason."""
    with locked(actor, _("This request has just changed. Reload the page.")) as actor:
        request = _locked_request(actor, request)
        _may_decide(actor, request)
        kind = approvals.KINDS.get(request.kind)
        if kind is None:
            raise ActionRefused(_("This action can no longer be approved here."))
        requester = Actor(
            person=request.requested_by,
            enterprise=actor.enterprise,
            standing=selectors.standing_of(request.requested_by_id, actor.enterprise.pk),
            ip=actor.ip,
            via={"approval": request.pk, "approved_by": actor.person.full_name},
        )
        try:
            with transaction.atomic():
                done = kind.carry_out(requester, request)
        except (PermissionDenied, ActionRefused) as exc:
            outcome = str(getattr(exc, "message", None) or (exc.args[0] if exc.args else ""))
            _decided(actor, request, Status.FAILED, Action.APPROVAL_FAILED, outcome)
            return request
        # A kind of many changes answers those refused then (an import's rows): the outcome says so.
        _decided(actor, request, Status.APPROVED, Action.APPROVAL_GRANTED, done if isinstance(done, str) else "")
    return request


def approval_refuse(actor: Actor, request: ApprovalRequest) -> ApprovalRequest:
    """A second manager refuses: nothing is done, and the requester is told."""
    with locked(actor, _("This request has just changed. Reload the page.")) as actor:
        request = _locked_request(actor, request)
        _may_decide(actor, request)
        _decided(actor, request, Status.REFUSED, Action.APPROVAL_REFUSED)
    return request


def four_eyes_change(actor: Actor, enabled: bool) -> FourEyesSetting:
    """The Main Access Manager turns the second approval on or off."""
    with locked(actor, _("This setting has just changed. Reload the page.")) as actor:
        check(policy.can_change_four_eyes(actor.standing))
        before, _setting = approvals.four_eyes_enabled(actor.enterprise)
        setting, created = FourEyesSetting.objects.select_for_update().get_or_create(enterprise=actor.enterprise)
        if before == enabled and (not created or setting.enabled == enabled):
            raise ActionRefused(_("This is already the setting: nothing changed."))
        setting.enabled, setting.changed_by, setting.changed_at = enabled, actor.person, timezone.now()
        setting.save(update_fields=["enabled", "changed_by", "changed_at"])
        record(actor, Action.FOUR_EYES_CHANGED, before={"four_eyes": before}, after={"four_eyes": enabled})
    return setting
