"""An enterprise's contact data (docs/design.md §8): addresses, general e-mail and phone, a contact person
per domain, the language of its correspondence."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.models import Domain, Enterprise, Language, Person


class ContactData(models.Model):
    enterprise = models.OneToOneField(Enterprise, on_delete=models.CASCADE, related_name="contact_data")
    general_email = models.EmailField(_("general e-mail address"), blank=True)
    general_phone = models.CharField(_("general phone number"), max_length=16, blank=True)
    correspondence_language = models.CharField(
        _("language of correspondence"), max_length=2, choices=Language.choices, default=Language.FR
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("contact data")
        verbose_name_plural = _("contact data")
        constraints = [
            models.CheckConstraint(
                condition=Q(general_phone="") | Q(general_phone__startswith="+"), name="contactdata_phone_e164"
            )
        ]

    def __str__(self) -> str:
        return str(self.enterprise)


class Address(models.Model):
    class Kind(models.TextChoices):
        REGISTERED_OFFICE = "registered_office", _("Registered office")
        CORRESPONDENCE = "correspondence", _("Correspondence address")

    contact_data = models.ForeignKey(ContactData, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    street = models.CharField(_("street"), max_length=200)
    number = models.CharField(_("number"), max_length=20)
    box = models.CharField(_("box"), max_length=20, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=4)
    city = models.CharField(_("municipality"), max_length=100)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(fields=["contact_data", "kind"], name="address_one_per_kind"),
            models.CheckConstraint(
                condition=Q(postal_code__regex=r"^[1-9][0-9]{3}$"), name="address_belgian_postal_code"
            ),
        ]

    def __str__(self) -> str:
        box = f" bte {self.box}" if self.box else ""
        return f"{self.street} {self.number}{box}, {self.postal_code} {self.city}"


class DomainContact(models.Model):
    """The enterprise's contact person for one domain."""

    contact_data = models.ForeignKey(ContactData, on_delete=models.CASCADE, related_name="domain_contacts")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("contact person"), max_length=200)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone number"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("contact person of a domain")
        verbose_name_plural = _("contact persons of domains")
        constraints = [models.UniqueConstraint(fields=["contact_data", "domain"], name="domain_contact_once")]

    def __str__(self) -> str:
        return f"{self.domain}: {self.name}"
