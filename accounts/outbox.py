"""The outbox: messages are rows written with the change that causes them, then delivered by a
Celery task that takes the row's id. Delivery is idempotent (a sent row is never sent again) and
a failed delivery leaves the row pending for a retry, by the task itself or by the sweeper.

Nothing secret passes through a task: the temporary password is made at the moment its SMS is
sent, stored as a hash on the user, and put in the SMS body only.
"""

import logging
import secrets
import string
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import OutboundMessage, User
from accounts.sms import Sms, SmsDeliveryError, send_sms

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status
PASSWORD_ALPHABET = string.ascii_letters + string.digits


class DeliveryError(Exception):
    """A message could not be delivered now; it stays pending."""


def queue(messages: list[OutboundMessage]) -> None:
    """Hand the pending messages to the worker once the current transaction commits."""
    ids = [message.pk for message in messages if message.status == Status.PENDING]
    if ids:
        transaction.on_commit(lambda: _publish(ids))


def _publish(ids: list[int]) -> None:
    from accounts.tasks import deliver_message

    for message_id in ids:
        try:
            deliver_message.delay(message_id)
        except Exception as exc:  # noqa: BLE001 - the broker is down: the sweeper retries later
            logger.warning(
                "Message %s stays pending: the task queue is unavailable (%s)", message_id, type(exc).__name__
            )


def credentials_messages(user: User, *, email: str, phone: str, language: str) -> list[OutboundMessage]:
    """The username by e-mail, then — once that e-mail is sent — the temporary password by SMS."""
    email_message = OutboundMessage.objects.create(
        user=user,
        channel=OutboundMessage.Channel.EMAIL,
        purpose=OutboundMessage.Purpose.USERNAME,
        recipient=email,
        language=language,
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


def cancel_pending(user: User) -> list[OutboundMessage]:
    """Cancel the user's messages not sent yet; answer them. Called in the transaction that takes
    the login away: a worker sending one of them now is waited for (the row lock), and every
    later attempt finds the row cancelled."""
    messages = list(
        OutboundMessage.objects.select_for_update()
        .filter(user=user, status__in=[Status.PENDING, Status.WAITING])
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


def _send(message: OutboundMessage) -> None:
    user = message.user
    with translation.override(message.language):
        if message.purpose == OutboundMessage.Purpose.USERNAME:
            context = {"user": user, "username": user.get_username()}
            subject = str(render_to_string("emails/username_subject.txt", context)).strip()
            body = str(render_to_string("emails/username_body.txt", context))
            try:
                EmailMessage(subject, body, to=[message.recipient], headers={"Message-ID": message_id(message)}).send()
            except OSError as exc:  # SMTP refused, unreachable or timed out
                raise DeliveryError(f"e-mail not accepted: {type(exc).__name__}") from exc
        else:
            password = issue_temporary_password(user)
            context = {"password": password, "expires": user.temporary_password_expires_at}
            body = str(render_to_string("emails/temporary_password_sms.txt", context)).strip()
            try:
                send_sms(Sms(to=message.recipient, body=body))
            except SmsDeliveryError as exc:
                raise DeliveryError(str(exc)) from exc


def deliver(message_id: int) -> str:
    """Send one message if it is still pending; answer its status (never its content)."""
    error: DeliveryError | None = None
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().select_related("user").filter(pk=message_id).first()
        if message is None:
            return "missing"
        # Read again under the row lock: a message sent or cancelled meanwhile is left alone.
        if message.status != Status.PENDING:
            return message.status
        message.attempts += 1
        try:
            _send(message)
        except DeliveryError as exc:
            error = exc
            message.last_error = str(exc)[:500]
            message.save(update_fields=["attempts", "last_error"])
        else:
            message.status = Status.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
            message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
            following = list(message.next_messages.filter(status=Status.WAITING))
            for next_message in following:
                next_message.status = Status.PENDING
                next_message.save(update_fields=["status"])
            queue(following)
    if error is not None:
        logger.warning("Message %s not delivered (attempt %s): %s", message_id, message.attempts, error)
        raise error
    return Status.SENT


def flush(older_than: timedelta = timedelta(seconds=30)) -> int:
    """Queue again every message still pending after a while (the broker or a provider was down)."""
    stale = list(OutboundMessage.objects.filter(status=Status.PENDING, created_at__lte=timezone.now() - older_than))
    _publish([message.pk for message in stale])
    return len(stale)
