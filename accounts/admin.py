from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import OutboundMessage


def masked(recipient: str) -> str:
    """Enough of an address or a number to tell which one it was: its first letter and domain, or
    its country code and last three digits."""
    local, at, domain = recipient.rpartition("@")
    if at:
        return f"{local[:1]}••••@{domain}"
    return recipient[:4] + "•" * max(len(recipient) - 7, 0) + recipient[-3:]


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    """Staff follow the e-mails and SMS here, read-only. The text of a message is made when it is
    sent and never stored, so no password can show; the recipient is masked (the person's page
    shows it whole, and changing it there is journaled)."""

    list_display = [
        "created_at",
        "user",
        "masked_recipient",
        "channel",
        "purpose",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "purpose"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    # The recipient only masked: never the field itself.
    fields = readonly_fields = (
        "user",
        "masked_recipient",
        "channel",
        "purpose",
        "language",
        "after",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    )

    @admin.display(description=_("recipient"))
    def masked_recipient(self, message: OutboundMessage) -> str:
        return masked(message.recipient)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboundMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboundMessage | None = None) -> bool:
        return False
