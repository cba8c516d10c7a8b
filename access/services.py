"""Every write of the access model (DESIGN §4–§5).

Each service locks the enterprise row, reads the actor's standing again under that lock (so a
manager revoked a moment ago can no longer act, and two requests on one enterprise take turns),
asks `policy`, writes, and records one journal event, all in one transaction. A refusal by the
policy raises PermissionDenied with its reason; a conflict with the current state (already
blocked, a manager already designated) raises ActionRefused with a message for the person.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from access import policy, selectors
from access.identifiers import parse_niss
from access.models import (
    AuditEvent,
    Designation,
    Domain,
    Enterprise,
    EnterpriseBlock,
    Grant,
    Group,
    Membership,
    OnlineService,
    Person,
)
from access.selectors import Actor

Action = AuditEvent.Action


class ActionRefused(Exception):
    """The action conflicts with the current state; the message is for the person who tried."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message


def _check(decision: policy.Decision) -> None:
    if not decision:
        raise PermissionDenied(decision.reason)


@contextmanager
def _locked(actor: Actor, conflict: str | Promise) -> Iterator[Actor]:
    """One transaction holding the enterprise row; yields the actor with their standing as of now."""
    try:
        with transaction.atomic():
            enterprise = Enterprise.objects.select_for_update().get(pk=actor.enterprise.pk)
            yield replace(actor, enterprise=enterprise, standing=selectors.standing_of(actor.person.pk, enterprise.pk))
    except IntegrityError as exc:
        # The constraints are the last line: a concurrent request won the race.
        raise ActionRefused(conflict) from exc


def _record(
    actor: Actor,
    action: str,
    *,
    target: Person | None = None,
    group: Group | None = None,
    domain: Domain | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        enterprise=actor.enterprise,
        actor=actor.person,
        action=action,
        target_person=target,
        group=group,
        domain=domain or (group.role_type.domain if group else None),
        before=before,
        after=after,
        reason=reason,
        ip_address=actor.ip,
    )


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(_("Give a reason: it is kept in the journal."))
    return reason


# --- People ---------------------------------------------------------------------------------


def find_or_create_person(niss: str, *, given_name: str = "", surname: str = "", email: str = "") -> Person:
    """The person with this national register number, created with the given names if unknown."""
    niss = parse_niss(niss)
    person = Person.objects.filter(niss=niss).first()
    if person:
        return person
    if not given_name.strip() or not surname.strip():
        raise ValidationError(
            _("This person is not known to the portal yet: enter their given name and surname."), code="unknown"
        )
    person, _created = Person.objects.get_or_create(
        niss=niss, defaults={"given_name": given_name.strip(), "surname": surname.strip(), "email": email.strip()}
    )
    return person


# --- Designations ---------------------------------------------------------------------------


def _designation_snapshot(designation: Designation) -> dict[str, Any]:
    return {
        "kind": designation.kind,
        "person": designation.person.full_name,
        "domain": designation.domain.code if designation.domain else None,
        "group": designation.group.role_type.code if designation.group else None,
    }


def designate(
    actor: Actor, *, kind: str, person: Person, domain: Domain | None = None, group: Group | None = None
) -> Designation:
    """Designate a manager. Designating a MAM replaces the current one (a legal representative's act)."""
    if kind == policy.ACCESS_MANAGER and domain is None:
        raise ActionRefused(_("Choose the domain of the Access Manager."))
    if kind == policy.GROUP_MANAGER and group is None:
        raise ActionRefused(_("Choose the group of the Group Manager."))
    if kind != policy.ACCESS_MANAGER:
        domain = None
    if kind != policy.GROUP_MANAGER:
        group = None
    with _locked(actor, _("Someone else has just designated a manager for this role. Reload the page.")) as actor:
        target = selectors.standing_of(person.pk, actor.enterprise.pk)
        _check(
            policy.can_designate(
                actor.standing,
                kind,
                target,
                domain_id=domain.pk if domain else None,
                group_id=group.pk if group else None,
            )
        )
        current = selectors.current_designations().filter(enterprise=actor.enterprise, kind=kind)
        if kind == policy.MAIN:
            previous = current.select_related("person").first()
            if previous and previous.person_id == person.pk:
                raise ActionRefused(_("This person is already the Main Access Manager."))
            if previous:
                _end_designation(actor, previous, reason=str(_("Replaced by a legal representative.")))
        elif kind == policy.CO_MAIN and current.filter(person=person).exists():
            raise ActionRefused(_("This person is already a co-Main Access Manager."))
        elif kind == policy.ACCESS_MANAGER and current.filter(domain=domain).exists():
            raise ActionRefused(_("This domain already has an Access Manager: revoke them first."))
        elif kind == policy.GROUP_MANAGER and current.filter(group=group).exists():
            raise ActionRefused(_("This group already has a Group Manager: revoke them first."))
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
        _record(
            actor,
            Action.DESIGNATION_CREATED,
            target=person,
            group=group,
            domain=domain,
            after=_designation_snapshot(designation),
        )
    return designation


def _end_designation(actor: Actor, designation: Designation, *, reason: str) -> None:
    designation.revoked_at = timezone.now()
    designation.revoked_by = actor.person
    designation.reason = reason
    designation.save(update_fields=["revoked_at", "revoked_by", "reason"])
    _record(
        actor,
        Action.DESIGNATION_REVOKED,
        target=designation.person,
        group=designation.group,
        domain=designation.domain,
        before=_designation_snapshot(designation),
        reason=reason,
    )


def revoke_designation(actor: Actor, designation: Designation, *, reason: str = "") -> None:
    with _locked(actor, _("This designation has just changed. Reload the page.")) as actor:
        designation = (
            Designation.objects.select_for_update(of=("self",))
            .select_related("person", "domain", "group")
            .get(pk=designation.pk, enterprise=actor.enterprise)
        )
        if designation.revoked_at is not None:
            raise ActionRefused(_("This designation has already been revoked."))
        target = selectors.standing_of(designation.person_id, actor.enterprise.pk)
        _check(
            policy.can_revoke(
                actor.standing,
                designation.kind,
                target,
                domain_id=designation.domain_id,
                group_id=designation.group_id,
            )
        )
        _end_designation(actor, designation, reason=reason.strip())


# --- Users ----------------------------------------------------------------------------------


def _offer(group: Group, service: OnlineService) -> policy.ServiceOffer:
    offered = group.role_type.services.filter(pk=service.pk).exists()
    return policy.ServiceOffer(service_id=service.pk, offered=offered, delegatable=service.delegatable)


def _grant(actor: Actor, membership: Membership, service: OnlineService, target: policy.Standing) -> Grant:
    _check(policy.can_grant_service(actor.standing, target, membership.group_id, _offer(membership.group, service)))
    if selectors.current_grants().filter(membership=membership, service=service).exists():
        raise ActionRefused(_("This online service is already granted to this user."))
    grant = Grant.objects.create(membership=membership, service=service, granted_by=actor.person)
    _record(
        actor,
        Action.SERVICE_GRANTED,
        target=membership.person,
        group=membership.group,
        after={"service": service.code},
    )
    return grant


def create_user(actor: Actor, *, group: Group, person: Person, services: Iterable[OnlineService] = ()) -> Membership:
    """Add a person to a group with a choice of online services, within the grant ceiling."""
    services = list(services)
    with _locked(actor, _("This person has just been added to this group.")) as actor:
        group = Group.objects.select_related("role_type__domain").get(pk=group.pk, enterprise=actor.enterprise)
        target = selectors.standing_of(person.pk, actor.enterprise.pk)
        _check(policy.can_create_user(actor.standing, group.pk, target))
        for service in services:
            _check(policy.can_grant_service(actor.standing, target, group.pk, _offer(group, service)))
        if selectors.current_memberships().filter(person=person, group=group).exists():
            raise ActionRefused(_("This person is already a user of this group."))
        membership = Membership.objects.create(person=person, group=group, created_by=actor.person)
        _record(
            actor,
            Action.USER_CREATED,
            target=person,
            group=group,
            after={"status": membership.status, "services": sorted(s.code for s in services)},
        )
        for service in services:
            _grant(actor, membership, service, target)
    return membership


def _locked_membership(actor: Actor, membership: Membership) -> tuple[Membership, policy.Standing]:
    locked = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("person", "group__role_type__domain")
        .filter(pk=membership.pk, group__enterprise=actor.enterprise, removed_at__isnull=True)
        .first()
    )
    if locked is None:
        raise ActionRefused(_("This person is no longer a user of this group."))
    return locked, selectors.standing_of(locked.person_id, actor.enterprise.pk)


def grant_service(actor: Actor, membership: Membership, service: OnlineService) -> Grant:
    with _locked(actor, _("This online service has just been granted.")) as actor:
        membership, target = _locked_membership(actor, membership)
        return _grant(actor, membership, service, target)


def revoke_service(actor: Actor, membership: Membership, service: OnlineService) -> None:
    with _locked(actor, _("This online service has just changed. Reload the page.")) as actor:
        membership, target = _locked_membership(actor, membership)
        _check(policy.can_revoke_service(actor.standing, target, membership.group_id))
        grant = selectors.current_grants().filter(membership=membership, service=service).first()
        if grant is None:
            raise ActionRefused(_("This online service is not granted to this user."))
        grant.revoked_at = timezone.now()
        grant.revoked_by = actor.person
        grant.save(update_fields=["revoked_at", "revoked_by"])
        _record(
            actor,
            Action.SERVICE_REVOKED,
            target=membership.person,
            group=membership.group,
            before={"service": service.code},
        )


def block_membership(actor: Actor, membership: Membership, *, reason: str, until: date | None = None) -> None:
    reason = _required_reason(reason)
    with _locked(actor, _("This user has just changed. Reload the page.")) as actor:
        membership, target = _locked_membership(actor, membership)
        _check(policy.can_block_in_group(actor.standing, target, membership.group_id))
        if membership.status == Membership.Status.BLOCKED:
            raise ActionRefused(_("This user is already blocked for this group."))
        membership.status = Membership.Status.BLOCKED
        membership.blocked_by = actor.person
        membership.blocked_at = timezone.now()
        membership.block_reason = reason
        membership.blocked_until = until
        membership.save(update_fields=["status", "blocked_by", "blocked_at", "block_reason", "blocked_until"])
        _record(
            actor,
            Action.MEMBERSHIP_BLOCKED,
            target=membership.person,
            group=membership.group,
            before={"status": "active"},
            after={"status": "blocked", "until": until.isoformat() if until else None},
            reason=reason,
        )


def unblock_membership(actor: Actor, membership: Membership) -> None:
    with _locked(actor, _("This user has just changed. Reload the page.")) as actor:
        membership, target = _locked_membership(actor, membership)
        _check(policy.can_unblock_in_group(actor.standing, target, membership.group_id))
        if membership.status != Membership.Status.BLOCKED:
            raise ActionRefused(_("This user is not blocked for this group."))
        before = {"status": "blocked", "reason": membership.block_reason}
        membership.status = Membership.Status.ACTIVE
        membership.blocked_by = None
        membership.blocked_at = None
        membership.block_reason = ""
        membership.blocked_until = None
        membership.save(update_fields=["status", "blocked_by", "blocked_at", "block_reason", "blocked_until"])
        _record(
            actor,
            Action.MEMBERSHIP_UNBLOCKED,
            target=membership.person,
            group=membership.group,
            before=before,
            after={"status": "active"},
        )


def delete_membership(actor: Actor, membership: Membership, *, reason: str) -> None:
    """Remove a person from a group. The row stays, marked removed, for the journal."""
    reason = _required_reason(reason)
    with _locked(actor, _("This user has just changed. Reload the page.")) as actor:
        membership, target = _locked_membership(actor, membership)
        _check(policy.can_delete_from_group(actor.standing, target, membership.group_id))
        now = timezone.now()
        services = sorted(
            selectors.current_grants().filter(membership=membership).values_list("service__code", flat=True)
        )
        Grant.objects.filter(membership=membership, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor.person
        )
        membership.removed_at = now
        membership.removed_by = actor.person
        membership.save(update_fields=["removed_at", "removed_by"])
        _record(
            actor,
            Action.MEMBERSHIP_DELETED,
            target=membership.person,
            group=membership.group,
            before={"status": membership.status, "services": services},
            reason=reason,
        )


def block_everywhere(actor: Actor, person: Person, *, reason: str, until: date | None = None) -> EnterpriseBlock:
    """Block a person for every group of the enterprise, including groups they join later."""
    reason = _required_reason(reason)
    with _locked(actor, _("This person has just been blocked for all groups.")) as actor:
        target = selectors.standing_of(person.pk, actor.enterprise.pk)
        _check(policy.can_block_everywhere(actor.standing, target))
        if selectors.current_enterprise_blocks().filter(enterprise=actor.enterprise, person=person).exists():
            raise ActionRefused(_("This person is already blocked for all groups."))
        block = EnterpriseBlock.objects.create(
            person=person, enterprise=actor.enterprise, blocked_by=actor.person, reason=reason, until=until
        )
        _record(
            actor,
            Action.ENTERPRISE_BLOCKED,
            target=person,
            before={"blocked_everywhere": False},
            after={"blocked_everywhere": True, "until": until.isoformat() if until else None},
            reason=reason,
        )
    return block


def unblock_everywhere(actor: Actor, person: Person) -> None:
    with _locked(actor, _("This person has just been unblocked.")) as actor:
        target = selectors.standing_of(person.pk, actor.enterprise.pk)
        _check(policy.can_unblock_everywhere(actor.standing, target))
        block = (
            selectors.current_enterprise_blocks()
            .select_for_update()
            .filter(enterprise=actor.enterprise, person=person)
            .first()
        )
        if block is None:
            raise ActionRefused(_("This person is not blocked for all groups."))
        block.lifted_at = timezone.now()
        block.lifted_by = actor.person
        block.save(update_fields=["lifted_at", "lifted_by"])
        _record(
            actor,
            Action.ENTERPRISE_UNBLOCKED,
            target=person,
            before={"blocked_everywhere": True, "reason": block.reason},
            after={"blocked_everywhere": False},
        )
