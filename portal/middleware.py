from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from access import writes
from portal import sessions

PREFERRED_LANGUAGE = "preferred_language"


class PrivatePagesMiddleware:
    """Pages seen by a logged-in person may show personal data: no cache keeps them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True, max_age=0)
        return response


class PreferredLanguageMiddleware:
    """Once logged in, the person's preferred language; before, the browser's (LocaleMiddleware).
    A choice made with the language switcher (its cookie) always wins."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        preferred = request.session.get(PREFERRED_LANGUAGE) if hasattr(request, "session") else None
        if preferred and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and request.user.is_authenticated:
            translation.activate(preferred)
            request.LANGUAGE_CODE = preferred  # type: ignore[attr-defined]
        return self.get_response(request)


def ended_message(note: dict[str, str]) -> str:
    """Why a manager's change logged this browser out (access.writes.end_sessions)."""
    enterprise = note.get("enterprise", "")
    if note.get("why") == writes.BLOCKED_EVERYWHERE:
        return _(
            "You were logged out: you are blocked for all groups of %(enterprise)s. If you think this is a "
            "mistake, ask a manager of the enterprise."
        ) % {"enterprise": enterprise}
    return _("You were logged out: you no longer have access to %(enterprise)s.") % {"enterprise": enterprise}


class SessionActivityMiddleware:
    """After SESSION_IDLE_SECONDS without a request, the next one needs a new login. A browser
    logged out by a manager's change is told why at its next request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.session.session_key
        if request.user.is_authenticated:
            if sessions.is_idle(request):
                sessions.forget(key)
                logout(request)
                minutes = settings.SESSION_IDLE_SECONDS // 60
                messages.info(
                    request,
                    ngettext(
                        "You were logged out after %(minutes)d minute without activity. Please log in again.",
                        "You were logged out after %(minutes)d minutes without activity. Please log in again.",
                        minutes,
                    )
                    % {"minutes": minutes},
                )
            else:
                sessions.seen_now(request)
        elif ended := request.session.pop(writes.SESSION_ENDED, None):
            messages.warning(request, ended_message(ended))
        response = self.get_response(request)
        if key and request.session.session_key not in (key, None) and request.user.is_authenticated:
            sessions.rekeyed(request, key)
        return response
