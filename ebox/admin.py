from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ebox import services
from ebox.models import Message, Task


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Staff post messages from institutions into an enterprise's e-Box."""

    list_display = ["subject", "enterprise", "sender_institution", "required_service", "sent_at", "expires_at"]
    list_filter = ["sender_institution", "required_service"]
    search_fields = ["subject", "enterprise__name", "enterprise__number"]
    raw_id_fields = ["enterprise"]
    journaled_additions = (Message,)  # by services.message_posting_record

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            services.message_posting_record(obj, posted_by=request.user.get_username())


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "enterprise", "service", "due_on"]
    list_filter = ["service"]
    search_fields = ["title", "enterprise__name", "enterprise__number"]
    raw_id_fields = ["enterprise"]
