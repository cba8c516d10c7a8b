"""The Provisioning page of a manager: their tokens for the enterprise's HR system, a new one
(shown once), and revoking one (docs/provisioning.md §2)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from access import policy
from access.login.reauthentication import require_recent_authentication
from access.selectors import Actor
from access.services import ActionRefused
from access.views.common import get_actor_or_404, page_context, require
from provisioning import selectors, services
from provisioning.forms import TokenForm


def _provisioning_actor(request: HttpRequest, enterprise_id: int) -> Actor:
    actor = get_actor_or_404(request, enterprise_id)
    require(policy.can_manage_provisioning(actor.standing))
    return actor


def _page(request: HttpRequest, actor: Actor, **extra: Any) -> HttpResponse:
    extra.setdefault("form", TokenForm())
    context = page_context(
        actor,
        tokens=list(selectors.tokens_of(actor)),
        scim_base=request.build_absolute_uri(reverse("scim:root")),
        **extra,
    )
    return render(request, "provisioning/tokens.html", context)


@login_required
@require_GET
def tokens(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    return _page(request, _provisioning_actor(request, enterprise_id))


@login_required
@require_POST
def token_create(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """A new token, shown on the page that answers this post and never again."""
    actor = _provisioning_actor(request, enterprise_id)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, actor, form=form)
    action = _("Confirm your identity to make the provisioning token “%(name)s”.") % {"name": form.cleaned_data["name"]}
    if confirmation := require_recent_authentication(request, action):
        return confirmation
    try:
        token, value = services.token_create(actor, **form.cleaned_data)
    except ActionRefused as exc:
        # The same form sent again (a page reloaded): a new form, and why nothing was made.
        messages.error(request, str(exc.message))
        return redirect("provisioning:tokens", actor.enterprise.pk)
    return _page(request, actor, created=token, value=value)


@login_required
@require_POST
def token_revoke(request: HttpRequest, enterprise_id: int, token_id: int) -> HttpResponse:
    actor = _provisioning_actor(request, enterprise_id)
    token = get_object_or_404(selectors.tokens_of(actor), pk=token_id)
    try:
        services.token_revoke(actor, token)
    except ActionRefused as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("provisioning:tokens", actor.enterprise.pk)
