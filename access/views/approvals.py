"""Four eyes (docs/design.md §5.15): the requests waiting for a second manager, approving or
refusing them, and the Main Access Manager's setting."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from access import approvals, policy, selectors, services
from access.login.reauthentication import require_recent_authentication
from access.models import ApprovalRequest
from access.selectors import Actor
from access.services import ActionRefused
from access.views.common import get_actor_or_404, page_context, refused, require

Status = ApprovalRequest.Status


class FourEyesForm(forms.Form):
    enabled = forms.TypedChoiceField(
        label=gettext_lazy("The dangerous few actions"),
        choices=[
            ("1", gettext_lazy("wait for a second manager's approval")),
            ("0", gettext_lazy("go through at once")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )


def _page(request: HttpRequest, actor: Actor, form: FourEyesForm | None = None) -> HttpResponse:
    enabled, setting = approvals.four_eyes_enabled(actor.enterprise)
    pending = list(approvals.pending_requests(actor.enterprise))
    # Described together: the catalogue's names are read once for the page.
    described = approvals.described([*pending, *approvals.decided_requests(actor.enterprise)])
    rows = [
        (item, text, bool(policy.can_approve(actor.standing, _requester(actor, item), pending=True)))
        for item, text in described[: len(pending)]
    ]
    can_change = bool(policy.can_change_four_eyes(actor.standing))
    if can_change and form is None:
        form = FourEyesForm(initial={"enabled": "1" if enabled else "0"})
    context = page_context(
        actor,
        rows=rows,
        decided=described[len(pending) :],
        enabled=enabled,
        setting=setting,
        form=form if can_change else None,
    )
    return render(request, "access/approval_list.html", context)


def _requester(actor: Actor, item: ApprovalRequest) -> policy.Standing:
    """Only who asked matters to `can_approve` on this page: not a person of another enterprise,
    not the actor themselves (their standing is read again when they approve)."""
    return policy.Standing(person_id=item.requested_by_id, enterprise_id=actor.enterprise.pk)


@login_required
@require_GET
def approval_list(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_view_approvals(actor.standing))
    return _page(request, actor)


def _request_to_decide(actor: Actor, request_id: int) -> tuple[ApprovalRequest, str]:
    """The request the actor may decide, and what it asks in words."""
    require(policy.can_view_approvals(actor.standing))
    item = get_object_or_404(approvals.requests_of(actor.enterprise), pk=request_id)
    requester = selectors.standing_of(item.requested_by_id, actor.enterprise.pk)
    require(policy.can_approve(actor.standing, requester, pending=approvals.is_pending(item)))
    return approvals.described([item])[0]


@login_required
@require_POST
def approval_approve_view(request: HttpRequest, enterprise_id: int, request_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    item, what = _request_to_decide(actor, request_id)
    if confirmation := require_recent_authentication(request, _("Confirm your identity to approve: %s.") % what):
        return confirmation
    try:
        item = services.approval_approve(actor, item)
    except ActionRefused as exc:
        refused(request, exc)
    else:
        if item.status == Status.APPROVED:
            messages.success(request, _("Approved and carried out: %s.") % what)
        else:
            messages.error(request, _("Nothing was done: %(what)s. %(why)s") % {"what": what, "why": item.outcome})
    return redirect("access:approval_list", actor.enterprise.pk)


@login_required
@require_POST
def approval_refuse_view(request: HttpRequest, enterprise_id: int, request_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    item, what = _request_to_decide(actor, request_id)
    try:
        services.approval_refuse(actor, item)
    except ActionRefused as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Refused: %s. Nothing was done.") % what)
    return redirect("access:approval_list", actor.enterprise.pk)


@login_required
@require_POST
def four_eyes(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_change_four_eyes(actor.standing))
    form = FourEyesForm(request.POST)
    if not form.is_valid():
        return _page(request, actor, form)
    try:
        services.four_eyes_change(actor, form.cleaned_data["enabled"])
    except ActionRefused as exc:
        form.add_error(None, str(exc.message))
        return _page(request, actor, form)
    messages.success(request, _("The setting is saved."))
    return redirect("access:approval_list", actor.enterprise.pk)
