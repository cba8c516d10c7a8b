"""The dated history that "who could act" reads (docs/design.md §3.4): every block for one group is a
row of its own, written with the membership's current block by the same services; an enterprise's
closures follow its status, changed by staff in the admin or by an activation; and the rows that
held before the history was kept are read back from the journal by a data migration."""

import importlib
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from access import services
from access.models import Enterprise, EnterpriseClosure, GroupBlock, Membership
from tests.access.test_admin_journal import change
from tests.factories import actor_of

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("access.migrations.0010_group_blocks_and_closures_from_history")
HOUR = timedelta(hours=1)
STEP = timedelta(minutes=10)  # within the staff session's idle time


def blocks_of(membership: Membership) -> list[tuple]:
    rows = GroupBlock.objects.filter(membership=membership).order_by("blocked_at", "pk")
    return list(rows.values_list("blocked_at", "blocked_by", "reason", "until", "lifted_at", "lifted_by"))


def a_history_of_blocks(world) -> list[Membership]:
    """Blocks and unblocks over a few hours, and a removal while blocked."""
    start = timezone.now()
    gm = world.group_manager
    steps = [
        lambda: services.membership_block(actor_of(world, gm), world.member_membership, reason="One"),
        lambda: services.membership_unblock(actor_of(world, gm), world.member_membership),
        lambda: services.membership_block(
            actor_of(world, gm), world.member_membership, reason="Two", until=timezone.localdate() + timedelta(days=9)
        ),
        lambda: services.membership_block(actor_of(world, world.main), world.pension_membership, reason="Three"),
        lambda: services.membership_delete(actor_of(world, world.main), world.pension_membership, reason="Gone"),
    ]
    for hours, step in enumerate(steps, start=1):
        with time_machine.travel(start + hours * HOUR, tick=False):
            step()
    return [world.member_membership, world.pension_membership]


def test_the_services_keep_each_block_and_the_membership_its_current_one(world):
    member, pension = a_history_of_blocks(world)

    assert [(reason, lifted is None) for _at, _by, reason, _until, lifted, _lb in blocks_of(member)] == [
        ("One", False),
        ("Two", True),
    ]
    member.refresh_from_db()
    [current] = GroupBlock.objects.filter(membership=member, lifted_at__isnull=True)
    assert (member.status, member.block_reason, member.blocked_until, member.blocked_at) == (
        "blocked",
        current.reason,
        current.until,
        current.blocked_at,
    )
    [(_at, _by, reason, _until, lifted, lifted_by)] = blocks_of(pension)
    pension.refresh_from_db()
    assert (reason, lifted, lifted_by) == ("Three", pension.removed_at, world.main.pk)


def test_the_data_migration_reads_the_blocks_back_from_the_journal(world):
    member, pension = a_history_of_blocks(world)
    written = {m.pk: blocks_of(m) for m in (member, pension)}
    # A membership blocked with no journal row (as staff or an old import left some).
    Membership.objects.filter(pk=world.tax_membership.pk).update(
        status="blocked", blocked_at=timezone.now(), block_reason="Old", blocked_by=world.main
    )
    GroupBlock.objects.all().delete()

    MIGRATION.group_blocks(apps, None)

    assert {m.pk: blocks_of(m) for m in (member, pension)} == written
    [(_at, by, reason, until, lifted, _lb)] = blocks_of(world.tax_membership)
    assert (by, reason, until, lifted) == (world.main.pk, "Old", None, None)


def test_closures_follow_the_status_staff_set_in_the_admin(staff_client, world):
    url = f"/admin/access/enterprise/{world.enterprise.pk}/change/"
    start = timezone.now()
    with time_machine.travel(start + STEP, tick=False):
        change(staff_client, url, status="closed")
    with time_machine.travel(start + 2 * STEP, tick=False):
        change(staff_client, url, status="active")
    with time_machine.travel(start + 3 * STEP, tick=False):
        change(staff_client, url, status="pending")
    with time_machine.travel(start + 4 * STEP, tick=False):
        change(staff_client, url, status="closed")

    closures = EnterpriseClosure.objects.filter(enterprise=world.enterprise).order_by("closed_at")
    assert [(c.status, c.closed_at - start, c.reopened_at and c.reopened_at - start) for c in closures] == [
        ("closed", STEP, 2 * STEP),
        ("closed", 3 * STEP, None),  # set to pending, then closed: one closure, now closed
    ]


def test_an_activation_ends_the_closure_and_the_migration_reads_closures_from_the_journal(staff_client, world):
    url = f"/admin/access/enterprise/{world.enterprise.pk}/change/"
    start = timezone.now()
    with time_machine.travel(start + STEP, tick=False):
        change(staff_client, url, status="pending")
    with time_machine.travel(start + 2 * STEP, tick=False):
        services.enterprises_activate_pending(world.main, method={"amr": "pwd"}, ip=None)
    with time_machine.travel(start + 3 * STEP, tick=False):
        change(staff_client, url, status="closed")
    assert Enterprise.objects.get(pk=world.enterprise.pk).status == "closed"
    written = list(EnterpriseClosure.objects.order_by("closed_at").values_list("status", "closed_at", "reopened_at"))
    assert [(status, closed - start, reopened and reopened - start) for status, closed, reopened in written] == [
        ("pending", STEP, 2 * STEP),
        ("closed", 3 * STEP, None),
    ]

    EnterpriseClosure.objects.all().delete()
    MIGRATION.closures(apps, None)

    assert list(EnterpriseClosure.objects.order_by("closed_at").values_list("status", "closed_at", "reopened_at")) == (
        written
    )
