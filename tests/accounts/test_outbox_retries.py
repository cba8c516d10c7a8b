"""The outbox ends: while a provider is down, each message is queued once per due time, on a
growing schedule, for a bounded number of attempts; then it fails with its reason, logged at
ERROR, and the message waiting on it fails too. Staff read the outbox in the admin."""

import logging
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db.models import F

from accounts import outbox
from accounts.models import OutboundMessage
from accounts.tasks import deliver_message, flush_outbox
from tests import factories
from tests.queries import queries_of
from tests.test_production import ROOT, production_env

pytestmark = pytest.mark.django_db

SWEEP = 30  # seconds between two sweeps here (Celery beat runs it every 60)


def time_passes(seconds: int) -> None:
    """The outbox as it will stand `seconds` from now: every due time comes that much nearer."""
    OutboundMessage.objects.update(next_attempt_at=F("next_attempt_at") - timedelta(seconds=seconds))


def sweeps(count: int) -> list[int]:
    """What `count` sweeps queued, one every SWEEP seconds."""
    queued = []
    for _ in range(count):
        time_passes(SWEEP)
        queued.append(flush_outbox())
    return queued


@pytest.fixture
def schedule(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_RETRY_SECONDS = [60, 300]


@pytest.fixture
def person(world):
    return factories.foreign_main(world, given_name="Jean", surname="Dupré")


def messages_of(person):
    email = OutboundMessage.objects.get(user=person.user, channel="email")
    sms = OutboundMessage.objects.get(user=person.user, channel="sms")
    return email, sms


def test_with_the_gateway_down_the_sms_is_tried_once_per_due_time_then_fails_with_an_error_log(
    person, schedule, smtp_server, sms_gateway, eager_tasks, caplog
):
    email, sms = messages_of(person)
    assert deliver_message(email.pk) == "sent"  # the SMS is queued with it, and due again in a minute
    sms_gateway.mode = "error"
    caplog.set_level(logging.WARNING, logger="accounts.outbox")

    queued = sweeps(60)  # half an hour
    # Tried after 1 minute, then 1 minute later, then 5 minutes later: three attempts in all.
    assert sum(queued) == 3
    assert queued.index(1) == 1
    assert sms_gateway.requests == 3
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == ("failed", 3, "SMS gateway answered 500")
    assert sms.next_attempt_at is None
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(errors) == 1 and len(warnings) == 2
    assert f"Message {sms.pk}" in errors[0].getMessage()
    assert "SMS gateway answered 500" in errors[0].getMessage()

    # The gateway is back: a failed message stays failed, nobody receives a late password.
    sms_gateway.mode = "ok"
    assert sum(sweeps(10)) == 0
    assert sms_gateway.accepted == []
    assert deliver_message(sms.pk) == "failed"
    person.user.refresh_from_db()
    assert not person.user.has_usable_password()  # no password from the failed attempts works


def test_a_message_the_mail_library_refuses_ends_too(schedule, smtp_server, eager_tasks, caplog):
    user = get_user_model().objects.create_user("jean.dupre.1234")
    email, sms = outbox.credentials_messages(user, email="jean\n@example.fr", phone="+33612345678", language="fr")
    caplog.set_level(logging.WARNING, logger="accounts.outbox")
    assert sum(sweeps(60)) == 3
    email.refresh_from_db()
    sms.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("failed", 3, "not sent: ValueError")
    assert sms.status == "failed"
    assert smtp_server.messages == []


def test_the_sms_waiting_on_a_failed_username_email_fails_too(
    person, schedule, smtp_server, sms_gateway, eager_tasks, caplog
):
    smtp_server.stop()
    email, sms = messages_of(person)
    caplog.set_level(logging.WARNING, logger="accounts.outbox")
    sweeps(60)
    email.refresh_from_db()
    sms.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 3)
    assert email.last_error.startswith("e-mail not accepted")
    assert (sms.status, sms.attempts) == ("failed", 0)
    assert sms.last_error == f"not sent: message {email.pk} before it failed"
    assert [record.levelno for record in caplog.records].count(logging.ERROR) == 2

    smtp_server.start()
    assert sum(sweeps(10)) == 0
    assert smtp_server.messages == [] and sms_gateway.requests == 0
    person.user.refresh_from_db()
    assert not person.user.has_usable_password()  # no temporary password was made


def test_a_due_message_is_delivered_once_the_provider_is_back(person, schedule, smtp_server, sms_gateway, eager_tasks):
    email, sms = messages_of(person)
    deliver_message(email.pk)
    sms_gateway.mode = "error"
    assert deliver_message(sms.pk) == "pending"  # the first attempt, as the worker makes it on commit
    sms.refresh_from_db()
    assert (sms.attempts, sms.last_error) == (1, "SMS gateway answered 500")

    sms_gateway.mode = "ok"
    assert sum(sweeps(20)) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error, sms.next_attempt_at) == ("sent", 2, "", None)
    [accepted] = sms_gateway.accepted
    password = accepted["text"].strip().splitlines()[-1]
    assert authenticate(username=person.user.get_username(), password=password) == person.user


def test_a_new_message_is_left_to_the_task_queued_with_it_for_a_minute(person, schedule, eager_tasks):
    email, _sms = messages_of(person)
    assert flush_outbox() == 0  # the designation queued it on commit
    time_passes(59)
    assert flush_outbox() == 0
    time_passes(1)
    assert flush_outbox() == 1  # the broker was down, or the worker died: queued again
    assert flush_outbox() == 0
    email.refresh_from_db()
    assert email.status == "sent"


@pytest.mark.parametrize(
    ("name", "value"),
    [("OUTBOX_MAX_ATTEMPTS", "0"), ("OUTBOX_RETRY_SECONDS", "60,soon")],
)
def test_a_bad_outbox_setting_stops_the_start(name, value):
    command = [sys.executable, "manage.py", "check"]
    result = subprocess.run(command, cwd=ROOT, env=production_env(**{name: value}), capture_output=True, text=True)
    assert result.returncode != 0
    assert name in result.stderr


# --- The outbox in the admin -----------------------------------------------------------------


def test_staff_read_the_outbox_in_the_admin_without_any_password(person, staff_client, sms_gateway):
    email, sms = messages_of(person)
    deliver_message(email.pk)
    sms_gateway.mode = "error"
    deliver_message(sms.pk)
    sms_gateway.mode = "ok"
    deliver_message(sms.pk)
    password = sms_gateway.accepted[0]["text"].strip().splitlines()[-1]

    page = staff_client.get("/admin/accounts/outboundmessage/").content.decode()
    for shown in ("SMS", "temporary password", "sent", "username", "e-mail"):
        assert shown in page
    assert "ana.silva@example.pt" not in page and "+351912345678" not in page  # masked
    assert "a••••@example.pt" in page and "+351••••••678" in page
    detail = staff_client.get(f"/admin/accounts/outboundmessage/{sms.pk}/change/").content.decode()
    assert "SMS gateway answered 500" not in detail  # cleared once sent
    assert 'name="_save"' not in detail
    assert "+351912345678" not in detail and "+351••••••678" in detail
    assert password not in page + detail
    assert staff_client.get("/admin/accounts/outboundmessage/add/").status_code == 403
    assert staff_client.post(f"/admin/accounts/outboundmessage/{sms.pk}/delete/", {"post": "yes"}).status_code == 403
    assert OutboundMessage.objects.count() == 2


def test_the_admin_shows_the_last_error_of_a_failing_message(person, staff_client, smtp_server):
    smtp_server.stop()
    email, _sms = messages_of(person)
    deliver_message(email.pk)
    page = staff_client.get("/admin/accounts/outboundmessage/", {"status__exact": "pending"}).content.decode()
    assert "e-mail not accepted: ConnectionRefusedError" in page


def credentials_for(count: int) -> None:
    for _ in range(count):
        user = get_user_model().objects.create_user(f"person.{OutboundMessage.objects.count()}")
        outbox.credentials_messages(user, email=f"{user.username}@example.pt", phone="+32470000000", language="nl")


def test_the_admin_outbox_list_costs_the_same_queries_as_it_grows(db, staff_client):
    credentials_for(1)
    few = queries_of(staff_client, "/admin/accounts/outboundmessage/")
    credentials_for(10)
    assert OutboundMessage.objects.count() == 22
    assert queries_of(staff_client, "/admin/accounts/outboundmessage/") == few
