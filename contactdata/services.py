"""Writes of the contact data: every change is journaled with what it was and what it became."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import policy
from access.models import AuditEvent, Domain
from access.selectors import Actor
from access.writes import check, locked, record
from contactdata.models import Address, ContactData, DomainContact


def _snapshot(contact_data: ContactData) -> dict[str, Any]:
    return {
        "general_email": contact_data.general_email,
        "general_phone": contact_data.general_phone,
        "correspondence_language": contact_data.correspondence_language,
        "addresses": {a.kind: str(a) for a in contact_data.addresses.all()},
        "contacts": {
            c.domain.code: f"{c.name} {c.email} {c.phone}".strip() for c in contact_data.domain_contacts.all()
        },
    }


def contact_data_update(
    actor: Actor,
    *,
    general: dict[str, Any],
    addresses: dict[str, dict[str, Any]],
    contacts: dict[Domain, dict[str, Any]],
) -> ContactData:
    """Update the contact data; a domain contact without a name is removed."""
    with locked(actor, _("This has just changed. Reload the page.")) as actor:
        check(policy.can_use_contactdata(actor.standing))
        contact_data, _created = ContactData.objects.select_for_update().get_or_create(enterprise=actor.enterprise)
        before = _snapshot(contact_data)
        for field, value in general.items():
            setattr(contact_data, field, value)
        contact_data.updated_at = timezone.now()
        contact_data.updated_by = actor.person
        contact_data.save()
        for kind, values in addresses.items():
            Address.objects.update_or_create(contact_data=contact_data, kind=kind, defaults=values)
        for domain, values in contacts.items():
            if values.get("name"):
                DomainContact.objects.update_or_create(contact_data=contact_data, domain=domain, defaults=values)
            else:
                DomainContact.objects.filter(contact_data=contact_data, domain=domain).delete()
        after = _snapshot(contact_data)
        if after != before:
            record(actor, AuditEvent.Action.CONTACTDATA_UPDATED, before=before, after=after)
    return contact_data
