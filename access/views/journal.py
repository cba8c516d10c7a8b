"""The journal of the actor's scope, and the confirmation of an activation."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from access import selectors
from access.models import Enterprise, OnlineService, Person
from access.views.common import (
    get_actor_or_404,
    page_context,
    window,
)

# --- Journal --------------------------------------------------------------------------------


@login_required
def journal(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    page = window(request, selectors.journal_in_scope(actor))
    names = {service.code: service.name for service in OnlineService.objects.all()}
    for event in page.object_list:
        code = (event.after or {}).get("service") or (event.before or {}).get("service")
        event.service_name = names.get(code, code) if code else ""
    return render(request, "access/journal.html", page_context(actor, page=page))


# --- Activation -----------------------------------------------------------------------------


@login_required
def activated(request: HttpRequest) -> HttpResponse:
    """The confirmation after the first login of a Main Access Manager: the account is active."""
    ids = request.session.pop("activated_enterprises", [])
    person = Person.objects.filter(user=request.user).first() if request.user.is_authenticated else None
    enterprises = selectors.enterprises_of(person).filter(pk__in=ids) if person else Enterprise.objects.none()
    return render(request, "access/activated.html", {"enterprises": enterprises})
