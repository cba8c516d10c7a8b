"""Managing the users of groups (docs/design.md §4.3): add, grant, block, unblock, delete."""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import approvals, ends, policy, selectors, tasks
from access.identifiers import parse_niss
from access.models import (
    AccessReview,
    ApprovalRequest,
    EnterpriseBlock,
    Grant,
    Group,
    GroupBlock,
    Membership,
    OnlineService,
    Person,
)
from access.selectors import Actor
from access.services.approvals import bulk_hold
from access.writes import (
    BLOCKED_EVERYWHERE,
    REMOVED,
    Action,
    ActionRefused,
    Told,
    check,
    end_sessions,
    locked,
    record,
    required_reason,
    tell,
)


def person_get_or_create(niss: str, *, given_name: str = "", surname: str = "", email: str = "") -> Person:
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


def _offer(group: Group, service: OnlineService) -> policy.ServiceOffer:
    offered = group.role_type.services.filter(pk=service.pk).exists()
    return policy.ServiceOffer(service_id=service.pk, offered=offered, delegatable=service.delegatable)


def _until(until: date | None) -> dict[str, str]:
    """An end date as the journal and the notices keep it: only when there is one."""
    return {"until": until.isoformat()} if until else {}


def _end_date_allowed(until: date | None) -> None:
    decision = policy.end_date_allowed(until, timezone.localdate())
    if not decision:
        raise ActionRefused(decision.reason)


def _queue_notices(people: set[int]) -> None:
    for person_id in sorted(people):
        tasks.notices_queue(person_id)


def _grant(
    actor: Actor, membership: Membership, service: OnlineService, target: policy.Standing, until: date | None = None
) -> Grant:
    check(policy.can_grant_service(actor.standing, target, membership.group_id, _offer(membership.group, service)))
    _end_date_allowed(until)
    if selectors.current_grants().filter(membership=membership, service=service).exists():
        raise ActionRefused(_("This online service is already granted to this user."))
    # A grant past its end date that the sweep has not ended yet: its end is recorded first.
    _queue_notices(ends.stale_grant_end(membership, service.pk, at=timezone.now()))
    grant = Grant.objects.create(membership=membership, service=service, granted_by=actor.person, valid_until=until)
    record(
        actor,
        Action.SERVICE_GRANTED,
        target=membership.person,
        group=membership.group,
        after={"service": service.code, **_until(until)},
    )
    tell(
        actor,
        membership.person,
        Told.GRANTED,
        group=membership.group.role_type.code,
        service=service.code,
        **_until(until),
    )
    return grant


def membership_create(
    actor: Actor,
    *,
    group: Group,
    person: Person,
    services: Iterable[OnlineService] = (),
    until: date | None = None,
) -> Membership:
    """Add a person to a group with a choice of online services, within the grant ceiling, granted
    until a day when `until` is given."""
    services = list(services)
    with locked(actor, _("This person has just been added to this group.")) as actor:
        group = Group.objects.select_related("role_type__domain").get(pk=group.pk, enterprise=actor.enterprise)
        target = selectors.standing_of(person.pk, actor.enterprise.pk)
        check(policy.can_create_user(actor.standing, target, group.pk))
        for service in services:
            check(policy.can_grant_service(actor.standing, target, group.pk, _offer(group, service)))
        _end_date_allowed(until)
        if selectors.current_memberships().filter(person=person, group=group).exists():
            raise ActionRefused(_("This person is already a user of this group."))
        membership = Membership.objects.create(person=person, group=group, created_by=actor.person)
        record(
            actor,
            Action.USER_CREATED,
            target=person,
            group=group,
            after={
                "status": membership.status,
                "services": sorted(s.code for s in services),
                **(_until(until) if services else {}),
            },
        )
        tell(actor, person, Told.ADDED, group=group.role_type.code)
        for service in services:
            _grant(actor, membership, service, target, until)
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


def grant_create(actor: Actor, membership: Membership, service: OnlineService, until: date | None = None) -> Grant:
    """Grant an online service in a membership, until a day when `until` is given."""
    with locked(actor, _("This online service has just been granted.")) as actor:
        membership, target = _locked_membership(actor, membership)
        return _grant(actor, membership, service, target, until)


def grant_revoke(
    actor: Actor, membership: Membership, service: OnlineService, *, review: AccessReview | None = None
) -> None:
    """Revoke a granted online service; `review`: as an answer in that access review, which the
    journal names."""
    with locked(actor, _("This online service has just changed. Reload the page.")) as actor:
        membership, target = _locked_membership(actor, membership)
        check(policy.can_revoke_service(actor.standing, target, membership.group_id))
        grant = selectors.current_grants().filter(membership=membership, service=service).first()
        if grant is None:
            raise ActionRefused(_("This online service is not granted to this user."))
        grant.revoked_at = timezone.now()
        grant.revoked_by = actor.person
        grant.save(update_fields=["revoked_at", "revoked_by"])
        record(
            actor,
            Action.SERVICE_REVOKED,
            target=membership.person,
            group=membership.group,
            before={"service": service.code, **_until(grant.valid_until)},
            after={"review": review.pk} if review else None,
        )
        tell(actor, membership.person, Told.REVOKED, group=membership.group.role_type.code, service=service.code)


def membership_block(
    actor: Actor,
    membership: Membership,
    *,
    reason: str,
    until: date | None = None,
    share_reason: bool = False,
    approval: ApprovalRequest | None = None,
) -> None:
    """Block a person in one group; `share_reason`: the e-mail that tells them gives the reason.
    Past the threshold of people within the hour, it waits for a second manager (AwaitsApproval)."""
    reason = required_reason(reason)
    with locked(actor, _("This user has just changed. Reload the page.")) as actor:
        membership, target = _locked_membership(actor, membership)
        check(policy.can_block_in_group(actor.standing, target, membership.group_id))
        _end_date_allowed(until)
        if membership.is_blocked:
            raise ActionRefused(_("This user is already blocked for this group."))
        if approval is None:
            params = {"membership": membership.pk, "group": membership.group.role_type.code, "reason": reason}
            params |= {"until": until.isoformat() if until else None, "share_reason": share_reason}
            bulk_hold(actor, BULK_BLOCK, target=membership.person, standing=target, params=params)
        now = timezone.now()
        # A block past its end date that the sweep has not lifted yet: its end is recorded first.
        _queue_notices(ends.stale_membership_block_end(membership, at=now))
        membership.status = Membership.Status.BLOCKED
        membership.blocked_by = actor.person
        membership.blocked_at = now
        membership.block_reason = reason
        membership.blocked_until = until
        membership.save(update_fields=["status", "blocked_by", "blocked_at", "block_reason", "blocked_until"])
        GroupBlock.objects.create(
            membership=membership, blocked_by=actor.person, blocked_at=now, reason=reason, until=until
        )
        record(
            actor,
            Action.MEMBERSHIP_BLOCKED,
            target=membership.person,
            group=membership.group,
            before={"status": "active"},
            after={"status": "blocked", "until": until.isoformat() if until else None, "reason_shared": share_reason},
            reason=reason,
        )
        tell(
            actor,
            membership.person,
            Told.BLOCKED,
            group=membership.group.role_type.code,
            until=until.isoformat() if until else None,
            reason=reason if share_reason else "",
        )


def membership_unblock(actor: Actor, membership: Membership) -> None:
    with locked(actor, _("This user has just changed. Reload the page.")) as actor:
        membership, target = _locked_membership(actor, membership)
        check(policy.can_unblock_in_group(actor.standing, target, membership.group_id))
        if not membership.is_blocked:
            raise ActionRefused(_("This user is not blocked for this group."))
        before = {"status": "blocked", "reason": membership.block_reason}
        now = timezone.now()
        GroupBlock.objects.filter(membership=membership, lifted_at__isnull=True).update(
            lifted_at=now, lifted_by=actor.person
        )
        membership.status = Membership.Status.ACTIVE
        membership.blocked_by = None
        membership.blocked_at = None
        membership.block_reason = ""
        membership.blocked_until = None
        membership.save(update_fields=["status", "blocked_by", "blocked_at", "block_reason", "blocked_until"])
        record(
            actor,
            Action.MEMBERSHIP_UNBLOCKED,
            target=membership.person,
            group=membership.group,
            before=before,
            after={"status": "active"},
        )
        tell(actor, membership.person, Told.UNBLOCKED, group=membership.group.role_type.code)


def membership_end(actor: Actor, membership: Membership) -> list[str]:
    """Mark a membership removed by the actor, with its grants revoked and its block lifted (a block
    ends with the membership it was on); answer the codes of the services it held. The caller has
    locked it, asked the policy, and journals the act."""
    now = timezone.now()
    services = sorted(selectors.current_grants().filter(membership=membership).values_list("service__code", flat=True))
    Grant.objects.filter(membership=membership, revoked_at__isnull=True).update(revoked_at=now, revoked_by=actor.person)
    GroupBlock.objects.filter(membership=membership, lifted_at__isnull=True).update(
        lifted_at=now, lifted_by=actor.person
    )
    membership.removed_at = now
    membership.removed_by = actor.person
    membership.save(update_fields=["removed_at", "removed_by"])
    return services


def membership_delete(
    actor: Actor, membership: Membership, *, reason: str, approval: ApprovalRequest | None = None
) -> None:
    """Remove a person from a group. The row stays, marked removed, for the journal. Past the
    threshold of people within the hour, it waits for a second manager (AwaitsApproval)."""
    reason = required_reason(reason)
    with locked(actor, _("This user has just changed. Reload the page.")) as actor:
        membership, target = _locked_membership(actor, membership)
        check(policy.can_delete_from_group(actor.standing, target, membership.group_id))
        if approval is None:
            params = {"membership": membership.pk, "group": membership.group.role_type.code, "reason": reason}
            bulk_hold(actor, BULK_DELETE, target=membership.person, standing=target, params=params)
        services = membership_end(actor, membership)
        record(
            actor,
            Action.MEMBERSHIP_DELETED,
            target=membership.person,
            group=membership.group,
            before={"status": "blocked" if membership.is_blocked else "active", "services": services},
            reason=reason,
        )
        tell(actor, membership.person, Told.REMOVED, group=membership.group.role_type.code)
        # Removed from the enterprise altogether: logged out. Still in another group: not.
        if policy.is_outsider(selectors.standing_of(membership.person_id, actor.enterprise.pk)):
            end_sessions(membership.person, because=REMOVED, enterprise=actor.enterprise)


def person_block_everywhere(
    actor: Actor,
    person: Person,
    *,
    reason: str,
    until: date | None = None,
    share_reason: bool = False,
    approval: ApprovalRequest | None = None,
) -> EnterpriseBlock:
    """Block a person for every group of the enterprise, including groups they join later;
    `share_reason`: the e-mail that tells them gives the reason. Past the threshold of people
    within the hour, it waits for a second manager (AwaitsApproval)."""
    reason = required_reason(reason)
    with locked(actor, _("This person has just been blocked for all groups.")) as actor:
        target = selectors.standing_of(person.pk, actor.enterprise.pk)
        check(policy.can_block_everywhere(actor.standing, target))
        _end_date_allowed(until)
        if selectors.current_enterprise_blocks().filter(enterprise=actor.enterprise, person=person).exists():
            raise ActionRefused(_("This person is already blocked for all groups."))
        if approval is None:
            params = {"reason": reason, "until": until.isoformat() if until else None, "share_reason": share_reason}
            bulk_hold(actor, BULK_BLOCK_EVERYWHERE, target=person, standing=target, params=params)
        # A block past its end date that the sweep has not lifted yet: its end is recorded first.
        _queue_notices(ends.stale_enterprise_block_end(actor.enterprise, person.pk, at=timezone.now()))
        block = EnterpriseBlock.objects.create(
            person=person, enterprise=actor.enterprise, blocked_by=actor.person, reason=reason, until=until
        )
        record(
            actor,
            Action.ENTERPRISE_BLOCKED,
            target=person,
            before={"blocked_everywhere": False},
            after={
                "blocked_everywhere": True,
                "until": until.isoformat() if until else None,
                "reason_shared": share_reason,
            },
            reason=reason,
        )
        tell(
            actor,
            person,
            Told.BLOCKED,
            until=until.isoformat() if until else None,
            reason=reason if share_reason else "",
        )
        end_sessions(person, because=BLOCKED_EVERYWHERE, enterprise=actor.enterprise)
    return block


def person_unblock_everywhere(actor: Actor, person: Person) -> None:
    with locked(actor, _("This person has just been unblocked.")) as actor:
        target = selectors.standing_of(person.pk, actor.enterprise.pk)
        check(policy.can_unblock_everywhere(actor.standing, target))
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
        record(
            actor,
            Action.ENTERPRISE_UNBLOCKED,
            target=person,
            before={"blocked_everywhere": True, "reason": block.reason},
            after={"blocked_everywhere": False},
        )
        tell(actor, person, Told.UNBLOCKED)


# --- Blocking and deleting past the threshold: carried out once a second manager approves ----------

BULK_BLOCK = "membership_block"
BULK_DELETE = "membership_delete"
BULK_BLOCK_EVERYWHERE = "person_block_everywhere"


def _group_of(params: Mapping[str, Any], names: Mapping[str, str]) -> str:
    return names.get(f"group:{params.get('group')}", str(params.get("group", "")))


def _approved_membership(request: ApprovalRequest) -> Membership:
    membership = Membership.objects.filter(pk=request.params.get("membership"), group__enterprise=request.enterprise_id)
    found = membership.select_related("person", "group").first()
    if found is None:
        raise ActionRefused(_("This person is no longer a user of this group."))
    return found


def _requested_until(request: ApprovalRequest) -> date | None:
    until = request.params.get("until")
    return date.fromisoformat(until) if until else None


@approvals.approvable(
    BULK_BLOCK,
    describe=lambda params, name, names: str(
        _("Block %(name)s for the group %(group)s") % {"name": name, "group": _group_of(params, names)}
    ),
)
def _block_approved(actor: Actor, request: ApprovalRequest) -> None:
    membership_block(
        actor,
        _approved_membership(request),
        reason=request.params.get("reason", ""),
        until=_requested_until(request),
        share_reason=bool(request.params.get("share_reason")),
        approval=request,
    )


@approvals.approvable(
    BULK_DELETE,
    describe=lambda params, name, names: str(
        _("Delete %(name)s from the group %(group)s") % {"name": name, "group": _group_of(params, names)}
    ),
)
def _delete_approved(actor: Actor, request: ApprovalRequest) -> None:
    membership_delete(actor, _approved_membership(request), reason=request.params.get("reason", ""), approval=request)


@approvals.approvable(
    BULK_BLOCK_EVERYWHERE,
    describe=lambda params, name, names: str(_("Block %(name)s for all groups") % {"name": name}),
)
def _block_everywhere_approved(actor: Actor, request: ApprovalRequest) -> None:
    if request.target is None:
        raise ActionRefused(_("The person of this request no longer exists."))
    person_block_everywhere(
        actor,
        request.target,
        reason=request.params.get("reason", ""),
        until=_requested_until(request),
        share_reason=bool(request.params.get("share_reason")),
        approval=request,
    )
