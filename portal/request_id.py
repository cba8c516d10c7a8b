"""Request ids: each request gets one, on the response, in its log lines and on the 500 page.

A module of its own, without models: the logging configuration loads its filter before the apps.
"""

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

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
        # The decision point answers with the id its caller sent (docs/decisions-api.md §2).
        response.headers.setdefault("X-Request-ID", request_id)
        return response


class RequestIdFilter(logging.Filter):
    """Gives every log record the id of the request being served ("-" outside a request). Django
    logs a missing page once the middleware has answered, and names the request in the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or CURRENT_REQUEST_ID.get()
        return True
