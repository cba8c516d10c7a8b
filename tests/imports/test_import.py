"""The import and its undoing (tasks run in the test's process here; tests/imports/test_worker.py
runs them in a real Celery worker): every change goes through the access services with the import
named in its journal row, each person concerned is told once, a run is taken up again where it
stopped, and the undoing puts back what the import did where nothing changed since."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from access import services
from access.models import AuditEvent, Designation, Grant, Membership, OnlineService, Person
from accounts.models import OutboundMessage
from imports import report, running, selectors, tasks
from imports.models import Import, ImportRow
from tests import factories
from tests.factories import actor_of
from tests.imports.conftest import verdicts_of
from tests.imports.files import row

pytestmark = pytest.mark.django_db

DIMONA = "Dimona (immediate declaration of employment)"


@pytest.fixture(autouse=True)
def told_at_once(settings, eager_tasks):
    """Tasks run where they are queued, and a batch of notices closes at once."""
    settings.NOTICE_BATCH_SECONDS = 0


def memberships(person: Person) -> dict[str, tuple[str, list[str]]]:
    """The person's current memberships: group -> (status, services)."""
    found = Membership.objects.filter(person=person, removed_at__isnull=True).select_related("group__role_type")
    return {
        m.group.role_type.code: (
            m.status,
            sorted(Grant.objects.filter(membership=m, revoked_at__isnull=True).values_list("service__code", flat=True)),
        )
        for m in found
    }


@pytest.fixture
def scene(world):
    """People for every action: a user to block, one to unblock, one to remove, one losing a service."""
    w = world
    to_unblock = factories.member(factories.person(surname="Unblockme"), w.groups["employer"], ("dimona",))
    services.membership_block(
        actor_of(w, w.main), to_unblock, reason="Lost badge", until=timezone.localdate() + timedelta(days=30)
    )
    to_remove = factories.member(factories.person(surname="Removeme"), w.groups["employer"], ("dimona", "dmfa"))
    AuditEvent.objects.all()  # the journal so far is not what the tests read
    return {"to_unblock": to_unblock.person, "to_remove": to_remove.person}


def every_action(w, scene, newcomer: str) -> list[list[str]]:
    return [
        row(newcomer, services="dimona, dmfa", given_name="Nina", surname="Newcomer", email="nina@example.be"),
        row(w.member.niss, services="dmfa"),
        row(w.pension_member.niss, group="Pension-fund manager", action="block", reason="Left for a week"),
        row(w.tax_member.niss, group="Taxpayer", action="remove", services="myminfin"),
        row(scene["to_remove"].niss, action="remove", reason="Left the enterprise"),
        row(scene["to_unblock"].niss, action="unblock"),
        row("85.07.30-033.29"),
    ]


def test_an_import_carries_out_each_row_through_the_services_and_the_journal_names_it(
    world, scene, login, upload, commit
):
    w = world
    client = login(w.main)
    newcomer = factories.niss()
    job = upload(client, w.enterprise.pk, every_action(w, scene, newcomer))
    assert job.changes == 6
    journal_before = AuditEvent.objects.count()

    response = commit(client, job)
    assert response["Location"] == f"/e/{w.enterprise.pk}/import/{job.pk}/"
    assert (job.status, job.processed, job.carried_out) == (Import.Status.DONE, 6, 6)
    nina = Person.objects.get(niss=newcomer)
    assert (nina.full_name, nina.email) == ("Nina Newcomer", "nina@example.be")
    assert memberships(nina) == {"employer": ("active", ["dimona", "dmfa"])}
    assert memberships(w.member)["employer"] == ("active", ["dimona", "dmfa"])
    assert memberships(w.pension_member)["pension_fund"] == ("blocked", ["db2p"])
    assert memberships(w.tax_member)["taxpayer"] == ("active", [])
    assert memberships(scene["to_remove"]) == {}
    assert memberships(scene["to_unblock"])["employer"] == ("active", ["dimona"])
    assert [verdict for _line, verdict, _detail in verdicts_of(job)] == [
        "new user", "new grant", "blocked", "online services revoked", "removed from the group", "unblocked", "refused",
    ]  # fmt: skip

    # One journal row per change, each by the manager, from their address, naming the import (the
    # rows are carried out person by person, in the order of their numbers).
    events = list(AuditEvent.objects.order_by("pk")[journal_before:])
    assert sorted((event.target_person.surname, event.action) for event in events) == [
        ("Member", "service_granted"),
        ("Newcomer", "service_granted"),
        ("Newcomer", "service_granted"),
        ("Newcomer", "user_created"),
        ("Pension", "membership_blocked"),
        ("Removeme", "membership_deleted"),
        ("Taxman", "service_revoked"),
        ("Unblockme", "membership_unblocked"),
    ]
    assert {(event.actor_id, event.ip_address) for event in events} == {(w.main.pk, "127.0.0.1")}
    assert all(event.after["via"] == {"import": job.pk} for event in events)
    blocked = next(event for event in events if event.action == "membership_blocked")
    assert (blocked.reason, blocked.after["status"]) == ("Left for a week", "blocked")

    # The journal says so, on its page and in its export.
    page = client.get(f"/e/{w.enterprise.pk}/journal/").content.decode()
    assert page.count(f"via import #{job.pk}") == 8
    export = b"".join(client.get(f"/e/{w.enterprise.pk}/journal/export/").streaming_content).decode("utf-8-sig")
    actions = [line[1] for line in csv.reader(io.StringIO(export), delimiter=";")][1:]
    assert f"user added to the group, via import #{job.pk}" in actions


@pytest.mark.django_db(transaction=True)
def test_the_rows_of_a_person_are_told_in_one_email(world, login, upload, commit):
    """Each row commits on its own, and notices are told at once (a batch of 0): a person in two rows
    still gets one e-mail, once the import is over."""
    w = world
    w.member.email = "mats@example.be"
    w.member.save(update_fields=["email"])
    client = login(w.main)
    job = upload(
        client,
        w.enterprise.pk,
        [
            row(w.member.niss, services="dmfa, drs"),
            row(w.tax_member.niss, group="Taxpayer", services="biztax"),
            row(w.member.niss, group="Pension-fund manager", services="db2p"),
        ],
    )
    commit(client, job)
    [email] = OutboundMessage.objects.filter(recipient="mats@example.be")
    assert email.purpose == "access_changes"
    assert email.body.count("Online service granted") == 3
    assert "You have been added to the group Pension-fund manager." in email.body


def test_the_import_asks_the_policy_again_when_it_runs(world, login, upload, django_capture_on_commit_callbacks):
    w = world
    client = login(w.group_manager)
    job = upload(
        client,
        w.enterprise.pk,
        [row(w.member.niss, services="dmfa"), row(factories.niss(), given_name="A", surname="B")],
    )
    with django_capture_on_commit_callbacks() as queued:
        client.post(f"/e/{w.enterprise.pk}/import/{job.pk}/commit/")
    # The Group Manager loses the group before the worker takes the import.
    Designation.objects.filter(person=w.group_manager).update(revoked_at=timezone.now())
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.status == Import.Status.DONE and job.carried_out == 0
    assert [(verdict, detail) for _line, verdict, detail in verdicts_of(job)] == [
        ("refused", "This group is not one of the groups you manage."),
        ("refused", "This group is not one of the groups you manage."),
    ]
    assert memberships(w.member)["employer"] == ("active", ["dimona"])
    assert not AuditEvent.objects.filter(after__via__import=job.pk).exists()


def test_a_row_that_changed_since_the_check_is_weighed_again(world, login, upload, commit):
    w = world
    client = login(w.main)
    job = upload(
        client,
        w.enterprise.pk,
        [row(w.member.niss, services="dmfa"), row(w.tax_member.niss, group="Taxpayer", action="block", reason="x")],
    )
    services.grant_create(actor_of(w, w.co_main), w.member_membership, OnlineService.objects.get(code="dmfa"))
    commit(client, job)
    assert [verdict for _line, verdict, _detail in verdicts_of(job)] == ["already there", "blocked"]
    assert job.carried_out == 1


def test_an_import_is_started_once_and_within_a_day_of_its_check(world, login, upload, commit):
    w = world
    client = login(w.main)
    job = upload(client, w.enterprise.pk, [row(w.member.niss, services="dmfa")])
    commit(client, job)
    response = client.post(f"/e/{w.enterprise.pk}/import/{job.pk}/commit/", follow=True)
    assert "This import has already been started." in response.content.decode()
    old = upload(client, w.enterprise.pk, [row(w.member.niss, services="drs")])
    Import.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    page = client.get(f"/e/{w.enterprise.pk}/import/{old.pk}/").content.decode()
    assert "This check is more than a day old" in page and "Start the import" not in page
    response = client.post(f"/e/{w.enterprise.pk}/import/{old.pk}/commit/", follow=True)
    assert "This check of the file is more than a day old: upload the file again." in response.content.decode()
    old.refresh_from_db()
    assert old.status == Import.Status.PREVIEW


def test_a_stopped_run_is_taken_up_again_where_it_was(world, login, upload, django_capture_on_commit_callbacks):
    w = world
    client = login(w.main)
    job = upload(
        client,
        w.enterprise.pk,
        [row(w.member.niss, services="dmfa"), row(w.tax_member.niss, group="Taxpayer", services="biztax")],
    )
    with django_capture_on_commit_callbacks():  # the broker is down: the task is lost
        client.post(f"/e/{w.enterprise.pk}/import/{job.pk}/commit/")
    # A worker had carried out the first row when it died.
    first = job.rows.get(line=2)
    plan = running.planning.plan(running._actor(job), [running.Row(line=first.line, cells=first.cells)])[0]
    running._carry_out(running._actor(job), first, plan)
    Import.objects.filter(pk=job.pk).update(status=Import.Status.RUNNING, processed=1)
    assert tasks.imports_resume() == 0  # its progress moved a moment ago
    with time_machine.travel(timezone.now() + running.STALLED + timedelta(seconds=1)):
        assert tasks.imports_resume() == 1
    job.refresh_from_db()
    assert job.status == Import.Status.DONE and job.carried_out == 2
    assert memberships(w.member)["employer"] == ("active", ["dimona", "dmfa"])
    assert AuditEvent.objects.filter(after__via__import=job.pk, action="service_granted").count() == 2


def test_the_undoing_puts_back_what_the_import_did(world, scene, login, upload, commit):
    w = world
    client = login(w.main)
    newcomer = factories.niss()
    job = upload(client, w.enterprise.pk, every_action(w, scene, newcomer))
    people = [w.member, w.pension_member, w.tax_member, scene["to_remove"], scene["to_unblock"]]
    before = {person.pk: memberships(person) for person in people}
    block_before = Membership.objects.get(person=scene["to_unblock"], removed_at__isnull=True)
    commit(client, job)
    journal = AuditEvent.objects.count()

    page = client.get(f"/e/{w.enterprise.pk}/import/{job.pk}/").content.decode()
    assert "Undo the import" in page
    commit(client, job, "undo")
    assert (job.status, job.processed) == (Import.Status.UNDONE, 6)
    assert {person.pk: memberships(person) for person in people} == before
    assert memberships(Person.objects.get(niss=newcomer)) == {}
    unblocked = Membership.objects.get(person=scene["to_unblock"], removed_at__isnull=True)
    assert (unblocked.block_reason, unblocked.blocked_until) == ("Lost badge", block_before.blocked_until)
    undoing = list(AuditEvent.objects.order_by("pk")[journal:])
    assert len(undoing) == 8
    assert all(event.after["via"] == {"import": job.pk, "undo": True} for event in undoing)
    assert next(e for e in undoing if e.action == "membership_deleted").reason == f"Undoing import #{job.pk}"
    page = client.get(f"/e/{w.enterprise.pk}/journal/").content.decode()
    assert page.count(f"via the undoing of import #{job.pk}") == 8
    page = client.get(f"/e/{w.enterprise.pk}/import/{job.pk}/").content.decode()
    assert "undone: 6" in page and "Undo the import" not in page


def test_the_undoing_leaves_what_changed_since_and_says_why(world, scene, login, upload, commit):
    w = world
    client = login(w.main)
    newcomer = factories.niss()
    job = upload(client, w.enterprise.pk, every_action(w, scene, newcomer))
    commit(client, job)
    manager = actor_of(w, w.co_main)
    nina = Membership.objects.get(person__niss=newcomer)
    services.membership_block(manager, nina, reason="Since")  # the new user, blocked since
    services.grant_revoke(
        manager, w.member_membership, OnlineService.objects.get(code="dmfa")
    )  # the new grant, revoked
    services.membership_unblock(manager, Membership.objects.get(person=w.pension_member, removed_at__isnull=True))
    services.membership_create(manager, group=w.groups["employer"], person=scene["to_remove"])  # back in the group

    commit(client, job, "undo")
    assert job.status == Import.Status.UNDONE
    rows = {r.line: (r.undo, r.undo_detail.get("why")) for r in job.rows.all()}
    assert rows == {
        2: ("not_undone", "blocked"),
        3: ("not_undone", "revoked"),
        4: ("not_undone", "unblocked"),
        5: ("undone", None),
        6: ("not_undone", "member_again"),
        7: ("undone", None),
        8: ("", None),
    }
    assert memberships(Person.objects.get(niss=newcomer)) == {"employer": ("blocked", ["dimona", "dmfa"])}
    page = client.get(f"/e/{w.enterprise.pk}/import/{job.pk}/").content.decode()
    assert "not undone: They have been blocked since." in page
    assert "undone: 2" in page and "not undone: 4" in page
    lines = list(csv.reader(io.StringIO(_report(client, job)), delimiter=";"))
    assert lines[0][-4:] == ["Result", "Details", "Undo", "Why not undone"]
    assert lines[1][-2:] == ["not undone", "They have been blocked since."]


def test_an_import_is_undone_within_24_hours_of_its_end(world, login, upload, commit):
    w = world
    client = login(w.main)
    job = upload(client, w.enterprise.pk, [row(w.member.niss, services="dmfa")])
    commit(client, job)
    Import.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(hours=24, seconds=1))
    page = client.get(f"/e/{w.enterprise.pk}/import/{job.pk}/").content.decode()
    assert "Undo the import" not in page
    response = client.post(f"/e/{w.enterprise.pk}/import/{job.pk}/undo/", follow=True)
    assert "An import can be undone within 24 hours of its end; this one ended earlier." in response.content.decode()
    job.refresh_from_db()
    assert job.status == Import.Status.DONE
    assert memberships(w.member)["employer"] == ("active", ["dimona", "dmfa"])


def _report(client, job: Import) -> str:
    response = client.get(f"/e/{job.enterprise_id}/import/{job.pk}/report/")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_report_gives_each_row_with_what_came_of_it(world, login, upload, commit):
    w = world
    client = login(w.main)
    job = upload(client, w.enterprise.pk, [row(w.member.niss, services="dmfa"), row("85.07.30-033.29")])
    preview = list(csv.reader(io.StringIO(_report(client, job)), delimiter=";"))
    assert preview[0] == [
        "Line", "National register number", "Given name", "Surname", "E-mail address", "Group", "Online services",
        "Action", "Reason", "Preview", "Details",
    ]  # fmt: skip
    commit(client, job)
    lines = list(csv.reader(io.StringIO(_report(client, job)), delimiter=";"))
    assert lines[0][-2:] == ["Result", "Details"]
    masked = w.member.niss_masked
    assert lines[1] == [
        "2",
        masked,
        "",
        "",
        "",
        "Employer",
        "dmfa",
        "add",
        "",
        "new grant",
        "DmfA (multifunctional declaration)",
    ]
    assert lines[2][:2] == ["3", "85.07.30-033.29"] and lines[2][-2:] == [
        "refused",
        "This national register number is not valid: its check digits do not match.",
    ]
    assert w.member.niss not in _report(client, job)


def test_no_cell_of_the_report_runs_as_a_formula(world, login, upload):
    """The file refuses formulas; the report is written safe all the same, as the journal's export."""
    job = upload(login(world.main), world.enterprise.pk, [row(world.member.niss, services="dmfa")])
    ImportRow.objects.filter(job=job).update(cells={"given_name": '=HYPERLINK("http://x")', "surname": "@SUM(A1)"})
    lines = list(report.lines(job, selectors.rows_of(job), selectors.service_names()))
    assert lines[1][2:4] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)"]


def test_the_progress_of_an_import(world, login, upload, commit):
    w = world
    client = login(w.main)
    job = upload(client, w.enterprise.pk, [row(w.member.niss, services="dmfa")])
    url = f"/e/{w.enterprise.pk}/import/{job.pk}/progress/"
    assert client.get(url).json() == {
        "status": "preview",
        "processed": 0,
        "goal": 1,
        "text": "0 of 1 rows",
        "finished": True,
    }
    commit(client, job)
    assert client.get(url).json() == {
        "status": "done",
        "processed": 1,
        "goal": 1,
        "text": "1 of 1 rows",
        "finished": True,
    }
