"""Writes of the e-Box: a person reads a message; staff post one from an institution."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from access import journal, policy
from access.models import AuditEvent, Enterprise, OnlineService
from access.selectors import Actor
from access.writes import check, locked
from ebox.models import Message, Reading


def message_mark_read(actor: Actor, message: Message) -> None:
    with locked(actor, _("This has just changed. Reload the page.")) as actor:
        check(policy.can_use_ebox(actor.standing))
        Reading.objects.get_or_create(message=message, person=actor.person)


@transaction.atomic
def message_post(
    *,
    enterprise: Enterprise,
    sender_institution: str,
    subject: str,
    body: str,
    required_service: OnlineService | None = None,
    expires_at: datetime | None = None,
    language: str = "fr",
    translations: dict[str, dict[str, str]] | None = None,
    posted_by: str,
) -> Message:
    """Staff (admin or command) post a message from an institution into an enterprise's e-Box,
    written in `language` and perhaps given in others: {"nl": {"subject": ..., "body": ...}}."""
    message = Message(
        enterprise=enterprise,
        sender_institution=sender_institution,
        subject=subject,
        body=body,
        required_service=required_service,
        expires_at=expires_at,
        language=language,
        translations=translations or {},
    )
    message.full_clean(exclude=["enterprise", "required_service"])
    message.save()
    message_posting_record(message, posted_by=posted_by)
    return message


def message_posting_record(message: Message, *, posted_by: str) -> None:
    journal.record(
        AuditEvent.Action.EBOX_MESSAGE_POSTED,
        enterprise=message.enterprise,
        actor=None,
        after={
            "subject": message.subject,
            "institution": message.sender_institution,
            "service": message.required_service.code if message.required_service else None,
            "staff": posted_by,
        },
    )
