"""Designations: the managers page and the Main Access Manager's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from access import policy, selectors, services
from access.forms import (
    DesignateForm,
    ForeignMainManagerForm,
    MainManagerForm,
    RevokeForm,
)
from access.identifiers import format_niss
from access.login.reauthentication import require_recent_authentication
from access.models import ApprovalRequest, Designation, Person
from access.policy import DesignationKind
from access.selectors import Actor
from access.services import ActionRefused
from access.views.common import (
    get_actor_or_404,
    page_context,
    refused,
    require,
)

# --- Managers -------------------------------------------------------------------------------


@login_required
def manager_list(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_view_managers(actor.standing))
    form = DesignateForm(request.POST or None, standing=actor.standing)
    if request.method == "POST" and not policy.manager_kinds(actor.standing):
        # No role to offer here (a legal representative), so no form to show an error in: a forged
        # post is refused with the reason.
        raise PermissionDenied(policy.CANNOT_DESIGNATE)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = _("Confirm your identity to designate %(name)s as %(role)s.") % {
            "name": _named(data),
            "role": dict(DesignationKind.choices)[data["kind"]],
        }
        if confirmation := require_recent_authentication(request, action):
            return confirmation
        try:
            with transaction.atomic():  # a newcomer is kept only if they are designated
                person = services.person_get_or_create(
                    data["niss"], given_name=data["given_name"], surname=data["surname"]
                )
                made = services.designation_create(
                    actor, kind=data["kind"], person=person, domain=data["domain"], group=data["group"]
                )
        except ValidationError as exc:
            form.add_error("given_name", exc)
        except ActionRefused as exc:
            form.add_error(None, str(exc.message))
        else:
            if isinstance(made, ApprovalRequest):
                text = _("The designation of %(name)s waits for a second manager's approval.")
                messages.info(request, text % {"name": person.full_name})
                return redirect("access:approval_list", actor.enterprise.pk)
            messages.success(request, _("%(name)s is designated.") % {"name": person.full_name})
            return redirect("access:manager_list", actor.enterprise.pk)
    designations = list(selectors.designations_in_scope(actor))
    targets = selectors.standings_of({d.person_id for d in designations}, actor.enterprise.pk, actor.standing)
    designations_with_rights = [(d, bool(_can_revoke(actor, d, targets[d.person_id]))) for d in designations]
    return render(
        request, "access/manager_list.html", page_context(actor, designations=designations_with_rights, form=form)
    )


def _named(data: dict) -> str:
    """The person a designation form names: as the portal knows them, or as typed for a newcomer."""
    known = Person.objects.filter(niss=data["niss"]).first()
    return known.full_name if known else f"{data['given_name']} {data['surname']}".strip() or format_niss(data["niss"])


def _can_revoke(actor: Actor, designation: Designation, target: policy.Standing) -> policy.Decision:
    return policy.can_revoke(
        actor.standing, target, designation.kind, domain_id=designation.domain_id, group_id=designation.group_id
    )


@login_required
def designation_revoke(request: HttpRequest, enterprise_id: int, designation_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_view_managers(actor.standing))
    designation = get_object_or_404(selectors.designations_in_scope(actor), pk=designation_id)
    form = RevokeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.designation_revoke(actor, designation, reason=form.cleaned_data["reason"])
        except ActionRefused as exc:
            refused(request, exc)
        else:
            messages.success(request, _("The designation is revoked."))
        return redirect("access:manager_list", actor.enterprise.pk)
    require(
        _can_revoke(
            actor, designation, selectors.standing_of(designation.person_id, actor.enterprise.pk, actor.standing)
        )
    )
    return render(request, "access/designation_revoke.html", page_context(actor, designation=designation, form=form))


def _main_manager_actor(request: HttpRequest, enterprise_id: int) -> Actor:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_designate_main(actor.standing))
    return actor


def _main_manager_page(
    request: HttpRequest,
    actor: Actor,
    belgian: MainManagerForm | None = None,
    foreign: ForeignMainManagerForm | None = None,
) -> HttpResponse:
    current = selectors.main_manager_of(actor.enterprise)
    shown = {"replaces": current.designation.pk if current else None}
    context = page_context(
        actor,
        current=current,
        belgian=belgian or MainManagerForm(prefix="belgian", initial=shown),
        foreign=foreign or ForeignMainManagerForm(prefix="foreign", initial=shown),
    )
    return render(request, "access/main_manager.html", context)


def _refused_main(
    request: HttpRequest, actor: Actor, form: MainManagerForm | ForeignMainManagerForm, exc: ActionRefused
) -> HttpResponse:
    form.add_error(None, str(exc.message))
    # The page shows the MAM as they are now, and the form comes back replacing that one.
    current = selectors.main_manager_of(actor.enterprise)
    data = request.POST.copy()
    data[form.add_prefix("replaces")] = str(current.designation.pk) if current else ""
    form.data = data
    if isinstance(form, ForeignMainManagerForm):
        return _main_manager_page(request, actor, foreign=form)
    return _main_manager_page(request, actor, belgian=form)


def _main_designated(request: HttpRequest, actor: Actor) -> HttpResponse:
    messages.success(request, _("The Main Access Manager is designated; they have been informed."))
    return redirect("access:main_manager", actor.enterprise.pk)


@login_required
@require_GET
def main_manager(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """A legal representative designates or replaces the Main Access Manager."""
    return _main_manager_page(request, _main_manager_actor(request, enterprise_id))


@login_required
@require_POST
def main_manager_belgian(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """The Main Access Manager is a person with a Belgian national register number."""
    actor = _main_manager_actor(request, enterprise_id)
    form = MainManagerForm(request.POST, prefix="belgian")
    if not form.is_valid():
        return _main_manager_page(request, actor, belgian=form)
    data = form.cleaned_data
    if confirmation := require_recent_authentication(request, _main_to_confirm(_named(data))):
        return confirmation
    try:
        with transaction.atomic():  # a newcomer is kept only if they are designated
            person = services.person_get_or_create(data["niss"], given_name=data["given_name"], surname=data["surname"])
            services.main_manager_designate(actor, person, replaces=data["replaces"])
    except ValidationError as exc:
        form.add_error("given_name", exc)
        return _main_manager_page(request, actor, belgian=form)
    except ActionRefused as exc:
        return _refused_main(request, actor, form, exc)
    return _main_designated(request, actor)


@login_required
@require_POST
def main_manager_foreign(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """The Main Access Manager is a person without a Belgian number, who receives credentials."""
    actor = _main_manager_actor(request, enterprise_id)
    form = ForeignMainManagerForm(request.POST, prefix="foreign")
    if not form.is_valid():
        return _main_manager_page(request, actor, foreign=form)
    data = form.cleaned_data
    if confirmation := require_recent_authentication(
        request, _main_to_confirm(f"{data['given_name']} {data['surname']}")
    ):
        return confirmation
    try:
        services.main_manager_designate_foreign(
            actor,
            given_name=data["given_name"],
            surname=data["surname"],
            email=data["email"],
            mobile_phone=data["mobile_phone"],
            language=data["language"],
            replaces=data["replaces"],
        )
    except ActionRefused as exc:
        return _refused_main(request, actor, form, exc)
    return _main_designated(request, actor)


@login_required
@require_POST
def main_manager_credentials(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """New credentials for the current Main Access Manager, who lost their password or phone."""
    actor = _main_manager_actor(request, enterprise_id)
    current = selectors.main_manager_of(actor.enterprise)
    if current is None:
        return redirect("access:main_manager", actor.enterprise.pk)
    action = _("Confirm your identity to send new credentials to %(name)s.") % {
        "name": current.designation.person.full_name
    }
    if confirmation := require_recent_authentication(request, action):
        return confirmation
    try:
        services.main_manager_resend_credentials(actor, current.designation)
    except ActionRefused as exc:
        refused(request, exc)
    else:
        messages.success(
            request, _("A new username and temporary password are on their way; the old password no longer works.")
        )
    return redirect("access:main_manager", actor.enterprise.pk)


def _main_to_confirm(name: str) -> str:
    return _("Confirm your identity to designate %(name)s as Main Access Manager.") % {"name": name}
