"""Re-authentication: managers prove who they are again before the actions that need it.

The action waits in the session while the person confirms (a password, a one-time code or a new
federal login), and is then done as if posted again.
"""

import time
from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import STATE_SESSION_KEY, stash_and_reauthenticate
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import resolve
from django.utils.translation import gettext as _

from accounts.models import User

IDENTITY_CONFIRMED_AT = "identity_confirmed_at"
RETURNED_PAGE = "returned_page"
CONFIRMATION_PAGES = {"account_reauthenticate", "mfa_reauthenticate"}


def require_recent_authentication(request: HttpRequest, action: str) -> HttpResponse | None:
    """Managers prove who they are again before designating or blocking for all groups (docs/design.md §7.4).

    Called once the action's form is valid, so that a wrong value is corrected before anyone is
    asked for a password. A login or a confirmation within REAUTHENTICATION_SECONDS is enough.
    Otherwise the action waits in the session: with a password (or a one-time code), allauth asks
    for it; with a federal identity, the person logs in at the identity provider again. Either way
    the action is then done (see `resume_confirmed_action`). `action` says what is being confirmed.
    """
    if request.method != "POST" or confirmed_recently(request):
        return None
    user = request.user
    waiting = {
        # What the view reads of the post; never its headers (runserver's hold the environment).
        "request": {"path": request.path, "path_info": request.path_info, "post": request.POST.urlencode()},
        "action": str(action),
        "user": user.pk,
        "at": time.time(),
    }
    if isinstance(user, User) and user.has_usable_password():
        return stash_and_reauthenticate(request, waiting, RESUME_CONFIRMED_ACTION)
    request.session[STATE_SESSION_KEY] = {"state": waiting, "callback": RESUME_CONFIRMED_ACTION}
    return render(request, "account/confirm_identity.html", {"next": request.get_full_path(), "action": action})


def confirmed_recently(request: HttpRequest) -> bool:
    """Whether the person proved who they are within REAUTHENTICATION_SECONDS, at their login or since.

    allauth's own check counts only its re-authentication pages, never the login itself: a manager
    who had just logged in was asked for their password again.
    """
    now = time.time()
    records = get_authentication_records(request, request.user)
    times = [record.get("at", 0) for record in records] + [request.session.get(IDENTITY_CONFIRMED_AT, 0)]
    return any(now - at < settings.REAUTHENTICATION_SECONDS for at in times)


def resume_confirmed_action(request: HttpRequest, waiting: dict[str, Any]) -> HttpResponse:
    """Once the person confirmed who they are: the action that waited, as if posted again."""
    suspended = request
    suspended.method = "POST"
    suspended.POST = QueryDict(waiting["request"]["post"])
    suspended.path, suspended.path_info = waiting["request"]["path"], waiting["request"]["path_info"]
    page = suspended.path
    if waiting.get("user") != request.user.pk or time.time() - waiting["at"] > settings.REAUTHENTICATION_SECONDS:
        messages.error(
            request, _("Nothing was done: the confirmation came too long after the action. Please do it again.")
        )
        return redirect(page)
    match = resolve(suspended.path_info)
    suspended.resolver_match = match
    response = match.func(suspended, *match.args, **match.kwargs)
    if response.status_code == 200:
        # Refused after all (something changed meanwhile): the form comes back with the error on
        # its own page, where correcting it posts to the right place.
        request.session[RETURNED_PAGE] = {"path": suspended.path, "content": response.content.decode()}
        return redirect(page)
    return response


RESUME_CONFIRMED_ACTION = f"{__name__}.{resume_confirmed_action.__name__}"


def action_to_confirm(request: HttpRequest) -> dict[str, str]:
    """The re-authentication pages say which action they confirm."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in CONFIRMATION_PAGES:
        return {}
    waiting = (request.session.get(STATE_SESSION_KEY) or {}).get("state") or {}
    return {"action_to_confirm": waiting["action"]} if "action" in waiting else {}


class ReturnedPageMiddleware:
    """Shows, once, the page of an action that was refused after its confirmation, at its own address."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        if request.method == "GET" and request.user.is_authenticated:
            returned = request.session.get(RETURNED_PAGE)
            if returned and returned.get("path") == request.path:
                del request.session[RETURNED_PAGE]
                return HttpResponse(returned["content"])
        return self.get_response(request)
