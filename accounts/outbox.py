"""The outbox: messages are rows written with the change that causes them, then delivered by a
Celery task that takes the row's id. Delivery is idempotent (a sent row is never sent again).

This module holds the rows and the attempts and knows nothing of Celery: `accounts/tasks.py` hands
the ids to the worker (`queue`, on commit), makes each attempt in a task (`deliver_message`, which
then queues the messages the attempt released) and runs the sweep (`flush_outbox`).

A message is queued when it becomes pending, and its next attempt is due a while later; the
sweeper (`flush_outbox`, every minute) queues again the pending messages whose attempt is due, and
moves their due time on by the retry schedule as it does. That is the one retry mechanism: the task
makes one attempt and never retries itself. The schedule lives in the database, the store of
record, where staff see it; a countdown kept in Redis would be lost with Redis, and one longer
than the broker's visibility timeout would run twice. After `OUTBOX_MAX_ATTEMPTS` attempts the
message fails, and so does every message waiting on it (the SMS after the username e-mail).

Nothing secret passes through a task: the temporary password is made at the moment its SMS is
sent, stored as a hash on the user, and put in the SMS body only. An e-mail that holds no secret
(the changes to a person's access, written by `access.notices`) is stored written, and sent as
written at every attempt (`written_email`).
"""

import functools
import logging
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Min, Q
from django.template.backends.django import DjangoTemplates
from django.utils import timezone, translation

from accounts.models import OutboundMessage, User
from accounts.sms import Sms, SmsDeliveryError, send_sms

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status
PASSWORD_ALPHABET = string.ascii_letters + string.digits


class DeliveryError(Exception):
    """A provider did not take the message at this attempt."""


class Attempt(NamedTuple):
    """What one attempt at a message came to: its status, and the messages that waited on it and
    are pending now that it is sent (the SMS after the username e-mail), to be queued in turn."""

    status: str
    released: list[OutboundMessage]


def due_again(attempts: int, now: datetime | None = None) -> datetime:
    """When a message that had `attempts` attempts is queued again if this one does not end it."""
    schedule = settings.OUTBOX_RETRY_SECONDS
    return (now or timezone.now()) + timedelta(seconds=schedule[min(attempts, len(schedule) - 1)])


def credentials_messages(
    user: User, *, email: str, phone: str, language: str, regarding: str = ""
) -> list[OutboundMessage]:
    """The username by e-mail, then — once that e-mail is sent — the temporary password by SMS.
    `regarding`: what the credentials are for (the enterprise, named in the e-mail)."""
    email_message = OutboundMessage.objects.create(
        user=user,
        channel=OutboundMessage.Channel.EMAIL,
        purpose=OutboundMessage.Purpose.USERNAME,
        recipient=email,
        language=language,
        regarding=regarding[:300],
        next_attempt_at=due_again(0),  # queued on commit; due again if that task never runs
    )
    sms_message = OutboundMessage.objects.create(
        user=user,
        channel=OutboundMessage.Channel.SMS,
        purpose=OutboundMessage.Purpose.TEMPORARY_PASSWORD,
        recipient=phone,
        language=language,
        after=email_message,
        status=Status.WAITING,
    )
    return [email_message, sms_message]


def written_email(
    *, recipient: str, language: str, subject: str, body: str, purpose: str, user: User | None = None
) -> OutboundMessage:
    """An e-mail whose text is written now, by the caller, in the recipient's language; it holds no
    secret. Pending: the caller hands it to `accounts.tasks.queue`."""
    return OutboundMessage.objects.create(
        user=user,
        channel=OutboundMessage.Channel.EMAIL,
        purpose=purpose,
        recipient=recipient,
        language=language,
        subject=" ".join(subject.split())[:300],
        body=body,
        next_attempt_at=due_again(0),  # queued on commit; due again if that task never runs
    )


CREDENTIALS = [OutboundMessage.Purpose.USERNAME, OutboundMessage.Purpose.TEMPORARY_PASSWORD]


def cancel_pending(user: User) -> list[OutboundMessage]:
    """Cancel the user's credentials not sent yet; answer them. Called in the transaction that
    takes the login away or sends new credentials: a worker sending one of them now is waited for
    (the row lock), and every later attempt finds the row cancelled. An e-mail that tells the
    person of changes to their access still goes."""
    messages = list(
        OutboundMessage.objects.select_for_update()
        .filter(user=user, purpose__in=CREDENTIALS, status__in=[Status.PENDING, Status.WAITING])
        .order_by("pk")
    )
    for message in messages:
        message.status = Status.CANCELLED
        message.save(update_fields=["status"])
    return messages


def issue_temporary_password(user: User) -> str:
    """A new temporary password for the user; the previous one stops working."""
    password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(14))
    user.set_password(password)
    user.password_is_temporary = True
    user.temporary_password_expires_at = timezone.now() + timedelta(days=settings.TEMPORARY_PASSWORD_DAYS)
    user.save(update_fields=["password", "password_is_temporary", "temporary_password_expires_at"])
    return password


def message_id(message: OutboundMessage) -> str:
    """The same Message-ID for every attempt at one outbox row. A worker that dies after the mail
    server took the message, but before it recorded the send, leaves the next worker to send it
    again (at least once, see the README); with the same identifier it is the same message, which
    mail stores and clients show once."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<outbox-{message.pk}-{message.created_at:%Y%m%d%H%M%S}@{domain}>"


@functools.cache
def _text_templates() -> DjangoTemplates:
    """E-mails and SMS are plain text: the templates under templates/emails/ have an engine of their
    own, without HTML escaping, so that D'Hondt arrives as D'Hondt and not as D&#x27;Hondt. The
    engine sees that folder only, and nothing else renders it."""
    return DjangoTemplates(
        {
            "NAME": "plain-text",
            "DIRS": [settings.BASE_DIR / "templates" / "emails"],
            "APP_DIRS": False,
            "OPTIONS": {"autoescape": False},
        }
    )


def render_text(name: str, context: dict[str, Any]) -> str:
    """A plain-text template of templates/emails/, as typed (no HTML escaping)."""
    return _text_templates().get_template(name).render(context)


def render_subject(name: str, context: dict[str, Any]) -> str:
    """A subject line: one line whatever the template or a translation holds."""
    return " ".join(render_text(name, context).split())


def _email(message: OutboundMessage, subject: str, body: str) -> None:
    try:
        EmailMessage(subject, body, to=[message.recipient], headers={"Message-ID": message_id(message)}).send()
    except OSError as exc:  # SMTP refused, unreachable or timed out
        raise DeliveryError(f"e-mail not accepted: {type(exc).__name__}") from exc


def _send(message: OutboundMessage) -> None:
    if message.purpose == OutboundMessage.Purpose.ACCESS_CHANGES:
        _email(message, message.subject, message.body)
        return
    user = message.user
    if user is None:  # credentials belong to a login account: a row without one is a fault of ours
        raise DeliveryError("not sent: no login account")
    with translation.override(message.language):
        if message.purpose == OutboundMessage.Purpose.USERNAME:
            context = {
                "user": user,
                "username": user.get_username(),
                "regarding": message.regarding,
                "portal_url": f"{settings.PORTAL_URL}/",
            }
            _email(message, render_subject("username_subject.txt", context), render_text("username_body.txt", context))
        else:
            password = issue_temporary_password(user)
            context = {"password": password, "expires": user.temporary_password_expires_at}
            body = render_text("temporary_password_sms.txt", context).strip()
            try:
                send_sms(Sms(to=message.recipient, body=body))
            except SmsDeliveryError as exc:
                raise DeliveryError(str(exc)) from exc


def attempt(message_id: int) -> Attempt:
    """Make one attempt at a message if it is still pending; answer its status (never its content)
    and the messages it released.

    A failed attempt leaves the message pending until its due time, set when it was queued; the
    last one fails it, and the messages waiting on it."""
    error: DeliveryError | None = None
    given_up: list[OutboundMessage] = []
    following: list[OutboundMessage] = []
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return Attempt("missing", [])
        # Read again under the row lock: a message sent or cancelled meanwhile is left alone.
        if message.status != Status.PENDING:
            return Attempt(message.status, [])
        if message.user_id is not None:
            # Its login account is locked with it: the temporary password is written there.
            message.user = User.objects.select_for_update().get(pk=message.user_id)
        message.attempts += 1
        try:
            # A savepoint: a failed attempt leaves no temporary password behind, and a fault of
            # ours (an address the mail library refuses, say) still counts, so that it ends too.
            with transaction.atomic():
                _send(message)
        except Exception as exc:  # noqa: BLE001 - every failed attempt is recorded on the row
            error = exc if isinstance(exc, DeliveryError) else DeliveryError(f"not sent: {type(exc).__name__}")
            message.last_error = str(error)[:500]
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                message.status = Status.FAILED
                message.next_attempt_at = None
                given_up = _fail_waiting_on(message)
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        else:
            message.status = Status.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
            message.next_attempt_at = None
            message.save(update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"])
            following = list(message.next_messages.select_for_update().filter(status=Status.WAITING))
            for next_message in following:
                next_message.status = Status.PENDING
                next_message.next_attempt_at = due_again(0)
            OutboundMessage.objects.bulk_update(following, ["status", "next_attempt_at"])
    if error is not None and message.status == Status.FAILED:
        logger.error("Message %s failed after %s attempts: %s", message_id, message.attempts, error)
        for waiting in given_up:
            logger.error("Message %s will not be sent: %s", waiting.pk, waiting.last_error)
    elif error is not None:
        logger.warning(
            "Message %s not delivered (attempt %s of %s), tried again from %s: %s",
            message_id,
            message.attempts,
            settings.OUTBOX_MAX_ATTEMPTS,
            message.next_attempt_at,
            error,
        )
    return Attempt(message.status, following)


def _fail_waiting_on(message: OutboundMessage) -> list[OutboundMessage]:
    """The messages waiting on a failed one fail with it: an SMS with a password for a username
    that never arrived would be of no use."""
    failed: list[OutboundMessage] = []
    earlier = [message]
    while earlier:
        later = list(OutboundMessage.objects.select_for_update().filter(after__in=earlier, status=Status.WAITING))
        for waiting in later:
            waiting.status = Status.FAILED
            waiting.last_error = f"not sent: message {waiting.after_id} before it failed"
        OutboundMessage.objects.bulk_update(later, ["status", "last_error"])
        failed += later
        earlier = later
    return failed


def claim_due() -> list[int]:
    """The pending messages whose attempt is due, claimed for the sweeper to queue (Celery beat
    runs it every minute); their ids.

    Each is claimed as it is queued: its next attempt moves on by the retry schedule, so that it
    is queued once per due time however often this runs, and again only if that attempt fails or
    is lost (the broker or the worker died). A message in the middle of an attempt is skipped."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True), status=Status.PENDING)
            .only("pk", "attempts", "next_attempt_at")
            .order_by("pk")
        )
        for message in due:
            message.next_attempt_at = due_again(message.attempts, now)
        OutboundMessage.objects.bulk_update(due, ["next_attempt_at"])
    return [message.pk for message in due]


@dataclass(frozen=True)
class Backlog:
    """The messages not delivered yet: pending, or waiting for an earlier one."""

    count: int
    oldest: datetime | None  # when the oldest of them was written

    def age(self, now: datetime | None = None) -> float:
        """Seconds since the oldest was written; 0 when there is none."""
        return max(0.0, ((now or timezone.now()) - self.oldest).total_seconds()) if self.oldest else 0.0


def backlog() -> Backlog:
    """What the outbox has not delivered yet (for /health/ and the metrics): one query, on an index
    that holds only those messages."""
    undelivered = OutboundMessage.objects.filter(status__in=[Status.PENDING, Status.WAITING])
    found = undelivered.aggregate(count=Count("pk"), oldest=Min("created_at"))
    return Backlog(found["count"], found["oldest"])
