"""An import and its undoing carried out by a real Celery worker on Redis, as in production: the
manager's request only queues them; the page's progress moves to its end; each row commits on its
own and each person concerned gets one e-mail; the undoing puts everything back."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from access.models import AuditEvent, Membership
from accounts.models import OutboundMessage
from imports.models import Import
from tests import factories
from tests.imports.files import row
from tests.imports.worker import celery_worker, wait_for


@pytest.fixture
def worker(tmp_path) -> Iterator[Path]:
    with celery_worker(tmp_path / "worker.log") as log:
        yield log


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_then_undoes_a_file(world, login, upload, worker):
    w = world
    people = [factories.person(surname=f"Staff{index}", email=f"staff{index}@example.be") for index in range(40)]
    rows = [row(person.niss, services="dimona") for person in people]
    rows += [row(person.niss, group="Pension-fund manager", services="db2p") for person in people[:5]]
    client = login(w.main)
    job = upload(client, w.enterprise.pk, rows)
    assert job.changes == 45

    response = client.post(f"/e/{w.enterprise.pk}/import/{job.pk}/commit/")
    assert response.status_code == 302  # the request only queued the import
    progress_url = f"/e/{w.enterprise.pk}/import/{job.pk}/progress/"
    seen: list[int] = []

    def finished() -> bool:
        progress = client.get(progress_url).json()
        seen.append(progress["processed"])
        return progress["finished"]

    assert wait_for(finished), worker.read_text()
    assert seen == sorted(seen) and seen[-1] == 45
    job.refresh_from_db()
    assert (job.status, job.carried_out) == (Import.Status.DONE, 45)
    assert Membership.objects.filter(person__in=people, removed_at__isnull=True).count() == 45
    assert AuditEvent.objects.filter(after__via__import=job.pk).count() == 90  # a user added and a service granted
    # One e-mail each, the five people added to two groups included, written once the import was over.
    assert wait_for(lambda: OutboundMessage.objects.filter(status="sent").count() == 40), worker.read_text()
    assert sorted(OutboundMessage.objects.values_list("recipient", flat=True)) == sorted(p.email for p in people)
    assert "Pension-fund manager" in OutboundMessage.objects.get(recipient=people[0].email).body

    response = client.post(f"/e/{w.enterprise.pk}/import/{job.pk}/undo/")
    assert response.status_code == 302
    assert wait_for(finished), worker.read_text()
    job.refresh_from_db()
    assert (job.status, job.processed) == (Import.Status.UNDONE, 45)
    assert not Membership.objects.filter(person__in=people, removed_at__isnull=True).exists()
    assert AuditEvent.objects.filter(after__via__import=job.pk, after__via__undo=True).count() == 45
    page = client.get(f"/e/{w.enterprise.pk}/import/{job.pk}/").content.decode()
    assert "undone: 45" in page
