"""Who is asking: an online service, by an OAuth 2.0 access token that the portal issued it
through the client-credentials grant (docs/decisions-api.md §3).

The token is read from the Authorization header only. The first time a process sees it, the
toolkit's validator checks it (`validate_bearer_token`: known, not expired, its client usable), and
the process keeps what never changes about it: its row, its client and its scopes, found again by
the token's checksum until it expires. Nothing that may change is kept: on every request, the first
included, the token is confirmed by its row (still there: not revoked, and rotating a secret
deletes the tokens; not expired; its client active) with the services its client has now, in the
query that reads what the request asks about (`selectors.known`), or alone when the request asks
nothing (`confirm`). So a revoked token, a client switched off or a service taken away from a
client stops at once, in every process. The services a token may ask about are those named by its
scopes that its client still has.
"""

import hashlib
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request as OAuthlibRequest

from decisions import selectors
from decisions.models import Client, code_of

# RFC 6750 §2.1: "Bearer" and a b64token, here of a sensible length.
BEARER = re.compile(r"Bearer +([A-Za-z0-9\-._~+/]{1,512}=*)", re.IGNORECASE)
# Tokens a process remembers at most; expired ones are forgotten first. Each is a few hundred bytes.
REMEMBERED = 10_000


class Unauthenticated(Exception):
    """No usable token: 401, with the error of RFC 6750 §3.1 when a token was presented."""

    def __init__(self, error: str = "", description: str = "") -> None:
        super().__init__(description or "An access token is required: Authorization: Bearer <token>.")
        self.error = error


def _invalid() -> Unauthenticated:
    # One message, in the API's one language, whatever made the token unusable: unknown, expired,
    # revoked, or its client switched off.
    return Unauthenticated("invalid_token", "The access token is invalid, expired or revoked.")


@dataclass(frozen=True)
class _Seen:
    """What never changes about a token the toolkit accepted."""

    token: selectors.TokenRow
    client: Client
    scopes: frozenset[str]  # the service codes its scopes name
    expires: datetime


@dataclass
class Caller:
    client: Client  # as it was when the process first saw the token: its id and name
    token: selectors.TokenRow
    scopes: frozenset[str]
    # The codes of the online services it may ask about, once the token is confirmed in this request.
    services: frozenset[str] | None = field(default=None)

    @property
    def confirmed(self) -> bool:
        return self.services is not None


_seen: dict[str, _Seen] = {}  # by the token's checksum
_seen_lock = threading.Lock()


def caller_of(request: HttpRequest) -> Caller:
    """The caller, by its token, not yet confirmed in this request."""
    match = BEARER.fullmatch(request.headers.get("Authorization", ""))
    if match is None:
        raise Unauthenticated()
    checksum = hashlib.sha256(match.group(1).encode("utf-8")).hexdigest()
    seen = _seen.get(checksum)
    if seen is None or seen.expires <= timezone.now():
        seen = _validated(match.group(1), checksum, request)
    return Caller(client=seen.client, token=seen.token, scopes=seen.scopes)


def confirmed(caller: Caller, held: set[str] | None) -> frozenset[str]:
    """The caller's token as read in this request: `held`, the services its client has now, or None
    when it is not usable any more (a 401). Answers the services the caller may ask about."""
    if held is None:
        _seen.pop(caller.token.checksum, None)
        raise _invalid()
    caller.services = caller.scopes & frozenset(held)
    return caller.services


def confirm(caller: Caller) -> None:
    """Confirm the token with a query of its own, for a request that reads nothing else."""
    confirmed(caller, selectors.known(token=caller.token).token_services)


def _validated(token: str, checksum: str, request: HttpRequest) -> _Seen:
    """The toolkit's checks of a token this process has not seen (or saw expire); remembered when
    they pass."""
    oauthlib_request = OAuthlibRequest(request.build_absolute_uri(request.path))
    if not oauth2_settings.OAUTH2_VALIDATOR_CLASS().validate_bearer_token(token, [], oauthlib_request):
        raise _invalid()
    stored = oauthlib_request.access_token
    seen = _Seen(
        token=selectors.TokenRow(stored.pk, checksum),
        client=oauthlib_request.client,
        scopes=frozenset(code for scope in stored.scope.split() if (code := code_of(scope))),
        expires=stored.expires,
    )
    # A token bound to resources (RFC 8707) is checked by the toolkit each time: not remembered.
    if not stored.resource:
        _remember(checksum, seen)
    return seen


def _remember(checksum: str, seen: _Seen) -> None:
    with _seen_lock:
        if len(_seen) >= REMEMBERED:
            now = timezone.now()
            for old in [old for old, entry in _seen.items() if entry.expires <= now]:
                del _seen[old]
            if len(_seen) >= REMEMBERED:
                _seen.clear()
        _seen[checksum] = seen
