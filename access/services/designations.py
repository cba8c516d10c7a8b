"""Designating and revoking managers (docs/design.md §4.2)."""

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import approvals, policy, selectors
from access.models import ApprovalRequest, Designation, Domain, Group, Person
from access.policy import DesignationKind
from access.selectors import Actor
from access.services.approvals import hold
from access.writes import Action, ActionRefused, Told, check, locked, record, tell


def _designation_snapshot(designation: Designation) -> dict[str, Any]:
    return {
        "kind": designation.kind,
        "person": designation.person.full_name,
        "domain": designation.domain.code if designation.domain else None,
        "group": designation.group.role_type.code if designation.group else None,
    }


def _told(designation: Designation) -> dict[str, Any]:
    """What the designated person is told: the kind of manager and what they manage, as codes."""
    snapshot = _designation_snapshot(designation)
    return {"kind": snapshot["kind"], "domain": snapshot["domain"], "group": snapshot["group"]}


# Designating these hands the enterprise to someone: it waits for a second manager (docs/design.md §5.15).
WAITS_FOR_APPROVAL = frozenset({DesignationKind.CO_MAIN, DesignationKind.ACCESS_MANAGER})
DESIGNATION = "designation"


def designation_create(
    actor: Actor,
    *,
    kind: str,
    person: Person,
    domain: Domain | None = None,
    group: Group | None = None,
    approval: ApprovalRequest | None = None,
) -> Designation | ApprovalRequest:
    """Designate a manager. Designating a MAM replaces the current one (a legal representative's act).

    A co-MAM or an Access Manager waits for a second manager: the answer is then the request,
    and the designation is made when it is approved (`approval`, by `_designation_approved`)."""
    if kind == DesignationKind.ACCESS_MANAGER and domain is None:
        raise ActionRefused(_("Choose the domain of the Access Manager."))
    if kind == DesignationKind.GROUP_MANAGER and group is None:
        raise ActionRefused(_("Choose the group of the Group Manager."))
    if kind != DesignationKind.ACCESS_MANAGER:
        domain = None
    if kind != DesignationKind.GROUP_MANAGER:
        group = None
    with locked(actor, _("Someone else has just designated a manager for this role. Reload the page.")) as actor:
        target = selectors.standing_of(person.pk, actor.enterprise.pk)
        check(
            policy.can_designate(
                actor.standing,
                target,
                kind,
                domain_id=domain.pk if domain else None,
                group_id=group.pk if group else None,
            )
        )
        current = selectors.current_designations().filter(enterprise=actor.enterprise, kind=kind)
        if kind == DesignationKind.MAIN:
            previous = current.select_related("person").first()
            if previous and previous.person_id == person.pk:
                raise ActionRefused(_("This person is already the Main Access Manager."))
            if previous:
                _end_designation(actor, previous, reason=str(_("Replaced by a legal representative.")))
        elif kind == DesignationKind.CO_MAIN and current.filter(person=person).exists():
            raise ActionRefused(_("This person is already a co-Main Access Manager."))
        elif kind == DesignationKind.ACCESS_MANAGER and current.filter(domain=domain).exists():
            raise ActionRefused(_("This domain already has an Access Manager: revoke them first."))
        elif kind == DesignationKind.GROUP_MANAGER and current.filter(group=group).exists():
            raise ActionRefused(_("This group already has a Group Manager: revoke them first."))
        if kind in WAITS_FOR_APPROVAL and approval is None:
            params = {"kind": str(kind), "domain": domain.code if domain else None}
            request = hold(actor, DESIGNATION, target=person, params=params)
            if request is not None:
                return request
        # Expired designations no longer count but still hold the unique slot: close them.
        Designation.objects.filter(
            enterprise=actor.enterprise, kind=kind, revoked_at__isnull=True, valid_until__lte=timezone.now()
        ).update(revoked_at=timezone.now())
        designation = Designation.objects.create(
            enterprise=actor.enterprise,
            person=person,
            kind=kind,
            domain=domain,
            group=group,
            designated_by=actor.person,
        )
        record(
            actor,
            Action.DESIGNATION_CREATED,
            target=person,
            group=group,
            domain=domain,
            after=_designation_snapshot(designation),
        )
        tell(actor, person, Told.DESIGNATED, **_told(designation))
    return designation


def _designation_described(params: dict[str, Any], name: str, names: Mapping[str, str]) -> str:
    role = dict(DesignationKind.choices).get(params.get("kind", ""), params.get("kind", ""))
    if params.get("domain"):
        return _("Designate %(name)s as %(role)s for the domain %(domain)s") % {
            "name": name,
            "role": role,
            "domain": names.get(f"domain:{params['domain']}", params["domain"]),
        }
    return _("Designate %(name)s as %(role)s") % {"name": name, "role": role}


@approvals.approvable(DESIGNATION, describe=_designation_described)
def _designation_approved(actor: Actor, request: ApprovalRequest) -> Designation | ApprovalRequest:
    """Carry out an approved designation, as its requester: the policy and the conflicts are asked again."""
    domain = Domain.objects.filter(code=request.params.get("domain")).first() if request.params.get("domain") else None
    if request.target is None:
        raise ActionRefused(_("The person of this request no longer exists."))
    return designation_create(
        actor, kind=request.params.get("kind", ""), person=request.target, domain=domain, approval=request
    )


def _end_designation(actor: Actor, designation: Designation, *, reason: str) -> None:
    designation.revoked_at = timezone.now()
    designation.revoked_by = actor.person
    designation.reason = reason
    designation.save(update_fields=["revoked_at", "revoked_by", "reason"])
    record(
        actor,
        Action.DESIGNATION_REVOKED,
        target=designation.person,
        group=designation.group,
        domain=designation.domain,
        before=_designation_snapshot(designation),
        reason=reason,
    )
    tell(actor, designation.person, Told.DESIGNATION_REVOKED, **_told(designation))


def designation_revoke(actor: Actor, designation: Designation, *, reason: str = "") -> None:
    with locked(actor, _("This designation has just changed. Reload the page.")) as actor:
        designation = (
            Designation.objects.select_for_update(of=("self",))
            .select_related("person", "domain", "group")
            .get(pk=designation.pk, enterprise=actor.enterprise)
        )
        if designation.revoked_at is not None:
            raise ActionRefused(_("This designation has already been revoked."))
        target = selectors.standing_of(designation.person_id, actor.enterprise.pk)
        check(
            policy.can_revoke(
                actor.standing,
                target,
                designation.kind,
                domain_id=designation.domain_id,
                group_id=designation.group_id,
            )
        )
        _end_designation(actor, designation, reason=reason.strip())
