"""The Mandates page (docs/design.md §5.16): the mandates an enterprise gives and takes, offering
one, one mandate with its history and the provider's people acting under it; the provider's
answers, ending it from either side, and the access the provider gives under it."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from access import choice, policy
from access.models import ApprovalRequest
from access.selectors import Actor
from access.services import ActionRefused
from access.views.common import ByIds, get_actor_or_404, page_context, paginate, refused, require
from mandates import selectors, services
from mandates.forms import AccessForm, OfferForm
from mandates.models import Mandate, MandateAccess


def _mandates_actor(request: HttpRequest, enterprise_id: int) -> Actor:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_view_mandates(actor.standing))
    return actor


def _offer_form(actor: Actor, data: Any = None) -> OfferForm:
    return OfferForm(data, services=selectors.offerable_services(actor))


def _known(total: int) -> Callable[[], int]:
    """A count already read (selectors.sides_counted), for the paginator not to read it again."""
    return lambda: total


def _list(request: HttpRequest, actor: Actor, form: OfferForm) -> HttpResponse:
    """Both sides of the list, each searched by the other enterprise's name or number (`?q=`, the
    same search for both) and paged on its own (`?given_page=`, `?page=`), with how many mandates
    there are; the search box from 11 mandates on one side, as for the choice of an enterprise
    (access.choice, docs/decisions.md §19)."""
    query = request.GET.get("q", "").strip()[:100]
    sides = policy.mandate_sides(actor.standing)
    totals = selectors.sides_counted(actor)
    pages: dict[policy.MandateSide, Any] = {}
    for side, name in ((policy.MandateSide.PRINCIPAL, "given_page"), (policy.MandateSide.PROVIDER, "page")):
        if side in sides:
            found = selectors.mandates_on_side(actor, side, query)
            pages[side] = paginate(request, ByIds(found), count=None if query else _known(totals[side]), name=name)
    given, taken = pages.get(policy.MandateSide.PRINCIPAL), pages.get(policy.MandateSide.PROVIDER)
    context = page_context(
        actor,
        given=given,
        taken=taken,
        given_total=totals[policy.MandateSide.PRINCIPAL],
        taken_total=totals[policy.MandateSide.PROVIDER],
        sees_taken=taken is not None,
        query=query,
        searchable=choice.wants_search(max(totals.values()), query),
        # Each list's pages keep the other's page.
        given_filters=f"page={taken.number}" if taken is not None and taken.number > 1 else "",
        taken_filters=f"given_page={given.number}" if given is not None and given.number > 1 else "",
        form=form,
    )
    return render(request, "mandates/mandate_list.html", context)


@login_required
@require_GET
def mandate_list(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = _mandates_actor(request, enterprise_id)
    return _list(request, actor, _offer_form(actor))


@login_required
@require_POST
def mandate_offer(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = _mandates_actor(request, enterprise_id)
    form = _offer_form(actor, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            mandate = services.mandate_offer(
                actor,
                provider_number=data["provider"],
                services=list(data["services"]),
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except ActionRefused as exc:
            form.add_error("provider", str(exc.message))
        else:
            messages.success(request, _("The mandate is offered: the service provider accepts or refuses it."))
            return redirect("mandates:detail", actor.enterprise.pk, mandate.pk)
    return _list(request, actor, form)


def _mandate(actor: Actor, mandate_id: int) -> Mandate:
    return get_object_or_404(selectors.mandates_of(actor), pk=mandate_id)


def _detail(request: HttpRequest, actor: Actor, mandate: Mandate, form: AccessForm | None = None) -> HttpResponse:
    side = selectors.side_of(actor, mandate)
    standing = actor.standing
    in_force = selectors.in_force(mandate)
    open_ = mandate.status in (Mandate.Status.OFFERED, Mandate.Status.ACCEPTED)
    provider = side == policy.MandateSide.PROVIDER
    answers = provider and mandate.status == Mandate.Status.OFFERED and bool(policy.can_answer_mandate(standing))
    end_waits = open_ and selectors.end_waiting(actor, mandate) is not None
    ends = open_ and not end_waits and bool(policy.can_end_mandate(standing, side, selectors.service_domains(mandate)))
    grants = provider and in_force and bool(policy.can_answer_mandate(standing))
    if grants and form is None:
        form = AccessForm(people=selectors.provider_people(actor), services=mandate.services.all())
    context = page_context(
        actor,
        mandate=mandate,
        is_provider=provider,
        in_force=in_force,
        answers=answers,
        ends=ends,
        end_waits=end_waits,
        grants=grants,
        revokes=provider and bool(policy.can_revoke_under_mandate(standing)),
        form=form if grants else None,
        accesses=list(selectors.current_accesses(mandate)),
        history=_with_service_names(mandate, list(selectors.history(actor, mandate))),
    )
    return render(request, "mandates/mandate_detail.html", context)


def _with_service_names(mandate: Mandate, events: list[Any]) -> list[Any]:
    """Each step of the history with the name of the service it gave or took back, if any: the
    journal keeps its code, and a service given under the mandate is one of the mandate's."""
    names = {service.code: service.name for service in mandate.services.all()}
    for event in events:
        code = (event.after or {}).get("service")
        event.service_name = names.get(code, code) if code else ""
    return events


@login_required
@require_GET
def mandate_detail(request: HttpRequest, enterprise_id: int, mandate_id: int) -> HttpResponse:
    actor = _mandates_actor(request, enterprise_id)
    return _detail(request, actor, _mandate(actor, mandate_id))


def _act(
    request: HttpRequest, enterprise_id: int, mandate_id: int, service: Any, done: str, waits: str = ""
) -> HttpResponse:
    actor = _mandates_actor(request, enterprise_id)
    mandate = _mandate(actor, mandate_id)
    try:
        made = service(actor, mandate)
    except ActionRefused as exc:
        refused(request, exc)
    else:
        messages.success(request, waits if isinstance(made, ApprovalRequest) else done)
    return redirect("mandates:detail", actor.enterprise.pk, mandate.pk)


@login_required
@require_POST
def mandate_accept(request: HttpRequest, enterprise_id: int, mandate_id: int) -> HttpResponse:
    return _act(request, enterprise_id, mandate_id, services.mandate_accept, _("You accepted the mandate."))


@login_required
@require_POST
def mandate_refuse(request: HttpRequest, enterprise_id: int, mandate_id: int) -> HttpResponse:
    return _act(request, enterprise_id, mandate_id, services.mandate_refuse, _("You refused the mandate."))


@login_required
@require_POST
def mandate_end(request: HttpRequest, enterprise_id: int, mandate_id: int) -> HttpResponse:
    done = _("The mandate has ended: nobody acts under it any more.")
    waits = _(
        "Ending this mandate waits for a second manager's approval: it stays in force until then. "
        "The Main Access Manager, a co-Main Access Manager or a legal representative approves it "
        "in Second approvals."
    )
    return _act(request, enterprise_id, mandate_id, services.mandate_end, done, waits)


@login_required
@require_POST
def mandate_access_grant(request: HttpRequest, enterprise_id: int, mandate_id: int) -> HttpResponse:
    actor = _mandates_actor(request, enterprise_id)
    mandate = _mandate(actor, mandate_id)
    if selectors.side_of(actor, mandate) != policy.MandateSide.PROVIDER:
        require(policy.refuse(policy.MANDATE_PROVIDER_MANAGERS_ONLY))
    form = AccessForm(request.POST, people=selectors.provider_people(actor), services=mandate.services.all())
    if not form.is_valid():
        return _detail(request, actor, mandate, form)
    try:
        services.mandate_access_grant(
            actor, mandate, person=form.cleaned_data["person"], service=form.cleaned_data["service"]
        )
    except ActionRefused as exc:
        refused(request, exc)
    else:
        messages.success(
            request,
            _("%(person)s may use %(service)s for %(principal)s.")
            % {
                "person": form.cleaned_data["person"].full_name,
                "service": form.cleaned_data["service"].name,
                "principal": mandate.principal.name,
            },
        )
    return redirect("mandates:detail", actor.enterprise.pk, mandate.pk)


@login_required
@require_POST
def mandate_access_revoke(request: HttpRequest, enterprise_id: int, mandate_id: int, access_id: int) -> HttpResponse:
    actor = _mandates_actor(request, enterprise_id)
    mandate = _mandate(actor, mandate_id)
    access = get_object_or_404(MandateAccess.objects.filter(mandate=mandate, revoked_at__isnull=True), pk=access_id)
    if selectors.side_of(actor, mandate) != policy.MandateSide.PROVIDER:
        require(policy.refuse(policy.MANDATE_PROVIDER_MANAGERS_ONLY))
    try:
        services.mandate_access_revoke(actor, access)
    except ActionRefused as exc:
        refused(request, exc)
    else:
        messages.success(request, _("The online service is taken back."))
    return redirect("mandates:detail", actor.enterprise.pk, mandate.pk)
