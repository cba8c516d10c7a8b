"""The closing of an access review at its deadline, in a real Celery worker on Redis (docs/design.md
§5.13): the task that beat runs every hour closes the review whose deadline has passed, ends the
grants no manager confirmed, journaled as done by the system with the review's id, and the holder
of each gets the e-mail that says so, through the notices and the outbox, from the same worker."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from access import services
from access.models import AccessReview, AuditEvent, Grant
from access.tasks import reviews_close
from tests.factories import actor_of

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def start_worker(log: Path, smtp_server) -> subprocess.Popen:
    """A real `celery worker` on the test database and this run's Redis, its e-mail to the SMTP
    server of the test, each change told at once (no batch to wait for)."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "NOTICE_BATCH_SECONDS": "0",
    }
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--purge", "--loglevel=INFO",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    assert wait_for(lambda: "ready" in log.read_text() or process.poll() is not None), log.read_text()
    assert process.poll() is None, log.read_text()
    return process


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_closes_the_review_at_its_deadline_and_ends_what_was_not_confirmed(world, smtp_server, tmp_path):
    for person, email in ((world.member, "mats@example.be"), (world.tax_member, "tom@example.be")):
        person.email = email
        person.save(update_fields=["email"])
    main = actor_of(world, world.main)
    review = services.review_start(
        main, domain=None, deadline=timezone.localdate() + timedelta(days=1), end_unconfirmed=True
    )
    dimona = Grant.objects.get(membership=world.member_membership, service__code="dimona")
    services.review_grant_confirm(actor_of(world, world.group_manager), review, review.items.get(grant=dimona))
    # The deadline has passed: it was yesterday (the worker lives in real time).
    AccessReview.objects.filter(pk=review.pk).update(deadline=timezone.localdate() - timedelta(days=1))

    log = tmp_path / "worker.log"
    process = start_worker(log, smtp_server)
    try:
        reviews_close.delay()
        assert wait_for(lambda: AccessReview.objects.get(pk=review.pk).closed_at is not None), log.read_text()
        tax = Grant.objects.get(membership=world.tax_membership, service__code="myminfin")
        assert tax.revoked_at is not None and tax.revoked_by is None
        assert Grant.objects.get(pk=dimona.pk).revoked_at is None  # confirmed: kept
        ended = AuditEvent.objects.filter(action="review_ended").order_by("pk")
        assert [(event.actor, event.target_person) for event in ended] == [
            (None, world.pension_member),
            (None, world.tax_member),
        ]
        assert {event.after["review"] for event in ended} == {review.pk}
        closed = AuditEvent.objects.get(action="review_closed")
        assert (closed.actor, closed.after["ended"], closed.after["confirmed"]) == (None, 2, 1)
        # The taxpayer, who has an e-mail address, is told by the worker; the pension member has none.
        assert wait_for(lambda: len(smtp_server.messages) == 1, 60), log.read_text()
        assert smtp_server.messages[0]["To"] == "tom@example.be"
        body = smtp_server.bodies()[0].replace("\r\n", "\n")
        assert "no manager confirmed it in the access review" in body
    finally:
        process.terminate()
        process.wait(timeout=20)
