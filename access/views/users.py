"""Groups and their users: list, search, add, grant, block, unblock, delete."""

from collections.abc import Mapping

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import policy, selectors, services
from access.forms import (
    AddUserForm,
    AddUserNumberForm,
    BlockForm,
    GrantForm,
    ReasonForm,
)
from access.identifiers import format_niss
from access.login.reauthentication import require_recent_authentication
from access.models import Group, Membership, OnlineService, Person
from access.selectors import Actor
from access.services import ActionRefused
from access.views.common import (
    get_actor_or_404,
    page_context,
    paginate,
    refused,
    require,
    search_query,
)

# --- Enterprise, groups, users --------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    held = selectors.effective_services(actor.person, actor.enterprise, actor.standing)
    context = page_context(
        actor,
        services=held,
        groups=list(selectors.groups_in_scope(actor)),
        standings=[_standing_label(level) for level in actor.standing.levels],
        my_memberships=selectors.current_memberships()
        .filter(person=actor.person, group__enterprise=actor.enterprise)
        .select_related("group__role_type"),
        my_services=OnlineService.objects.filter(code__in=held).order_by("code"),
    )
    return render(request, "access/dashboard.html", context)


def _standing_label(level: policy.Level) -> str:
    labels = {
        policy.Level.LEGAL_REPRESENTATIVE: _("Legal representative"),
        policy.Level.MAIN: _("Main Access Manager"),
        policy.Level.CO_MAIN: _("co-Main Access Manager"),
        policy.Level.ACCESS_MANAGER: _("Access Manager"),
        policy.Level.GROUP_MANAGER: _("Group Manager"),
        policy.Level.USER: _("User"),
    }
    return labels[level]


def _group_or_403(actor: Actor, group_id: int) -> Group:
    group = get_object_or_404(
        Group.objects.select_related("role_type__domain"), pk=group_id, enterprise=actor.enterprise
    )
    require(policy.can_manage_group(actor.standing, group.pk))
    return group


@login_required
def group_detail(request: HttpRequest, enterprise_id: int, group_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    group = _group_or_403(actor, group_id)
    search = search_query(request)
    if search.redirection:
        return search.redirection
    page = None if search.refused else paginate(request, selectors.group_members(actor, group, search.query))
    if page is not None:
        _mark_actions(actor, page.object_list)
    context = page_context(actor, group=group, page=page, query=search.query, search_form=search.form)
    return render(request, "access/group_detail.html", context)


@login_required
def user_list(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_manage_users(actor.standing))
    search = search_query(request)
    if search.redirection:
        return search.redirection
    count = None if search.query else (lambda: selectors.count_people_in_scope(actor))
    page = None if search.refused else paginate(request, selectors.people_in_scope(actor, search.query), count=count)
    if page is not None:
        _mark_actions(actor, [m for person in page.object_list for m in person.scoped_memberships])
    context = page_context(actor, page=page, query=search.query, search_form=search.form)
    return render(request, "access/user_list.html", context)


def _mark_actions(
    actor: Actor, memberships: list[Membership], targets: Mapping[int | None, policy.Standing] | None = None
) -> None:
    """Each membership of a list with what the actor may do to it, as the policy answers: `can_edit`
    (the pencil) and `can_delete` (the bin). The standings of their people in one query, unless
    the view has them (`targets`)."""
    if targets is None:
        targets = selectors.standings_of({m.person_id for m in memberships}, actor.enterprise.pk, actor.standing)
    for membership in memberships:
        target = targets[membership.person_id]
        membership.can_edit = bool(policy.can_act_in_group(actor.standing, target, membership.group_id))  # type: ignore[attr-defined]
        membership.can_delete = bool(policy.can_delete_from_group(actor.standing, target, membership.group_id))  # type: ignore[attr-defined]


def _person_in_scope(actor: Actor, person_id: int) -> tuple[Person, list[Membership]]:
    require(policy.can_manage_users(actor.standing))
    person = get_object_or_404(Person, pk=person_id)
    memberships = selectors.person_memberships(actor, person)
    if not memberships:
        raise Http404
    return person, memberships


@login_required
def user_detail(request: HttpRequest, enterprise_id: int, person_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    person, memberships = _person_in_scope(actor, person_id)
    target = selectors.standing_of(person.pk, actor.enterprise.pk, actor.standing)
    _mark_actions(actor, memberships, {person.pk: target})
    context = page_context(
        actor,
        person=person,
        memberships=[(m, bool(policy.can_act_in_group(actor.standing, target, m.group_id))) for m in memberships],
        # The standing knows whether the person is blocked for all groups; the block's reason is read only then.
        enterprise_block=selectors.enterprise_block_of(actor.enterprise, person) if target.blocked_everywhere else None,
        can_block_everywhere=policy.can_block_everywhere(actor.standing, target),
    )
    return render(request, "access/user_detail.html", context)


# The steps of adding a user, posted as `step`: the number typed (first step), or back to it.
NUMBER_STEP = "number"
BACK_STEP = "back"


@login_required
def user_add(request: HttpRequest, enterprise_id: int, group_id: int) -> HttpResponse:
    """Add a user in two steps, as the real service does: the national register number first; then
    the online services and the confirmation, with the names only of a person the portal does not
    know. The second step's form, posted whole, adds the user; the number travels in the posts,
    never in an address."""
    actor = get_actor_or_404(request, enterprise_id)
    group = _group_or_403(actor, group_id)
    step = request.POST.get("step") if request.method == "POST" else None
    if request.method == "GET" or step == BACK_STEP:
        return _add_number_step(request, actor, group, AddUserNumberForm(initial={"niss": request.POST.get("niss")}))
    if step == NUMBER_STEP:
        number_form = AddUserNumberForm(request.POST)
        if not number_form.is_valid():
            return _add_number_step(request, actor, group, number_form)
        niss = number_form.cleaned_data["niss"]
        person = Person.objects.filter(niss=niss).first()
        if refusal := _cannot_add(actor, group, person):
            number_form.add_error("niss", refusal)
            return _add_number_step(request, actor, group, number_form)
        form = AddUserForm(initial={"niss": niss}, services=selectors.grantable_services(group), person=person)
        return _add_details_step(request, actor, group, form, person, niss)
    number_form = AddUserNumberForm(request.POST)
    if not number_form.is_valid():  # a number changed on the way: the first step says what is wrong
        return _add_number_step(request, actor, group, number_form)
    niss = number_form.cleaned_data["niss"]
    person = Person.objects.filter(niss=niss).first()
    form = AddUserForm(request.POST, services=selectors.grantable_services(group), person=person)
    if form.is_valid():
        try:
            with transaction.atomic():  # a newcomer is kept only if they are added
                person = services.person_get_or_create(
                    form.cleaned_data["niss"],
                    given_name=form.cleaned_data.get("given_name", ""),
                    surname=form.cleaned_data.get("surname", ""),
                )
                membership = services.membership_create(
                    actor,
                    group=group,
                    person=person,
                    services=form.cleaned_data["services"],
                    until=form.cleaned_data["until"],
                )
        except ValidationError as exc:
            form.add_error("given_name" if "given_name" in form.fields else None, exc)
        except ActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("%(name)s is now a user of this group.") % {"name": person.full_name})
            return redirect("access:membership_edit", actor.enterprise.pk, membership.pk)
    return _add_details_step(request, actor, group, form, person, niss)


def _cannot_add(actor: Actor, group: Group, person: Person | None) -> str:
    """Why this person cannot be added to the group, said at the first step; empty if they can."""
    if person is None:
        return ""
    if selectors.current_memberships().filter(person=person, group=group).exists():
        return _("This person is already a user of this group.")
    decision = policy.can_create_user(
        actor.standing, selectors.standing_of(person.pk, actor.enterprise.pk, actor.standing), group.pk
    )
    return "" if decision else str(decision.reason)


def _add_number_step(request: HttpRequest, actor: Actor, group: Group, form: AddUserNumberForm) -> HttpResponse:
    context = page_context(actor, group=group, form=form, step=NUMBER_STEP)
    return render(request, "access/user_add.html", context)


def _add_details_step(
    request: HttpRequest, actor: Actor, group: Group, form: AddUserForm, person: Person | None, niss: str
) -> HttpResponse:
    context = page_context(actor, group=group, form=form, person=person, niss_display=format_niss(niss))
    return render(request, "access/user_add.html", context)


# --- One membership -------------------------------------------------------------------------


def _membership_in_scope(actor: Actor, membership_id: int) -> Membership:
    return get_object_or_404(
        selectors.memberships_in_scope(actor).select_related("person", "group__role_type__domain"), pk=membership_id
    )


def _membership_to_act_on(actor: Actor, membership_id: int) -> Membership:
    """A membership in scope whose person the actor may act on (not themselves, not a superior)."""
    membership = _membership_in_scope(actor, membership_id)
    target = selectors.standing_of(membership.person_id, actor.enterprise.pk, actor.standing)
    require(policy.can_act_in_group(actor.standing, target, membership.group_id))
    return membership


def _membership_page(
    request: HttpRequest, actor: Actor, membership: Membership, grant_form: GrantForm | None = None
) -> HttpResponse:
    """The membership's page; with the grant form sent back with its errors, when there are some."""
    target = selectors.standing_of(membership.person_id, actor.enterprise.pk, actor.standing)
    granted = selectors.granted_services(actor, membership)
    grantable = selectors.grantable_services(membership.group).exclude(pk__in=[g.service_id for g in granted])
    if grant_form is not None:
        grant_form.fields["service"].queryset = grantable  # type: ignore[attr-defined]
    context = page_context(
        actor,
        membership=membership,
        granted=granted,
        can_grant_more=grantable.exists(),
        grant_form=grant_form or GrantForm(services=grantable),
        can_act=policy.can_act_in_group(actor.standing, target, membership.group_id),
    )
    return render(request, "access/membership_edit.html", context)


@login_required
def membership_edit(request: HttpRequest, enterprise_id: int, membership_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    return _membership_page(request, actor, _membership_in_scope(actor, membership_id))


@login_required
@require_POST
def grant_add(request: HttpRequest, enterprise_id: int, membership_id: int) -> HttpResponse:
    """Grant a service; a choice or a date in error comes back on the membership's page, next to
    its field, and nothing is granted."""
    actor = get_actor_or_404(request, enterprise_id)
    membership = _membership_in_scope(actor, membership_id)
    form = GrantForm(request.POST, services=selectors.grantable_services(membership.group))
    if not form.is_valid():
        return _membership_page(request, actor, membership, grant_form=form)
    try:
        services.grant_create(actor, membership, form.cleaned_data["service"], until=form.cleaned_data["until"])
        messages.success(request, _("The online service is granted."))
    except ActionRefused as exc:
        refused(request, exc)
    return redirect("access:membership_edit", actor.enterprise.pk, membership.pk)


@login_required
@require_POST
def grant_revoke(request: HttpRequest, enterprise_id: int, membership_id: int, service_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    membership = _membership_in_scope(actor, membership_id)
    service = get_object_or_404(OnlineService, pk=service_id)
    try:
        services.grant_revoke(actor, membership, service)
        messages.success(request, _("The online service is revoked."))
    except ActionRefused as exc:
        refused(request, exc)
    return redirect("access:membership_edit", actor.enterprise.pk, membership.pk)


def _waits(request: HttpRequest, exc: services.AwaitsApproval) -> None:
    """Past the threshold of people blocked or deleted within the hour: the request is recorded and
    the page says that it waits (docs/design.md §5.15)."""
    held = services.held_record(exc.held)
    text = _(
        "You blocked or deleted many people within the hour: this change waits for a second manager's "
        "approval (request no. %(number)s)."
    )
    messages.info(request, text % {"number": held.pk})


@login_required
def membership_block(request: HttpRequest, enterprise_id: int, membership_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    membership = _membership_to_act_on(actor, membership_id)
    form = BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_block(
                actor,
                membership,
                reason=form.cleaned_data["reason"],
                until=form.cleaned_data["until"],
                share_reason=form.cleaned_data["share_reason"],
            )
        except services.AwaitsApproval as exc:
            _waits(request, exc)
            return redirect("access:membership_edit", actor.enterprise.pk, membership.pk)
        except ActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The user is blocked for this group."))
            return redirect("access:membership_edit", actor.enterprise.pk, membership.pk)
    return render(request, "access/membership_block.html", page_context(actor, membership=membership, form=form))


@login_required
@require_POST
def membership_unblock(request: HttpRequest, enterprise_id: int, membership_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    membership = _membership_in_scope(actor, membership_id)
    try:
        services.membership_unblock(actor, membership)
        messages.success(request, _("The user is unblocked for this group."))
    except ActionRefused as exc:
        refused(request, exc)
    return redirect("access:membership_edit", actor.enterprise.pk, membership.pk)


@login_required
def membership_delete(request: HttpRequest, enterprise_id: int, membership_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    membership = _membership_to_act_on(actor, membership_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_delete(actor, membership, reason=form.cleaned_data["reason"])
        except services.AwaitsApproval as exc:
            _waits(request, exc)
            return redirect("access:group_detail", actor.enterprise.pk, membership.group_id)
        except ActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request, _("%(name)s is no longer a user of this group.") % {"name": membership.person.full_name}
            )
            return redirect("access:group_detail", actor.enterprise.pk, membership.group_id)
    return render(request, "access/membership_delete.html", page_context(actor, membership=membership, form=form))


# --- One person, every group ----------------------------------------------------------------


@login_required
def person_block(request: HttpRequest, enterprise_id: int, person_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    person, _memberships = _person_in_scope(actor, person_id)
    require(
        policy.can_block_everywhere(
            actor.standing, selectors.standing_of(person.pk, actor.enterprise.pk, actor.standing)
        )
    )
    form = BlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = _("Confirm your identity to block %(name)s for all groups.") % {"name": person.full_name}
        if confirmation := require_recent_authentication(request, action):
            return confirmation
        try:
            services.person_block_everywhere(
                actor,
                person,
                reason=form.cleaned_data["reason"],
                until=form.cleaned_data["until"],
                share_reason=form.cleaned_data["share_reason"],
            )
        except services.AwaitsApproval as exc:
            _waits(request, exc)
            return redirect("access:user_detail", actor.enterprise.pk, person.pk)
        except ActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The user is blocked for all groups of the enterprise."))
            return redirect("access:user_detail", actor.enterprise.pk, person.pk)
    return render(request, "access/person_block.html", page_context(actor, person=person, form=form))


@login_required
@require_POST
def person_unblock(request: HttpRequest, enterprise_id: int, person_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    person, _memberships = _person_in_scope(actor, person_id)
    try:
        services.person_unblock_everywhere(actor, person)
        messages.success(request, _("The user is unblocked for all groups of the enterprise."))
    except ActionRefused as exc:
        refused(request, exc)
    return redirect("access:user_detail", actor.enterprise.pk, person.pk)
