"""Faults in the middle of an action: a worker killed while it sends, a write that fails after
another one of the same action.

Already covered elsewhere: the SMTP server down, the SMS gateway answering 500 or timing out
(tests/accounts/test_outbox.py), and Redis down when a designation commits, then a real worker
delivering once (tests/accounts/test_worker.py).
"""

import asyncio
import os
import signal
import threading

import pytest
from django.conf import global_settings
from django.contrib.auth import authenticate
from django.db import connection

from access.models import AuditEvent, Designation, Membership, OnlineService, Person
from accounts import outbox
from accounts.models import OutboundMessage
from accounts.tasks import flush_outbox
from tests import factories, leaks
from tests.accounts.test_outbox_retries import time_passes
from tests.accounts.test_worker import _start_worker, wait_for
from tests.servers import SmtpServer

# --- A worker killed while it sends ---------------------------------------------------------


class StallingSmtpServer(SmtpServer):
    """Receives the whole message, then holds back its answer while `stalled`: the client is
    surely in the middle of the send. What it received it keeps, as a mail server does once the
    message is complete, even if the client is gone before the answer."""

    def __init__(self) -> None:
        super().__init__()
        self.stalled = True
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        answer = await super().handle_DATA(server, session, envelope)
        self.received.set()
        while self.stalled:
            await asyncio.sleep(0.05)
        return answer


@pytest.fixture
def stalling_smtp_server():
    server = StallingSmtpServer()
    server.start()
    yield server
    server.stalled = False
    server.stop()
    for body in server.bodies():
        leaks.saw("e-mail (SMTP)", body)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_the_send_leaves_the_message_to_the_next_one(
    world, stalling_smtp_server, sms_gateway, tmp_path, settings
):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # the worker hashes as production does
    smtp = stalling_smtp_server
    first_log, second_log = tmp_path / "first-worker.log", tmp_path / "second-worker.log"
    first = _start_worker(first_log, smtp, sms_gateway)
    second = None
    try:
        person = factories.foreign_main(world)  # on commit, the username e-mail goes to the broker
        assert smtp.received.wait(30), first_log.read_text()
        os.kill(first.pid, signal.SIGKILL)  # in the middle of the send: the server has not answered
        first.wait(timeout=10)
        email = OutboundMessage.objects.get(user=person.user, channel="email")
        # The dead worker's transaction is rolled back: the message is pending, its attempt not counted.
        assert (email.status, email.attempts) == ("pending", 0)

        smtp.stalled = False  # the mail service answers again
        second = _start_worker(second_log, smtp, sms_gateway)
        # The dead worker's task message waits, unacknowledged, for the broker's visibility
        # timeout (an hour); the sweeper (Celery beat, every minute) queues the pending row again.
        time_passes(60)  # the message is due again a minute after it was queued
        assert flush_outbox() == 1
        assert wait_for(lambda: set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}, 30), (
            second_log.read_text()
        )
        # At least once, not exactly once: the e-mail the killed worker had handed over arrived,
        # and the next worker sent it again. The SMS, sent after the e-mail, arrived once.
        assert len(smtp.messages) == 2
        assert smtp.bodies()[0] == smtp.bodies()[1]
        # ... as the same message: one Message-ID, which mail stores and clients show once.
        assert smtp.messages[0]["Message-ID"] == smtp.messages[1]["Message-ID"] == outbox.message_id(email)
        assert person.user.get_username() in smtp.bodies()[0]
        assert len(sms_gateway.accepted) == 1
        email.refresh_from_db()
        assert (email.status, email.attempts) == ("sent", 1)
        time_passes(60)
        assert flush_outbox() == 0  # nothing left to send
        password = sms_gateway.accepted[0]["text"].strip().splitlines()[-1]
        assert authenticate(username=person.user.get_username(), password=password) == person.user
        assert password not in first_log.read_text() + second_log.read_text()
    finally:
        if first.poll() is None:
            first.kill()
        if second is not None:
            second.terminate()
            second.wait(timeout=20)


# --- A write that fails after another write of the same action -----------------------------

FAULT_FUNCTION = """
CREATE OR REPLACE FUNCTION test_journal_write_fails() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.action = TG_ARGV[0] THEN
        RAISE EXCEPTION 'the journal write of % fails (test fault)', NEW.action;
    END IF;
    RETURN NEW;
END
$$;
"""


@pytest.fixture
def journal_write_fails():
    """fail(action) makes PostgreSQL refuse the journal row of that action; heal() undoes it."""

    def heal() -> None:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS test_journal_write_fails ON access_auditevent")
            cursor.execute("DROP FUNCTION IF EXISTS test_journal_write_fails()")

    def fail(action: str) -> None:
        assert action in AuditEvent.Action.values
        with connection.cursor() as cursor:
            cursor.execute(FAULT_FUNCTION)
            cursor.execute(
                "CREATE TRIGGER test_journal_write_fails BEFORE INSERT ON access_auditevent FOR EACH ROW "
                f"EXECUTE FUNCTION test_journal_write_fails('{action}')"
            )

    fail.heal = heal  # type: ignore[attr-defined]
    yield fail
    heal()


def server_error_of(client, path, data):
    client.raise_request_exception = False
    response = client.post(path, data)
    assert response.status_code == 500
    return response


@pytest.mark.django_db
def test_a_failed_journal_write_undoes_the_block(world, login, journal_write_fails):
    membership = world.member_membership
    journal_write_fails("membership_blocked")
    path = f"/e/{world.enterprise.pk}/memberships/{membership.pk}/block/"
    server_error_of(login(world.group_manager), path, {"reason": "Inquiry"})
    membership.refresh_from_db()
    assert (membership.status, membership.blocked_at, membership.block_reason) == ("active", None, "")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_failed_journal_write_of_the_last_grant_undoes_the_whole_new_user(world, login, journal_write_fails):
    """Adding a newcomer writes the person, the membership, its journal row, the grant, and the
    grant's journal row; the last one fails, and none of the others stays."""
    niss = factories.niss()
    dimona = OnlineService.objects.get(code="dimona")
    journal_write_fails("service_granted")
    path = f"/e/{world.enterprise.pk}/groups/{world.groups['employer'].pk}/add/"
    form = {"niss": niss, "given_name": "Nina", "surname": "New", "services": [dimona.pk], "confirm": "on"}
    server_error_of(login(world.group_manager), path, form)
    assert not Person.objects.filter(niss=niss).exists()
    assert not Membership.objects.filter(person__niss=niss).exists()
    assert not AuditEvent.objects.exists()

    journal_write_fails.heal()
    assert login(world.group_manager).post(path, form).status_code == 302
    assert Membership.objects.filter(person__niss=niss, grants__service=dimona).count() == 1
    assert sorted(AuditEvent.objects.values_list("action", flat=True)) == ["service_granted", "user_created"]


@pytest.mark.django_db
def test_a_refused_designation_of_a_newcomer_leaves_no_person_behind(world, login):
    """The second write refuses: the group has a Group Manager already. The newcomer the form
    would have created first is not kept either."""
    niss = factories.niss()
    form = {
        "kind": "group_manager",
        "group": world.groups["employer"].pk,
        "niss": niss,
        "given_name": "N",
        "surname": "X",
    }
    response = login(world.main).post(f"/e/{world.enterprise.pk}/managers/", form)
    assert "This group already has a Group Manager: revoke them first." in response.content.decode()
    assert not Person.objects.filter(niss=niss).exists()
    assert (
        Designation.objects.get(group=world.groups["employer"], revoked_at__isnull=True).person == world.group_manager
    )
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_resend_queues_and_sends_nothing(
    world, login, smtp_server, sms_gateway, eager_tasks, journal_write_fails
):
    """Resending the credentials writes a new password state and two outbox rows, then its
    journal row. When the journal row fails, nothing of it stays, nothing is queued on commit,
    nothing is sent, and the password the person holds still works."""
    person = factories.foreign_main(world)  # the tasks run at commit: e-mail, then SMS
    assert (len(smtp_server.messages), len(sms_gateway.accepted)) == (1, 1)
    username = person.user.get_username()
    password = sms_gateway.accepted[0]["text"].strip().splitlines()[-1]
    path = f"/e/{world.enterprise.pk}/main-manager/"

    journal_write_fails("credentials_sent")
    server_error_of(login(world.legal_representative), path + "credentials/", {})
    assert OutboundMessage.objects.count() == 2
    assert (len(smtp_server.messages), len(sms_gateway.accepted)) == (1, 1)
    assert authenticate(username=username, password=password) == person.user
    assert not AuditEvent.objects.filter(action="credentials_sent").exists()

    journal_write_fails.heal()  # the same request, once the database takes the journal row
    assert login(world.legal_representative).post(path + "credentials/", {}).status_code == 302
    assert OutboundMessage.objects.count() == 4
    assert (len(smtp_server.messages), len(sms_gateway.accepted)) == (2, 2)
    assert authenticate(username=username, password=password) is None
    assert AuditEvent.objects.filter(action="credentials_sent").count() == 1
