"""The blocks for one group and the closures of enterprises that held before their history was
kept: read back from the journal, and from the rows' current state where the journal says nothing.

- Each block and unblock of the journal is put on the membership that the person had in the group
  at that moment; a membership blocked now keeps its own block (its reason, end date and author),
  and one blocked with no block in the journal gets one from its fields. A block still open on a
  removed membership ends with the removal.
- An enterprise that was active and is not any more is closed from the moment the journal says
  staff changed its status, or from now when the journal does not say.
"""

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

BLOCKED, UNBLOCKED = "membership_blocked", "membership_unblocked"
STAFF_CHANGED, ACTIVATED = "staff_changed", "enterprise_activated"


def _membership_at(Membership, person_id, group_id, moment):
    return (
        Membership.objects.filter(person_id=person_id, group_id=group_id, created_at__lte=moment)
        .filter(Q(removed_at__isnull=True) | Q(removed_at__gt=moment))
        .order_by("-created_at", "-pk")
        .first()
    )


def group_blocks(apps, schema_editor):
    AuditEvent = apps.get_model("access", "AuditEvent")
    Membership = apps.get_model("access", "Membership")
    GroupBlock = apps.get_model("access", "GroupBlock")
    now = timezone.now()
    open_blocks = {}  # membership id -> an unsaved GroupBlock
    events = (
        AuditEvent.objects.filter(action__in=[BLOCKED, UNBLOCKED], target_person__isnull=False, group__isnull=False)
        .order_by("created_at", "pk")
        .values_list("action", "created_at", "actor_id", "target_person_id", "group_id", "reason", "after")
    )
    for action, moment, actor_id, person_id, group_id, reason, after in events.iterator():
        membership = _membership_at(Membership, person_id, group_id, moment)
        if membership is None:
            continue
        if action == BLOCKED and membership.pk not in open_blocks:
            until = (after or {}).get("until") if isinstance(after, dict) else None
            open_blocks[membership.pk] = GroupBlock(
                membership_id=membership.pk,
                blocked_by_id=actor_id,
                blocked_at=moment,
                reason=reason or "–",
                until=until or None,
            )
        elif action == UNBLOCKED and membership.pk in open_blocks:
            block = open_blocks.pop(membership.pk)
            block.lifted_at, block.lifted_by_id = moment, actor_id
            block.save()
    blocked = {m.pk: m for m in Membership.objects.filter(status="blocked")}
    for membership_id, block in open_blocks.items():
        membership = blocked.get(membership_id)
        if membership is not None:
            # The membership's own fields are its current block.
            block.blocked_at = membership.blocked_at or block.blocked_at
            block.blocked_by_id = membership.blocked_by_id
            block.reason = membership.block_reason or block.reason
            block.until = membership.blocked_until
            block.lifted_at, block.lifted_by_id = membership.removed_at, membership.removed_by_id
        else:
            removed_at, removed_by = Membership.objects.filter(pk=membership_id).values_list(
                "removed_at", "removed_by_id"
            )[0]
            block.lifted_at, block.lifted_by_id = (removed_at, removed_by) if removed_at else (now, None)
        block.save()
    for membership in blocked.values():
        if membership.pk in open_blocks:
            continue
        GroupBlock.objects.create(
            membership_id=membership.pk,
            blocked_by_id=membership.blocked_by_id,
            blocked_at=membership.blocked_at or membership.created_at,
            reason=membership.block_reason or "–",
            until=membership.blocked_until,
            lifted_at=membership.removed_at,
            lifted_by_id=membership.removed_by_id if membership.removed_at else None,
        )


def closures(apps, schema_editor):
    AuditEvent = apps.get_model("access", "AuditEvent")
    Enterprise = apps.get_model("access", "Enterprise")
    EnterpriseClosure = apps.get_model("access", "EnterpriseClosure")
    now = timezone.now()
    for enterprise in Enterprise.objects.all():
        changes = []
        events = AuditEvent.objects.filter(enterprise=enterprise, action__in=[STAFF_CHANGED, ACTIVATED]).order_by(
            "created_at", "pk"
        )
        for action, moment, before, after in events.values_list("action", "created_at", "before", "after"):
            if action == ACTIVATED:
                changes.append((moment, "pending", "active"))
            elif isinstance(after, dict) and isinstance(before, dict) and "status" in after and "status" in before:
                changes.append((moment, before["status"], after["status"]))
        ever_active = enterprise.activated_at is not None or any(new == "active" for _m, _old, new in changes)
        if not ever_active:
            continue
        closure = None
        for moment, old, new in changes:
            if old == "active" and new != "active" and closure is None:
                closure = EnterpriseClosure(enterprise_id=enterprise.pk, status=new, closed_at=moment)
            elif new == "active" and closure is not None:
                closure.reopened_at = moment
                closure.save()
                closure = None
        if enterprise.status != "active":
            closure = closure or EnterpriseClosure(enterprise_id=enterprise.pk, status=enterprise.status, closed_at=now)
            closure.status = enterprise.status
            closure.save()
        elif closure is not None:
            closure.reopened_at = now
            closure.save()


def forward(apps, schema_editor):
    group_blocks(apps, schema_editor)
    closures(apps, schema_editor)


def backward(apps, schema_editor):
    apps.get_model("access", "GroupBlock").objects.all().delete()
    apps.get_model("access", "EnterpriseClosure").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0009_group_blocks_and_closures")]

    operations = [migrations.RunPython(forward, backward)]
