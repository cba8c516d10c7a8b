import contextvars
import logging
import re
import uuid
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


CURRENT_REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# What a proxy may pass as an id: a header value that is safe in a log line and on a page.
FORWARDED_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


class RequestIdMiddleware:
    """Each request gets an id, on the response (X-Request-ID), in the log records written while it
    is served, and on the 500 page, so that a person can quote it and staff find the traceback.

    The proxy in front (TRUSTED_PROXY_COUNT) may pass its own id, which is kept so that its log and
    the portal's match; without a trusted proxy the header comes from the client and is ignored.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        forwarded = request.headers.get("X-Request-ID", "")
        if settings.TRUSTED_PROXY_COUNT and FORWARDED_REQUEST_ID.fullmatch(forwarded):
            request_id = forwarded
        else:
            request_id = uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = CURRENT_REQUEST_ID.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            CURRENT_REQUEST_ID.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Gives every log record the id of the request being served ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = CURRENT_REQUEST_ID.get()
        return True
