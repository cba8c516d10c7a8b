"""What every page of an enterprise does first: find the actor, check, lay out the menu."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import urlencode

from access import policy, selectors
from access.forms import SearchForm
from access.models import Enterprise, Group
from access.selectors import Actor
from access.services import ActionRefused
from accounts.http import client_ip


def get_actor_or_404(request: HttpRequest, enterprise_id: int) -> Actor:
    """The signed-in person acting for this enterprise; 404 for anyone without standing in it."""
    enterprise = get_object_or_404(Enterprise, pk=enterprise_id)
    person = getattr(request.user, "person", None) if request.user.is_authenticated else None
    if person is None:
        raise Http404
    standing = selectors.standing_of(person.pk, enterprise.pk)
    if policy.is_outsider(standing):
        raise Http404
    require(policy.can_view_enterprise(standing))
    return Actor(person=person, enterprise=enterprise, standing=standing, ip=client_ip(request))


def require(decision: policy.Decision) -> None:
    if not decision:
        raise PermissionDenied(decision.reason)


def page_context(actor: Actor, *, services: set[str] | None = None, **extra: Any) -> dict[str, Any]:
    """What every page of an enterprise shows: the left menu and what the actor may open.

    `services` are the actor's effective online services when the page already has them; they
    are read only when the menu depends on them (a user, for Chaman).
    """
    standing = actor.standing
    if services is None and policy.chaman_needs_service(standing):
        services = selectors.effective_services(actor.person, actor.enterprise, standing)
    return {
        "actor": actor,
        "enterprise": actor.enterprise,
        "nav_groups": Group.objects.filter(pk__in=standing.scope_groups)
        .select_related("role_type")
        .order_by("role_type__code"),
        "can_manage_users": bool(policy.can_manage_users(standing)),
        "pending_notice": "" if standing.enterprise_active else policy.ENTERPRISE_PENDING,
        "can_view_managers": bool(policy.can_view_managers(standing)),
        "can_use_contactdata": bool(policy.can_use_contactdata(standing)),
        "can_use_ebox": bool(policy.can_use_ebox(standing)),
        "can_use_chaman": bool(policy.can_use_chaman(standing, services or set())),
        "can_manage_structured_messages": bool(policy.can_manage_structured_messages(standing)),
        "can_designate_main": policy.MAIN in policy.designatable_kinds(standing),
        **extra,
    }


def paginate(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def search_query(request: HttpRequest) -> tuple[str, HttpResponse | None]:
    """The search text. It is posted, so that a national register number never lands in a URL;
    a search by name is redirected to an address with the name, which can be paged and shared."""
    form = SearchForm(request.POST if request.method == "POST" else request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if request.method == "POST" and query and not looks_like_a_number(query):
        return query, redirect(f"{request.path}?{urlencode({'q': query})}")
    if request.method == "GET" and looks_like_a_number(query):
        return "", None
    return query, None


def looks_like_a_number(query: str) -> bool:
    return sum(c.isdigit() for c in query) >= 4


def refused(request: HttpRequest, exc: ActionRefused) -> None:
    messages.error(request, str(exc.message))
