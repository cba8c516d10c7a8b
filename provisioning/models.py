"""Provisioning (docs/provisioning.md): the tokens with which an enterprise's HR system acts for a
manager, and the enterprise's record of the people its HR system provisions.

A token is shown once and kept as the SHA-256 of its value; it belongs to one enterprise and one
manager, and acts with that manager's standing as it is at each request. The record of a person
holds what the HR system says of them (its user name, the names and e-mail addresses it knows,
its own identifier); who may use what is the access model's, changed through its services only.
"""

from datetime import date, timedelta

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.models import Enterprise, Person


class ProvisioningToken(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    # The manager on whose behalf the token acts, with their standing as it is at each request.
    manager = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="provisioning_tokens")
    name = models.CharField(_("name"), max_length=100)
    # SHA-256 of the token, in hexadecimal: the token itself is shown once and kept nowhere.
    digest = models.CharField(max_length=64, unique=True)
    # The first characters of the token, to recognise it in the list (they do not find it).
    prefix = models.CharField(max_length=16)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_from = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    # The key of the form that made it: the same form sent twice (a page reloaded) makes one token.
    form_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("provisioning token")
        verbose_name_plural = _("provisioning tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="token_expires_after"),
            models.UniqueConstraint(fields=["manager", "form_key"], condition=~Q(form_key=""), name="token_form_once"),
        ]
        indexes = [models.Index(fields=["enterprise", "manager"], name="token_enterprise_manager_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def valid_until(self) -> date:
        """The last day it works (it expires at the start of the next, in Brussels)."""
        return timezone.localtime(self.expires_at - timedelta(microseconds=1)).date()

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return str(_("revoked"))
        if self.expires_at <= timezone.now():
            return str(_("expired"))
        return str(_("active"))


class ProvisionedUser(models.Model):
    """What an enterprise's HR system says of one of its people. Removing it keeps the row, for the
    journal; at most one current record per person and enterprise, and one per user name."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="provisioning_records")
    # Empty: the HR system gave none, and the person is known by the portal's name for them.
    user_name = models.CharField(_("user name"), max_length=200, blank=True)
    external_id = models.CharField(_("identifier in the HR system"), max_length=200, blank=True)
    # None: the HR system does not give that name (it may remove one).
    given_name = models.CharField(_("given name"), max_length=100, null=True, blank=True)
    surname = models.CharField(_("surname"), max_length=100, null=True, blank=True)
    # [{"value": address, "type": "work", "primary": true}, ...] as the HR system gives them.
    emails = models.JSONField(_("e-mail addresses"), default=list, blank=True)
    created_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    removed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("provisioned person")
        verbose_name_plural = _("provisioned people")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "person"], condition=Q(removed_at__isnull=True), name="provisioned_once"
            ),
            models.UniqueConstraint(
                "enterprise",
                Lower("user_name"),
                condition=Q(removed_at__isnull=True) & ~Q(user_name=""),
                name="provisioned_user_name_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_name or self.person_id} – {self.enterprise_id}"
