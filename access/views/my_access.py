"""A person's own access in an enterprise (docs/design.md §5.12): what they hold, who gave it and
until when, and what they change themselves, each after a confirmation page: give up an online
service granted to them, leave a group."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access import policy, selectors, services
from access.forms import LeaveGroupForm, RenounceServiceForm
from access.models import Grant
from access.selectors import Actor
from access.services import ActionRefused
from access.views.common import NoStanding, enterprise_choice, find_actor, page_context, require

# How the page names the standings that bring online services automatically.
STANDING_LABELS = {
    **dict(policy.DesignationKind.choices),
    policy.MEMBER: gettext_lazy("User"),
}


def _own_actor_or_404(request: HttpRequest, enterprise_id: int) -> Actor:
    """The person changing their own access here; whoever has no standing in the enterprise (or
    asks about one that does not exist) gets the page that says so, staff a plain 404."""
    if getattr(request.user, "person", None) is None:
        raise Http404
    actor = find_actor(request, enterprise_id)
    if actor is None or not policy.can_view_my_access(actor.standing):
        raise NoStanding
    return actor


def _context(actor: Actor, **extra: Any) -> dict[str, Any]:
    """The enterprise menu for whoever opens the enterprise; a person blocked for all groups opens
    only their own access there, so no menu leads them to pages they cannot open."""
    if policy.can_view_enterprise(actor.standing):
        return page_context(actor, own_enterprise=actor.enterprise, **extra)
    return {"actor": actor, "own_enterprise": actor.enterprise, **extra}


def _offer(grant: Grant) -> policy.OfferedService:
    return policy.OfferedService(
        group_id=grant.membership.group_id,
        code=grant.service.code,
        granted=True,
        automatic_for=frozenset(grant.service.automatic_for),
    )


@login_required
def my_access(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = find_actor(request, enterprise_id)
    if actor is None or not policy.can_view_my_access(actor.standing):
        # The same page whether the enterprise exists or not: it names none.
        return render(request, "access/my_access_none.html")
    access = selectors.own_access(actor)
    me = actor.standing
    groups = []
    for membership in access.memberships:
        blocked = membership.is_blocked
        grants = [
            (grant, policy.can_renounce_service(me, me, membership.group_id, _offer(grant), blocked_in_group=blocked))
            for grant in membership.own_grants  # type: ignore[attr-defined]
        ]
        leave = policy.can_leave_group(me, me, membership.group_id, blocked_in_group=blocked)
        groups.append((membership, leave, grants))
    automatic = [(item, ", ".join(str(STANDING_LABELS[s]) for s in item.standings)) for item in access.automatic]
    context = _context(actor, access=access, groups=groups, automatic=automatic)
    return render(request, "access/my_access.html", context)


@login_required
def my_grant_renounce(request: HttpRequest, enterprise_id: int, grant_id: int) -> HttpResponse:
    actor = _own_actor_or_404(request, enterprise_id)
    grant = get_object_or_404(
        selectors.own_grants(actor).select_related("service", "membership__group__role_type"), pk=grant_id
    )
    membership, me = grant.membership, actor.standing
    blocked = membership.is_blocked
    require(policy.can_renounce_service(me, me, membership.group_id, _offer(grant), blocked_in_group=blocked))
    form = RenounceServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_renounce(actor, grant, reason=form.cleaned_data["reason"])
        except ActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("You have given up %(service)s.") % {"service": grant.service.name})
            return redirect("access:my_access", actor.enterprise.pk)
    return render(request, "access/my_grant_renounce.html", _context(actor, grant=grant, form=form))


@login_required
def my_group_leave(request: HttpRequest, enterprise_id: int, membership_id: int) -> HttpResponse:
    actor = _own_actor_or_404(request, enterprise_id)
    membership = get_object_or_404(
        selectors.own_memberships(actor).select_related("group__role_type"), pk=membership_id
    )
    me = actor.standing
    require(policy.can_leave_group(me, me, membership.group_id, blocked_in_group=membership.is_blocked))
    form = LeaveGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_leave(actor, membership, reason=form.cleaned_data["reason"])
        except ActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            left = {"group": membership.group.name}
            if policy.is_outsider(selectors.standing_of(actor.person.pk, actor.enterprise.pk, me)):
                messages.success(request, _("You have left %(group)s, your last group of this enterprise.") % left)
                return redirect("home")
            messages.success(request, _("You have left %(group)s.") % left)
            return redirect("access:my_access", actor.enterprise.pk)
    granted = selectors.current_grants().filter(membership=membership).select_related("service")
    context = _context(actor, membership=membership, granted=granted, form=form)
    return render(request, "access/my_group_leave.html", context)


@login_required
def my_access_index(request: HttpRequest) -> HttpResponse:
    """My access from anywhere: the enterprise's page when the person acts for one, else the choice
    of the enterprise, searched and paged as on the home page (access.choice)."""
    person = getattr(request.user, "person", None)
    if person is None:
        return render(request, "access/my_access_index.html", {"total": 0})
    context = enterprise_choice(request, person)
    if context["total"] == 1 and not context["query"]:
        return redirect("access:my_access", context["page"].object_list[0].pk)
    return render(request, "access/my_access_index.html", context)
