"""Errors of the web processes and the worker go to Sentry when SENTRY_DSN is set, without
personal data.

Sentry collects no user, client address, cookie, request body, local variable of a stack frame,
SQL parameter or task argument (DATA_COLLECTION: sentry-sdk's successor of `send_default_pii`,
here stricter than its `False`). What remains (the exception's message, the address and its
query, the headers, the log lines kept as breadcrumbs) passes through `scrub` before it leaves:
national register numbers, and the values of anything named like a password, token, secret,
cookie, session or authorization, are replaced.

A module of its own, without models: the settings start Sentry before the apps are loaded.
"""

import re
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.types import Breadcrumb, BreadcrumbHint, DataCollectionUserOptions, Event, Hint

FILTERED = "[Filtered]"
# A Belgian national register number: 11 digits, plain or written 85.07.30-033.61 (or with spaces).
_SEPARATOR = r"[.\- ]?"
NATIONAL_NUMBER = re.compile(
    rf"(?<!\d)\d{{2}}{_SEPARATOR}\d{{2}}{_SEPARATOR}\d{{2}}{_SEPARATOR}\d{{3}}{_SEPARATOR}\d{{2}}(?!\d)"
)
# The names of values that are never sent: a header, a form field, a cookie, a setting.
SECRET_NAME = re.compile(
    r"passw|secret|token|api.?key|authorization|cookie|session|csrf|niss|national.?number|credential", re.IGNORECASE
)
# The same written out in a text: `password=...` in a query, `"token": "..."`, `Bearer ...`.
SECRET_IN_TEXT = re.compile(
    r"""(?P<name>[\w-]*(?:passw|secret|token|sessionid|csrf|niss)[\w-]*["']?\s*[=:]\s*["']?)[^\s&;,"']+""",
    re.IGNORECASE,
)
BEARER = re.compile(r"\b(?P<name>bearer\s+)[\w.~+/=-]+", re.IGNORECASE)


def scrub_text(text: str) -> str:
    text = NATIONAL_NUMBER.sub(FILTERED, text)
    text = SECRET_IN_TEXT.sub(rf"\g<name>{FILTERED}", text)
    return BEARER.sub(rf"\g<name>{FILTERED}", text)


def scrub(value: Any) -> Any:
    """The value with its secrets replaced, however deep in dictionaries and lists they are."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            key: FILTERED if isinstance(key, str) and SECRET_NAME.search(key) else scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def before_send(event: Event, hint: Hint) -> Event:
    return scrub(event)


def before_breadcrumb(crumb: Breadcrumb, hint: BreadcrumbHint) -> Breadcrumb:
    return scrub(crumb)


DATA_COLLECTION: DataCollectionUserOptions = {
    "user_info": False,
    "cookies": {"mode": "off"},
    # The SDK replaces the values of headers named like a secret; also those that name the client.
    "http_headers": {"request": {"mode": "denylist", "terms": ["forwarded", "-ip", "remote-", "via", "-user"]}},
    "http_bodies": [],
    "url_query_params": {"mode": "denylist", "terms": ["niss"]},
    "graphql": {"document": False, "variables": False},
    "gen_ai": {"inputs": False, "outputs": False},
    "database_query_data": False,
    "queues": False,
    "stack_frame_variables": False,
}


def init(dsn: str, *, environment: str) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        data_collection=DATA_COLLECTION,
        before_send=before_send,
        before_breadcrumb=before_breadcrumb,
    )
