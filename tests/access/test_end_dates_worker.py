"""The hourly sweep of end dates in a real Celery worker, on Redis and the test database: the task
queued as beat queues it records the ends that have come, journaled as done by the portal, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from access.models import AuditEvent, Grant, GroupBlock, Membership
from access.tasks import end_dates_reached
from tests.accounts.test_worker import _start_worker, wait_for


def ends_recorded() -> list[tuple[str, int | None]]:
    rows = AuditEvent.objects.filter(actor__isnull=True, after__has_key="end_date_reached").order_by("pk")
    return list(rows.values_list("action", "target_person_id"))


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_records_the_ends_that_have_come_once(world, smtp_server, sms_gateway, tmp_path):
    yesterday = timezone.localdate() - timedelta(days=1)
    # As the rows stand once midnight has passed: a grant and a block whose end dates were yesterday.
    Grant.objects.filter(membership=world.member_membership).update(valid_until=yesterday)
    blocked_at = timezone.now() - timedelta(days=3)
    Membership.objects.filter(pk=world.pension_membership.pk).update(
        status="blocked", blocked_at=blocked_at, block_reason="Leave", blocked_until=yesterday
    )
    GroupBlock.objects.create(
        membership=world.pension_membership, blocked_at=blocked_at, reason="Leave", until=yesterday
    )

    log = tmp_path / "worker.log"
    process = _start_worker(log, smtp_server, sms_gateway)
    try:
        end_dates_reached.delay()
        assert wait_for(lambda: len(ends_recorded()) == 2, 60), log.read_text()
        end_dates_reached.delay()  # beat's next hour: nothing more to do
        assert wait_for(lambda: log.read_text().count("end_dates_reached") >= 4, 60), log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=20)

    assert ends_recorded() == [
        ("service_revoked", world.member.pk),
        ("membership_unblocked", world.pension_member.pk),
    ]
    assert Grant.objects.get(membership=world.member_membership).revoked_at is not None
    membership = Membership.objects.get(pk=world.pension_membership.pk)
    assert (membership.status, membership.blocked_until) == ("active", None)
    assert GroupBlock.objects.get().lifted_at is not None
    assert "succeeded" in log.read_text()
