"""Four eyes on an import that blocks or removes many people (docs/design.md §5.15, decisions.md
§18.9–10): the rows past the threshold wait together, in one request for the import, which a second
manager approves or refuses once; the undoing of an import never waits and never counts."""

import pytest
from django.core.exceptions import PermissionDenied

from access import approvals, services
from access.models import ApprovalRequest, AuditEvent, Membership, Notice
from accounts.models import OutboundMessage
from imports import waiting
from imports.models import Import
from tests import factories
from tests.factories import actor_of
from tests.imports.conftest import verdicts_of
from tests.imports.files import row
from tests.queries import queries_of

pytestmark = pytest.mark.django_db

WAITS = "This change waits for a second manager's approval."


@pytest.fixture(autouse=True)
def told_at_once(settings, eager_tasks):
    """Tasks run where they are queued (the import, then its undoing), and notices go at once."""
    settings.NOTICE_BATCH_SECONDS = 0


def staff(world, count: int) -> list[Membership]:
    """Members of the group in the order the import goes through them (by national number)."""
    many = [
        factories.member(factories.person(None, "Many", f"Staff{index:02d}"), world.groups["employer"], ("dimona",))
        for index in range(count)
    ]
    return sorted(many, key=lambda membership: membership.person.niss or "")


def blocking_import(world, login, upload, commit, count: int = 15):
    """The MAM imports a file blocking `count` people: from the 11th on, the rows wait."""
    for person in (world.main, world.co_main, world.legal_representative):
        person.email = f"{person.given_name.lower()}@example.com"
        person.save(update_fields=["email"])
    many = staff(world, count)
    client = login(world.main)
    job = upload(client, world.enterprise.pk, [row(m.person.niss, action="block", reason="Left") for m in many])
    commit(client, job)
    return job, many


def blocked(memberships: list[Membership]) -> list[bool]:
    return [Membership.objects.get(pk=m.pk).is_blocked for m in memberships]


def test_the_rows_past_the_threshold_wait_in_one_request_for_the_import(world, login, upload, commit):
    job, many = blocking_import(world, login, upload, commit)

    assert blocked(many) == [True] * 10 + [False] * 5
    request = ApprovalRequest.objects.get()
    assert (request.kind, request.requested_by, request.target) == ("import_rows", world.main, None)
    assert (request.params["import"], request.params["rows"], request.params["people"]) == (job.pk, 5, 5)
    # Each waiting row says so, with the request's number.
    waiting = [(line, detail) for line, verdict, detail in verdicts_of(job) if verdict == "refused"]
    assert [line for line, _detail in waiting] == [12, 13, 14, 15, 16]
    assert {detail for _line, detail in waiting} == {f"{WAITS} Request no. {request.pk}."}
    # The journal records the request once; each second manager is told once.
    assert AuditEvent.objects.filter(action="approval_requested").count() == 1
    asked = sorted(Notice.objects.filter(kind="approval_asked").values_list("person", flat=True))
    assert asked == sorted([world.co_main.pk, world.legal_representative.pk])
    told = OutboundMessage.objects.filter(recipient="colette@example.com")
    assert told.count() == 1
    assert f"Import no. {job.pk} (users.csv): block or remove 5 people (5 rows)" in told.get().body

    page = login(world.co_main).get(f"/e/{world.enterprise.pk}/approvals/").content.decode()
    assert f"Import no. {job.pk} (users.csv): block or remove 5 people (5 rows)" in page
    assert f'href="/e/{world.enterprise.pk}/import/{job.pk}/"' not in page  # only its author opens an import
    page = login(world.main).get(f"/e/{world.enterprise.pk}/approvals/").content.decode()
    assert f'href="/e/{world.enterprise.pk}/import/{job.pk}/"' in page
    journal = login(world.main).get(f"/e/{world.enterprise.pk}/journal/?action=approval_requested").content.decode()
    assert "users.csv" in journal and "People" in journal


def test_approving_the_request_blocks_the_waiting_people_as_the_requester(world, login, upload, commit):
    job, many = blocking_import(world, login, upload, commit)
    request = ApprovalRequest.objects.get()

    services.approval_approve(actor_of(world, world.co_main), request)

    assert blocked(many) == [True] * 15
    request.refresh_from_db()
    assert (request.status, request.outcome) == ("approved", "")
    made = AuditEvent.objects.filter(action="membership_blocked", target_person__in=[m.person for m in many[10:]])
    assert made.count() == 5
    assert {(event.actor_id, event.after["via"]["approval"], event.reason) for event in made} == {
        (world.main.pk, request.pk, "Left")
    }
    assert AuditEvent.objects.filter(action="approval_granted").count() == 1


def test_the_rows_refused_at_approval_are_named_in_its_outcome(world, login, upload, commit):
    job, many = blocking_import(world, login, upload, commit)
    request = ApprovalRequest.objects.get()
    services.membership_block(actor_of(world, world.co_main), many[12], reason="Since")

    services.approval_approve(actor_of(world, world.legal_representative), request)

    assert blocked(many[10:]) == [True] * 5
    request.refresh_from_db()
    assert request.status == "approved"
    assert request.outcome == "1 of 5 rows not carried out: line 14: This user is already blocked for this group."
    assert AuditEvent.objects.filter(action="membership_blocked", after__via__approval=request.pk).count() == 4


def test_refusing_the_request_blocks_nobody(world, login, upload, commit):
    job, many = blocking_import(world, login, upload, commit)
    request = ApprovalRequest.objects.get()

    services.approval_refuse(actor_of(world, world.co_main), request)

    assert blocked(many) == [True] * 10 + [False] * 5
    assert not AuditEvent.objects.filter(after__via__approval=request.pk).exists()


def test_the_requester_cannot_approve_the_rows_of_their_import(world, login, upload, commit):
    blocking_import(world, login, upload, commit)
    request = ApprovalRequest.objects.get()
    with pytest.raises(PermissionDenied):
        services.approval_approve(actor_of(world, world.main), request)


def test_the_page_of_requests_costs_the_same_queries_with_one_or_many_imports_waiting(world, login, upload, commit):
    blocking_import(world, login, upload, commit, count=11)
    client = login(world.co_main)
    small = queries_of(client, f"/e/{world.enterprise.pk}/approvals/")
    for _ in range(3):
        blocking_import(world, login, upload, commit, count=2)
    assert ApprovalRequest.objects.count() == 4
    assert queries_of(client, f"/e/{world.enterprise.pk}/approvals/") == small


def test_undoing_an_import_of_many_people_never_waits_nor_counts(world, login, upload, commit):
    people = [factories.person(surname=f"New{index}") for index in range(12)]
    client = login(world.main)
    job = upload(client, world.enterprise.pk, [row(person.niss, services="dimona") for person in people])
    commit(client, job)

    commit(client, job, "undo")

    assert (job.status, job.processed) == (Import.Status.UNDONE, 12)
    assert not Membership.objects.filter(person__in=people, removed_at__isnull=True).exists()
    assert not ApprovalRequest.objects.exists()
    # The twelve removals of the undoing do not count: the next block goes through.
    services.membership_block(actor_of(world, world.main), world.member_membership, reason="Left")
    assert not ApprovalRequest.objects.exists()


def test_the_request_of_an_import_expires_and_blocks_nobody(world, login, upload, commit):
    job, many = blocking_import(world, login, upload, commit, count=12)
    request = ApprovalRequest.objects.get()

    approvals.approvals_expire(now=request.expires_at)

    request.refresh_from_db()
    assert request.status == "expired"
    assert blocked(many) == [True] * 10 + [False] * 2
    told = Notice.objects.get(kind="approval_decided", person=world.main)
    assert (told.details["action"], told.details["import"], told.details["people"]) == ("import_rows", job.pk, 2)


def test_a_long_file_waits_in_requests_of_a_bounded_number_of_rows(world, login, upload, commit, monkeypatch):
    """Approving is one web request: a request holds at most ROWS_PER_REQUEST rows, so that its
    approval ends well within the server's timeout whatever the length of the file."""
    monkeypatch.setattr(waiting, "ROWS_PER_REQUEST", 2)
    job, many = blocking_import(world, login, upload, commit)

    requests = list(ApprovalRequest.objects.order_by("pk"))
    assert [request.params["rows"] for request in requests] == [2, 2, 1]
    details = [detail for _line, verdict, detail in verdicts_of(job) if verdict == "refused"]
    asked = [request.pk for request in requests for _row in range(request.params["rows"])]
    assert details == [f"{WAITS} Request no. {pk}." for pk in asked]
    services.approval_approve(actor_of(world, world.co_main), requests[1])
    assert blocked(many) == [True] * 10 + [False, False, True, True, False]
