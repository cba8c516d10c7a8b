"""Chaman (docs/design.md §8): the enterprise's sender for bulk declarations, its one technical contact,
its technical channels (FTP, SFTP, SOAP, REST), and the structured-message settings."""

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from access.models import Enterprise


class Sender(models.Model):
    enterprise = models.OneToOneField(Enterprise, on_delete=models.CASCADE, related_name="sender")
    number = models.CharField(_("sender number"), max_length=10, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sender")
        verbose_name_plural = _("senders")
        constraints = [models.CheckConstraint(condition=Q(number__regex=r"^[0-9]{3,10}$"), name="sender_number_digits")]

    def __str__(self) -> str:
        return f"{self.number} – {self.enterprise}"


class TechnicalContact(models.Model):
    """Exactly one per sender: the one-to-one key refuses a second."""

    sender = models.OneToOneField(Sender, on_delete=models.CASCADE, related_name="technical_contact")
    name = models.CharField(_("technical contact"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    phone = models.CharField(_("phone number"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("technical contact")
        verbose_name_plural = _("technical contacts")

    def __str__(self) -> str:
        return self.name


class ChannelKind(models.TextChoices):
    FTP = "ftp", "FTP"
    SFTP = "sftp", "SFTP"
    SOAP = "soap", "SOAP"
    REST = "rest", "REST"


# What each kind of channel carries: SFTP an SSH public key, SOAP and REST an X.509 certificate (and
# REST an OAuth client id), FTP none of them. Forms, services and pages read it here; the
# constraints of `Channel` hold the stored rows to it.
KEY_KINDS = [ChannelKind.SFTP]
CERTIFICATE_KINDS = [ChannelKind.SOAP, ChannelKind.REST]
CLIENT_ID_KINDS = [ChannelKind.REST]


class Channel(models.Model):
    sender = models.ForeignKey(Sender, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(_("kind"), max_length=4, choices=ChannelKind.choices)
    active = models.BooleanField(_("active"), default=True)
    ssh_public_key = models.TextField(_("SSH public key"), blank=True)
    key_fingerprint = models.CharField(_("key fingerprint"), max_length=100, blank=True)
    certificate_pem = models.TextField(_("X.509 certificate"), blank=True)
    certificate_subject = models.CharField(_("certificate subject"), max_length=500, blank=True)
    certificate_fingerprint = models.CharField(_("certificate fingerprint (SHA-256)"), max_length=100, blank=True)
    certificate_expires_at = models.DateTimeField(_("certificate expires at"), null=True, blank=True)
    oauth_client_id = models.CharField(_("OAuth client id"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("technical channel")
        verbose_name_plural = _("technical channels")
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=ChannelKind.SFTP) | (~Q(ssh_public_key="") & ~Q(key_fingerprint="")),
                name="channel_sftp_has_key",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=CERTIFICATE_KINDS)
                | (~Q(certificate_pem="") & Q(certificate_expires_at__isnull=False)),
                name="channel_soap_rest_have_certificate",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ChannelKind.REST) | ~Q(oauth_client_id=""), name="channel_rest_has_client"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The kind and what tells this channel apart from the others of its kind: the start of its
        key's or certificate's fingerprint, as the technician reads it on their server (an FTP
        channel carries neither: when it was added)."""
        return f"{self.get_kind_display()} – {self.detail}"

    @property
    def detail(self) -> str:
        if self.key_fingerprint:
            return gettext("key %(fingerprint)s…") % {"fingerprint": self.key_fingerprint[:15]}
        if self.certificate_fingerprint:
            return gettext("certificate %(fingerprint)s…") % {"fingerprint": self.certificate_fingerprint[:11]}
        added = date_format(timezone.localtime(self.created_at), "SHORT_DATETIME_FORMAT")
        return gettext("added on %(date)s") % {"date": added}

    @property
    def takes_key(self) -> bool:
        return self.kind in KEY_KINDS

    @property
    def takes_certificate(self) -> bool:
        return self.kind in CERTIFICATE_KINDS

    @property
    def takes_client_id(self) -> bool:
        return self.kind in CLIENT_ID_KINDS

    @property
    def certificate_expires_soon(self) -> bool:
        expires = self.certificate_expires_at
        return expires is not None and expires <= timezone.now() + timedelta(days=30)


class StructuredMessageSettings(models.Model):
    class Delivery(models.TextChoices):
        EBOX = "ebox", _("e-Box Enterprise")
        CHANNEL = "channel", _("a technical channel")

    enterprise = models.OneToOneField(Enterprise, on_delete=models.CASCADE, related_name="structured_messages")
    exchanges = models.BooleanField(_("the enterprise exchanges structured messages"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail address"), blank=True)
    delivery = models.CharField(_("received through"), max_length=10, choices=Delivery.choices, default=Delivery.EBOX)
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("technical channel")
    )

    class Meta:
        verbose_name = _("structured-message settings")
        verbose_name_plural = _("structured-message settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery="ebox", channel__isnull=True) | Q(delivery="channel", channel__isnull=False),
                name="structured_channel_matches_delivery",
            )
        ]

    def __str__(self) -> str:
        return str(self.enterprise)
