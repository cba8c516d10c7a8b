"""Mandates (docs/design.md §5.16): an enterprise, the principal, lets a service provider (a social
secretariat, an accountant) act for it in some online services, from a quarter's first day,
until an optional end. The provider's managers then give their own users these services for the
principal (`MandateAccess`); the decision point answers for the principal through them while the
mandate is in force (`access.policy.mandate_in_force`), and never once it has ended.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.models import Enterprise, OnlineService, Person


class Mandate(models.Model):
    class Status(models.TextChoices):
        OFFERED = "offered", _("offered, waiting for the provider")
        ACCEPTED = "accepted", _("accepted")
        REFUSED = "refused", _("refused by the provider")
        ENDED = "ended", _("ended")

    principal = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="mandates_given")
    provider = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="mandates_taken")
    services = models.ManyToManyField(OnlineService, related_name="+")
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OFFERED)
    offered_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    offered_at = models.DateTimeField(default=timezone.now)
    answered_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        constraints = [
            models.CheckConstraint(condition=~Q(principal=F("provider")), name="mandate_between_two_enterprises"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="mandate_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["principal", "status"], name="mandate_principal_idx"),
            models.Index(fields=["provider", "status"], name="mandate_provider_idx"),
            # Each side's list, newest first, read a page at a time (mandates.selectors.mandates_of):
            # a social secretariat holds the mandates of 20,000 clients.
            models.Index(fields=["principal", "offered_at", "id"], name="mandate_principal_list_idx"),
            models.Index(fields=["provider", "offered_at", "id"], name="mandate_provider_list_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.principal} → {self.provider}"


class MandateAccess(models.Model):
    """An online service of a mandate given to one of the provider's people, to use for the principal."""

    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="accesses")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(OnlineService, on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("access under a mandate")
        verbose_name_plural = _("access under mandates")
        constraints = [
            models.UniqueConstraint(
                fields=["mandate", "person", "service"],
                condition=Q(revoked_at__isnull=True),
                name="one_current_mandate_access",
            )
        ]
        indexes = [models.Index(fields=["person", "service"], name="mandate_access_person_idx")]

    def __str__(self) -> str:
        return f"{self.person} – {self.service} ({self.mandate})"
