"""Who is asking on the SCIM endpoints: a provisioning token, read from the Authorization header
only (docs/provisioning.md §2).

A token is found by the SHA-256 of its value; it must not be revoked or past its expiry. It acts
for its manager with their standing in its enterprise as it is now, read at every request: a
manager who no longer manages users (revoked, blocked, removed) leaves a token that opens
nothing. Failed tokens are counted per client address in the shared cache; past
PROVISIONING_FAILED_TOKEN_RATE the address gets 429 before any token is looked up. Without the
cache nothing is counted: the limit bounds guessing, it must not stop provisioning.
"""

import hashlib
import logging
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from access import policy, selectors
from access.selectors import Actor
from accounts.http import client_ip
from provisioning import selectors as provisioning_selectors
from provisioning import services
from provisioning.models import ProvisioningToken

logger = logging.getLogger(__name__)

# RFC 6750 §2.1: "Bearer" and a b64token of a sensible length.
BEARER = re.compile(r"Bearer +([A-Za-z0-9\-._~+/]{1,512}=*)", re.IGNORECASE)


class Unauthenticated(Exception):
    """No usable token: 401."""


class TooManyFailures(Exception):
    """This address sent too many unusable tokens: 429, for `wait` seconds."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"Too many unusable tokens from this address; try again in {wait} seconds.")
        self.wait = wait


class Powerless(Exception):
    """The token's manager may no longer manage users: 403, with the policy's reason."""


@dataclass(frozen=True)
class Caller:
    token: ProvisioningToken
    actor: Actor


def _keys(ip: str) -> list[tuple[str, int, int]]:
    """(cache key, count, seconds) of each rate, in its current window."""
    now = time.time()
    digest = hashlib.sha256(ip.encode()).hexdigest()
    return [
        (f"provisioning-failed:{count}/{seconds}:{digest}:{int(now // seconds)}", count, seconds)
        for count, seconds, _per in settings.PROVISIONING_FAILED_TOKEN_RATE
    ]


def _wait(ip: str) -> int:
    """0 when the address may present a token, else the seconds until the window it exceeded ends."""
    now = time.time()
    try:
        counted = cache.get_many([key for key, _count, _seconds in _keys(ip)])
    except Exception as exc:  # noqa: BLE001 - the cache is down: see the module's docstring
        logger.warning("Provisioning tokens not limited: the cache is unavailable (%s)", type(exc).__name__)
        return 0
    wait = 0
    for key, count, seconds in _keys(ip):
        if counted.get(key, 0) >= count:
            wait = max(wait, math.ceil((now // seconds + 1) * seconds - now))
    return wait


def _failed(ip: str) -> None:
    for key, _count, seconds in _keys(ip):
        try:
            cache.add(key, 0, timeout=seconds)
            cache.incr(key)
        except ValueError:  # the counter expired between add and incr: a new window starts
            cache.add(key, 1, timeout=seconds)
        except Exception as exc:  # noqa: BLE001 - the cache is down: see the module's docstring
            logger.warning("Failed provisioning token not counted: the cache is unavailable (%s)", type(exc).__name__)
            return


def caller_of(request: HttpRequest) -> Caller:
    """The token of the request and the manager it acts for, with their standing now."""
    ip = client_ip(request) or ""
    wait = _wait(ip)
    if wait:
        raise TooManyFailures(wait)
    match = BEARER.fullmatch(request.headers.get("Authorization", ""))
    if match is None:
        raise Unauthenticated("A provisioning token is required: Authorization: Bearer <token>.")
    token = provisioning_selectors.token_by_digest(services.digest_of(match.group(1)))
    if token is None or not token.usable:
        _failed(ip)
        # One message whatever made the token unusable: unknown, expired or revoked.
        raise Unauthenticated("The provisioning token is invalid, expired or revoked.")
    standing = selectors.standing_of(token.manager_id, token.enterprise_id)
    decision = policy.can_manage_provisioning(standing)
    if not decision:
        raise Powerless(
            f"The manager who holds this token can no longer manage users in the enterprise: {decision.reason}"
        )
    services.token_used(token, client_ip(request))
    actor = Actor(
        person=token.manager,
        enterprise=token.enterprise,
        standing=standing,
        ip=client_ip(request),
        # Kept with each journal row of the request: "via the provisioning client “…”".
        via={"provisioning": token.name},
    )
    return Caller(token=token, actor=actor)
