from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from access import policy
from access.models import Domain
from access.views.common import get_actor_or_404, page_context, require
from contactdata import services
from contactdata.forms import AddressForm, DomainContactForm, GeneralForm
from contactdata.models import Address, ContactData


@login_required
def contact_data(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """Every manager and user of the enterprise reads and updates its contact data."""
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_use_contactdata(actor.standing))
    instance = (
        ContactData.objects.filter(enterprise=actor.enterprise).prefetch_related("addresses", "domain_contacts").first()
    ) or ContactData(enterprise=actor.enterprise)
    data = request.POST or None
    addresses = {a.kind: a for a in instance.addresses.all()} if instance.pk else {}
    contacts = {c.domain_id: c for c in instance.domain_contacts.all()} if instance.pk else {}
    domains = list(Domain.objects.filter(pk__in=set(actor.standing.enterprise_groups.values())).order_by("code"))
    general = GeneralForm(data, instance=instance, prefix="general")
    address_forms = [
        (
            label,
            AddressForm(
                data, instance=addresses.get(kind), prefix=kind, empty_permitted=True, use_required_attribute=False
            ),
        )
        for kind, label in Address.Kind.choices
    ]
    contact_forms = [
        (
            domain,
            DomainContactForm(
                data,
                instance=contacts.get(domain.pk),
                prefix=f"domain-{domain.code}",
                empty_permitted=True,
                use_required_attribute=False,
            ),
        )
        for domain in domains
    ]
    forms = [general, *(f for _, f in address_forms), *(f for _, f in contact_forms)]
    if request.method == "POST" and all(form.is_valid() for form in forms):
        services.update_contact_data(
            actor,
            general=general.cleaned_data,
            # Only what the person changed: an untouched form leaves its address or contact as it is.
            addresses={
                kind: form.cleaned_data
                for (kind, _label), (_, form) in zip(Address.Kind.choices, address_forms, strict=True)
                if form.has_changed()
            },
            contacts={domain: form.cleaned_data for domain, form in contact_forms if form.has_changed()},
        )
        messages.success(request, _("The contact data are saved."))
        return redirect("contactdata:edit", actor.enterprise.pk)
    context = page_context(
        actor,
        contact_data=instance,
        general=general,
        address_forms=address_forms,
        contact_forms=contact_forms,
        has_errors=request.method == "POST",
    )
    return render(request, "contactdata/edit.html", context)
