"""e-Box Enterprise (docs/design.md §8): messages from institutions and tasks of online services."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.models import Enterprise, OnlineService, Person


class Message(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="ebox_messages")
    sender_institution = models.CharField(_("sender institution"), max_length=200)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    sent_at = models.DateTimeField(_("date"), default=timezone.now)
    required_service = models.ForeignKey(
        OnlineService,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("only for holders of the online service"),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-Box message")
        verbose_name_plural = _("e-Box messages")
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["enterprise", "-sent_at"], name="ebox_message_time_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("sent_at")),
                name="ebox_message_expires_after_sending",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class Task(models.Model):
    """Something an online service asks the enterprise to do; visible to the holders of that service."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="ebox_tasks")
    service = models.ForeignKey(
        OnlineService, on_delete=models.PROTECT, related_name="+", verbose_name=_("online service")
    )
    title = models.CharField(_("task"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    due_on = models.DateField(_("due on"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-Box task")
        verbose_name_plural = _("e-Box tasks")
        ordering = ["due_on", "-created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Reading(models.Model):
    """A person has read a message: read and unread are per person."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="readings")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "person"], name="reading_once_per_person")]

    def __str__(self) -> str:
        return f"{self.person} – {self.message}"
