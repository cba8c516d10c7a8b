from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control

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
