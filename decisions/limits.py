"""Limits on the token endpoint (docs/decisions-api.md §10).

Each token request checks a client's secret against its hash, slow by design: without a limit,
anyone who knows a client id could keep the machine's processors busy. Every POST to the token
endpoint is counted before the secret is read, per client address (`ip`) and per client id named
in the request (`key`), at the rates of DECISIONS_TOKEN_RATE (`120/m/ip,30/m/key`: the syntax of
LOGIN_FAILED_RATE). Past a rate the request is refused with 429 and the seconds until its window
ends (RFC 6585 §4). The counts live in the shared cache, in fixed windows, so that every process of
every machine counts together.

Without the cache (Redis down) the requests are not counted and pass: refusing every token would
stop the decision point for every online service, while the limit only bounds a cost.
"""

import base64
import binascii
import hashlib
import logging
import math
import time
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from accounts.http import client_ip
from decisions import metrics

logger = logging.getLogger(__name__)


def client_id_of(request: HttpRequest) -> str:
    """The client id a token request names: in HTTP Basic (RFC 6749 §2.3.1, form-encoded), else in
    the body; "" when it names none. Read as the toolkit reads it, nothing verified."""
    return basic_client_id(request) or str(request.POST.get("client_id") or "")


def basic_client_id(request: HttpRequest) -> str:
    scheme, _space, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Basic":
        return ""
    try:
        decoded = base64.b64decode(credentials).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""
    client_id, colon, _secret = decoded.partition(":")
    return unquote_plus(client_id) if colon else ""


def token_request_wait(request: HttpRequest) -> int:
    """Count a token request against every rate: 0 when it may go on, else the seconds to wait
    before the window of a rate it exceeds is over."""
    sources = {"ip": client_ip(request) or "", "key": client_id_of(request)}
    now = time.time()
    wait = 0
    for count, seconds, per in settings.DECISIONS_TOKEN_RATE:
        if not sources[per]:
            continue
        window = int(now // seconds)
        digest = hashlib.sha256(sources[per].encode("utf-8", "surrogatepass")).hexdigest()
        key = f"decisions-token-rate:{per}:{count}/{seconds}:{digest}:{window}"
        try:
            cache.add(key, 0, timeout=seconds)
            try:
                counted = cache.incr(key)
            except ValueError:  # the counter expired between add and incr: a new window starts
                cache.add(key, 1, timeout=seconds)
                counted = 1
        except Exception as exc:  # noqa: BLE001 - the cache is down: see the module's docstring
            logger.warning("Token requests not counted: the cache is unavailable (%s)", type(exc).__name__)
            return 0
        if counted > count:
            metrics.token_request_limited(per)
            wait = max(wait, math.ceil((window + 1) * seconds - now))
    return wait
