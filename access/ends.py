"""Grants and blocks that reach their end date (docs/design.md §5.10).

A grant or a block "until D" holds through day D and ends when D+1 begins in Brussels
(`policy.in_force`): the pages and the decision point read it so from that moment. What is left
is to record the end: the grant revoked, the block lifted, by nobody (the portal), journaled and
told to the person. Celery beat runs `end_dates_reach` every hour (access.tasks); a manager who
acts on a row whose end has come before the sweep (granting the service again, blocking again)
records its end first, the same way (access.services.users).

Like access.notices, this module knows nothing of Celery: each function answers the people it
recorded a notice for, and the caller queues their gathering (`access.tasks.notices_queue`).
"""

from datetime import date, datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from access import journal, notices, policy
from access.models import AuditEvent, Enterprise, EnterpriseBlock, Grant, GroupBlock, Membership, Notice, Person

Action = AuditEvent.Action
Told = Notice.Kind
END_DATE_REACHED = "end_date_reached"  # the key of the journal's `after` that says why it ended


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _tell(person: Person, enterprise: Enterprise, kind: str, /, **details: object) -> set[int]:
    """The notice of an end (nobody made it, so everyone with an address is told)."""
    return {person.pk} if notices.notice_record(person, enterprise, kind, by=None, **details) else set()


def grant_end(grant: Grant, *, at: datetime) -> set[int]:
    """Record that a grant has reached its end date: revoked by the portal, journaled, told.
    Called with the enterprise's row locked."""
    membership = grant.membership
    grant.revoked_at, grant.revoked_by = at, None
    grant.save(update_fields=["revoked_at", "revoked_by"])
    journal.record(
        Action.SERVICE_REVOKED,
        enterprise=membership.group.enterprise,
        actor=None,
        target=membership.person,
        group=membership.group,
        before={"service": grant.service.code, "until": _iso(grant.valid_until)},
        after={END_DATE_REACHED: _iso(grant.valid_until)},
    )
    return _tell(
        membership.person,
        membership.group.enterprise,
        Told.REVOKED,
        group=membership.group.role_type.code,
        service=grant.service.code,
        until=_iso(grant.valid_until),
    )


def membership_block_end(membership: Membership, *, at: datetime) -> set[int]:
    """Record that a block for one group has reached its end date: lifted by the portal."""
    until = membership.blocked_until
    before = {"status": "blocked", "until": _iso(until), "reason": membership.block_reason}
    GroupBlock.objects.filter(membership=membership, lifted_at__isnull=True).update(lifted_at=at, lifted_by=None)
    membership.status = Membership.Status.ACTIVE
    membership.blocked_by, membership.blocked_at, membership.blocked_until = None, None, None
    membership.block_reason = ""
    membership.save(update_fields=["status", "blocked_by", "blocked_at", "block_reason", "blocked_until"])
    journal.record(
        Action.MEMBERSHIP_UNBLOCKED,
        enterprise=membership.group.enterprise,
        actor=None,
        target=membership.person,
        group=membership.group,
        before=before,
        after={"status": "active", END_DATE_REACHED: _iso(until)},
    )
    return _tell(
        membership.person,
        membership.group.enterprise,
        Told.UNBLOCKED,
        group=membership.group.role_type.code,
        until=_iso(until),
    )


def enterprise_block_end(block: EnterpriseBlock, *, at: datetime) -> set[int]:
    """Record that a block for all groups has reached its end date: lifted by the portal."""
    block.lifted_at, block.lifted_by = at, None
    block.save(update_fields=["lifted_at", "lifted_by"])
    journal.record(
        Action.ENTERPRISE_UNBLOCKED,
        enterprise=block.enterprise,
        actor=None,
        target=block.person,
        before={"blocked_everywhere": True, "until": _iso(block.until), "reason": block.reason},
        after={"blocked_everywhere": False, END_DATE_REACHED: _iso(block.until)},
    )
    return _tell(block.person, block.enterprise, Told.UNBLOCKED, until=_iso(block.until))


def _grants_due(today: date) -> QuerySet[Grant]:
    return Grant.objects.filter(revoked_at__isnull=True, valid_until__lt=today)


def _memberships_due(today: date) -> QuerySet[Membership]:
    return Membership.objects.filter(status=Membership.Status.BLOCKED, blocked_until__lt=today)


def _blocks_due(today: date) -> QuerySet[EnterpriseBlock]:
    return EnterpriseBlock.objects.filter(lifted_at__isnull=True, until__lt=today)


def end_dates_reach(today: date | None = None) -> tuple[int, set[int]]:
    """Record the end of every grant and block whose end date has passed; answer how many, and
    the people to tell.

    One enterprise at a time, holding its row as every write does, so that a manager's action on
    the same rows waits or is waited for; run twice, it finds nothing the second time."""
    today = today or timezone.localdate()
    enterprises = (
        set(_grants_due(today).values_list("membership__group__enterprise_id", flat=True))
        | set(_memberships_due(today).values_list("group__enterprise_id", flat=True))
        | set(_blocks_due(today).values_list("enterprise_id", flat=True))
    )
    ended = 0
    told: set[int] = set()
    for enterprise_id in sorted(enterprises):
        with transaction.atomic():
            Enterprise.objects.select_for_update().filter(pk=enterprise_id).first()
            now = timezone.now()
            grants = (
                _grants_due(today)
                .select_for_update(of=("self",))
                .filter(membership__group__enterprise_id=enterprise_id)
                .select_related("service", "membership__person", "membership__group__role_type__domain")
                .select_related("membership__group__enterprise")
                .order_by("pk")
            )
            for grant in grants:
                told |= grant_end(grant, at=now)
                ended += 1
            memberships = (
                _memberships_due(today)
                .select_for_update(of=("self",))
                .filter(group__enterprise_id=enterprise_id)
                .select_related("person", "group__role_type__domain", "group__enterprise")
                .order_by("pk")
            )
            for membership in memberships:
                told |= membership_block_end(membership, at=now)
                ended += 1
            blocks = (
                _blocks_due(today)
                .select_for_update(of=("self",))
                .filter(enterprise_id=enterprise_id)
                .select_related("person", "enterprise")
                .order_by("pk")
            )
            for block in blocks:
                told |= enterprise_block_end(block, at=now)
                ended += 1
    return ended, told


def stale_grant_end(membership: Membership, service_id: int, *, at: datetime) -> set[int]:
    """A grant of this service past its end date whose end the sweep has not recorded yet: record
    it now, before the service is granted again (one current grant per service)."""
    today = timezone.localdate()
    stale = (
        Grant.objects.filter(membership=membership, service_id=service_id, revoked_at__isnull=True)
        .select_related("service", "membership__person", "membership__group__role_type__domain")
        .select_related("membership__group__enterprise")
        .first()
    )
    if stale is not None and not policy.in_force(stale.valid_until, today):
        return grant_end(stale, at=at)
    return set()


def stale_membership_block_end(membership: Membership, *, at: datetime) -> set[int]:
    """A block for the group past its end date whose end is not recorded yet: record it now."""
    if membership.status == Membership.Status.BLOCKED and not membership.is_blocked:
        return membership_block_end(membership, at=at)
    return set()


def stale_enterprise_block_end(enterprise: Enterprise, person_id: int, *, at: datetime) -> set[int]:
    """A block for all groups past its end date whose end is not recorded yet: record it now."""
    today = timezone.localdate()
    stale = (
        EnterpriseBlock.objects.filter(enterprise=enterprise, person_id=person_id, lifted_at__isnull=True)
        .select_related("person", "enterprise")
        .first()
    )
    if stale is not None and not policy.in_force(stale.until, today):
        return enterprise_block_end(stale, at=at)
    return set()
