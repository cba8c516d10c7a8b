"""ContactData: one page, and one action per part of it (the general contact, the addresses, the
contact persons per domain), each posted to its own address."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_stubs_ext import StrOrPromise

from access import policy
from access.models import Domain
from access.selectors import Actor
from access.views.common import get_actor_or_404, page_context, require
from contactdata import services
from contactdata.forms import AddressForm, DomainContactForm, GeneralForm
from contactdata.models import Address, ContactData

AddressForms = list[tuple[StrOrPromise, AddressForm]]
ContactForms = list[tuple[Domain, DomainContactForm]]


def _contactdata_actor(request: HttpRequest, enterprise_id: int) -> Actor:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_use_contactdata(actor.standing))
    return actor


def _contact_data(actor: Actor) -> ContactData:
    found = (
        ContactData.objects.filter(enterprise=actor.enterprise).prefetch_related("addresses", "domain_contacts").first()
    )
    return found or ContactData(enterprise=actor.enterprise)


def _general_form(instance: ContactData, data: dict | None = None) -> GeneralForm:
    return GeneralForm(data, instance=instance, prefix="general")


def _address_forms(instance: ContactData, data: dict | None = None) -> AddressForms:
    addresses = {a.kind: a for a in instance.addresses.all()} if instance.pk else {}
    return [
        (
            label,
            AddressForm(
                data, instance=addresses.get(kind), prefix=kind, empty_permitted=True, use_required_attribute=False
            ),
        )
        for kind, label in Address.Kind.choices
    ]


def _contact_forms(actor: Actor, instance: ContactData, data: dict | None = None) -> ContactForms:
    contacts = {c.domain_id: c for c in instance.domain_contacts.all()} if instance.pk else {}
    domains = Domain.objects.filter(pk__in=set(actor.standing.enterprise_groups.values())).order_by("code")
    return [
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


def _page(
    request: HttpRequest,
    actor: Actor,
    instance: ContactData,
    *,
    general: GeneralForm | None = None,
    address_forms: AddressForms | None = None,
    contact_forms: ContactForms | None = None,
) -> HttpResponse:
    context = page_context(
        actor,
        contact_data=instance,
        general=general or _general_form(instance),
        address_forms=address_forms or _address_forms(instance),
        contact_forms=contact_forms or _contact_forms(actor, instance),
    )
    return render(request, "contactdata/edit.html", context)


def _saved(request: HttpRequest, actor: Actor) -> HttpResponse:
    messages.success(request, _("The contact data are saved."))
    return redirect("contactdata:edit", actor.enterprise.pk)


@login_required
@require_GET
def contact_data(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """Every manager and user of the enterprise reads and updates its contact data."""
    actor = _contactdata_actor(request, enterprise_id)
    return _page(request, actor, _contact_data(actor))


@login_required
@require_POST
def general_save(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = _contactdata_actor(request, enterprise_id)
    instance = _contact_data(actor)
    form = _general_form(instance, request.POST)
    if not form.is_valid():
        return _page(request, actor, instance, general=form)
    services.contact_data_update(actor, general=form.cleaned_data, addresses={}, contacts={})
    return _saved(request, actor)


@login_required
@require_POST
def addresses_save(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = _contactdata_actor(request, enterprise_id)
    instance = _contact_data(actor)
    forms = _address_forms(instance, request.POST)
    if not all(form.is_valid() for _label, form in forms):
        return _page(request, actor, instance, address_forms=forms)
    # Only what the person changed: an untouched address stays as it is.
    changed = {
        kind: form.cleaned_data
        for (kind, _label), (_, form) in zip(Address.Kind.choices, forms, strict=True)
        if form.has_changed()
    }
    services.contact_data_update(actor, general={}, addresses=changed, contacts={})
    return _saved(request, actor)


@login_required
@require_POST
def contacts_save(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = _contactdata_actor(request, enterprise_id)
    instance = _contact_data(actor)
    forms = _contact_forms(actor, instance, request.POST)
    if not all(form.is_valid() for _domain, form in forms):
        return _page(request, actor, instance, contact_forms=forms)
    changed = {domain: form.cleaned_data for domain, form in forms if form.has_changed()}
    services.contact_data_update(actor, general={}, addresses={}, contacts=changed)
    return _saved(request, actor)
