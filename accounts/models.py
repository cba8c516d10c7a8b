from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """The login account. Who a person is lives in access.Person, linked one-to-one.

    A person without a Belgian number logs in locally: first with a temporary password sent by
    SMS (stored like any password, as a hash only; it expires and works once), then with the
    password they choose and a one-time code.
    """

    password_is_temporary = models.BooleanField(_("password is temporary"), default=False)
    temporary_password_expires_at = models.DateTimeField(_("temporary password expires at"), null=True, blank=True)
    # Set at the login with the temporary password, cleared once a password and a one-time-code
    # app are set up.
    setup_required = models.BooleanField(_("must finish the account set-up"), default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(password_is_temporary=False) | Q(temporary_password_expires_at__isnull=False),
                name="user_temporary_password_expires",
            )
        ]

    @property
    def temporary_password_expired(self) -> bool:
        expires = self.temporary_password_expires_at
        return self.password_is_temporary and (expires is None or expires <= timezone.now())


def display_name(user: User) -> str:
    """How allauth names the user in its messages: their name, or their username."""
    return user.get_full_name() or user.get_username()


class OutboundMessage(models.Model):
    """One e-mail or SMS to send, written in the same transaction as the change that causes it.

    The text of the credentials is made when they are sent, from `purpose`: a temporary password is
    never stored here. An e-mail telling a person of changes to their access (which holds no
    secret) is written whole when the changes are gathered, in `subject` and `body`, and sent as
    written at every attempt. A person without a login account gets it too: `user` is empty then.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")

    class Purpose(models.TextChoices):
        USERNAME = "username", _("username")
        TEMPORARY_PASSWORD = "temporary_password", _("temporary password")
        ACCESS_CHANGES = "access_changes", _("changes to the person's access")

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for an earlier message")
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        # The person was replaced before it went out: it is never sent.
        CANCELLED = "cancelled", _("cancelled")

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=2, default="fr")
    after = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="next_messages", verbose_name=_("after")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the sweeper queues a pending message (again): set each time it is queued, so that it is
    # queued once per due time. Empty while it waits for an earlier message, and once it ends.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # The written text of the e-mails that carry it (ACCESS_CHANGES); empty for the credentials.
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    # What the credentials are for, named in their e-mail: the enterprise, as "name (number)".
    regarding = models.CharField(_("regarding"), max_length=300, blank=True)
    body = models.TextField(_("body"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="message_due_idx"),
            # The backlog (accounts.outbox.backlog), read by every health check and metrics scrape.
            models.Index(
                fields=["created_at"], condition=Q(status__in=["pending", "waiting"]), name="message_undelivered_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(status="sent") | Q(sent_at__isnull=False), name="message_sent_has_date")
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_purpose_display()} – {self.get_status_display()}"
