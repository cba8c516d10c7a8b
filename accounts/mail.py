from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from accounts.sms import append_to_dev_outbox


class DevOutboxBackend(BaseEmailBackend):
    """Development only: e-mails land in the outbox page (/dev/outbox/) instead of a mailbox."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("alias", None)
        super().__init__(*args, **kwargs)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            append_to_dev_outbox(
                "email", {"to": ", ".join(message.to), "subject": str(message.subject), "body": str(message.body)}
            )
        return len(email_messages)
