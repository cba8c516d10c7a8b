"""e-Box Enterprise (docs/design.md §8): messages from institutions and tasks of online services.

An institution writes a message or a task in one language (`language`) and may give it in the
others (`translations`, as {"nl": {"subject": ..., "body": ...}}); each reader sees it in the
language of their pages when the institution gave it, in the language it was written in otherwise.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from access.models import Enterprise, Language, OnlineService, Person


class TranslationsValidator:
    """The other languages of a text: {"nl": {"subject": "...", "body": "..."}} with the model's fields."""

    def __init__(self, *fields: str) -> None:
        self.fields = fields

    def __call__(self, value: Any) -> None:
        languages = set(Language.values)
        if not isinstance(value, dict) or not all(
            language in languages
            and isinstance(texts, dict)
            and set(texts) <= set(self.fields)
            and all(isinstance(text, str) for text in texts.values())
            for language, texts in value.items()
        ):
            raise ValidationError(
                _("Give the translations as %(example)s, for the languages fr, nl, de and en."),
                params={"example": '{"nl": {' + ", ".join(f'"{field}": "…"' for field in self.fields) + "}}"},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TranslationsValidator) and other.fields == self.fields

    def deconstruct(self) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        return ("ebox.models.TranslationsValidator", self.fields, {})


class Translated(models.Model):
    """A text written in one language and perhaps given in the others, shown in the reader's."""

    language = models.CharField(
        _("language"),
        max_length=2,
        choices=Language.choices,
        default=Language.FR,
        help_text=_("The language it is written in."),
    )
    translations: "models.JSONField[Any]"

    class Meta:
        abstract = True

    def in_reader_language(self, field: str) -> str:
        given = (self.translations or {}).get(get_language() or "", {})
        return given.get(field) or getattr(self, field)

    @property
    def shown_language(self) -> str:
        """The language the reader sees it in: theirs when it was given, the original's otherwise."""
        reader = get_language() or ""
        return reader if (self.translations or {}).get(reader) else self.language


class Message(Translated):
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
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        validators=[TranslationsValidator("subject", "body")],
        help_text=_('The subject and the message in the other languages: {"nl": {"subject": "…", "body": "…"}}.'),
    )

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

    @property
    def shown_subject(self) -> str:
        return self.in_reader_language("subject")

    @property
    def shown_body(self) -> str:
        return self.in_reader_language("body")


class Task(Translated):
    """Something an online service asks the enterprise to do; visible to the holders of that service."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="ebox_tasks")
    service = models.ForeignKey(
        OnlineService, on_delete=models.PROTECT, related_name="+", verbose_name=_("online service")
    )
    title = models.CharField(_("task"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        validators=[TranslationsValidator("title", "description")],
        help_text=_('The task and its description in the other languages: {"nl": {"title": "…", "description": "…"}}.'),
    )

    class Meta:
        verbose_name = _("e-Box task")
        verbose_name_plural = _("e-Box tasks")
        ordering = ["due_on", "-created_at", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        return self.in_reader_language("title")

    @property
    def shown_description(self) -> str:
        return self.in_reader_language("description")


class Reading(models.Model):
    """A person has read a message: read and unread are per person."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="readings")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "person"], name="reading_once_per_person")]

    def __str__(self) -> str:
        return f"{self.person} – {self.message}"
