"""Who is asking: an online service, by an OAuth 2.0 access token that the portal issued it
through the client-credentials grant (docs/decisions-api.md §3).

The token is read from the Authorization header only. The first time a process sees it, the
toolkit's validator checks it (`validate_bearer_token`: known, not expired, its client usable), and
the process keeps what never changes about it: its row, its client and its scopes, found again by
the token's checksum until it expires. On every request, the first time included, one query
confirms it by its row: still there (not revoked; rotating a secret deletes the tokens), not
expired, its client active; and reads the services its client has now. So nothing that may change
is remembered: a revoked token, a client switched off or a service taken away from a client stops
at once, in every process. The services a token may ask about are those named by its scopes that
its client still has.
"""

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request as OAuthlibRequest

from decisions.models import Client, code_of

# RFC 6750 §2.1: "Bearer" and a b64token, here of a sensible length.
BEARER = re.compile(r"Bearer +([A-Za-z0-9\-._~+/]{1,512}=*)", re.IGNORECASE)
# Tokens a process remembers at most; expired ones are forgotten first. Each is a few hundred bytes.
REMEMBERED = 10_000


@dataclass(frozen=True)
class Caller:
    client: Client  # as it was when the process first saw the token: its id and name
    services: frozenset[str]  # the codes of the online services it may ask about, read now


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

    token_id: int
    checksum: str
    client: Client
    scopes: frozenset[str]  # the service codes its scopes name
    expires: datetime


_seen: dict[str, _Seen] = {}  # by the token's checksum
_seen_lock = threading.Lock()

# The token by its row and checksum, not expired, of an active client (what `Client.is_usable`
# asks), with the services its client has now: no row when it is not usable, one row with NULL
# when the client has no service.
_CONFIRM_SQL = """
SELECT service.code
  FROM oauth2_provider_accesstoken token
  JOIN decisions_client client ON client.id = token.application_id
  LEFT JOIN decisions_client_services held ON held.client_id = client.id
  LEFT JOIN access_onlineservice service ON service.id = held.onlineservice_id
 WHERE token.id = %s AND token.token_checksum = %s AND token.expires > %s AND client.active
"""


def caller_of(request: HttpRequest) -> Caller:
    match = BEARER.fullmatch(request.headers.get("Authorization", ""))
    if match is None:
        raise Unauthenticated()
    checksum = hashlib.sha256(match.group(1).encode("utf-8")).hexdigest()
    seen = _seen.get(checksum)
    if seen is None or seen.expires <= timezone.now():
        seen = _validated(match.group(1), checksum, request)
    with connection.cursor() as cursor:
        cursor.execute(
            _CONFIRM_SQL, [seen.token_id, seen.checksum, connection.ops.adapt_datetimefield_value(timezone.now())]
        )
        rows = cursor.fetchall()
    if not rows:
        _seen.pop(checksum, None)
        raise _invalid()
    held = {code for (code,) in rows if code is not None}
    return Caller(client=seen.client, services=frozenset(seen.scopes & held))


def _validated(token: str, checksum: str, request: HttpRequest) -> _Seen:
    """The toolkit's checks of a token this process has not seen (or saw expire); remembered when
    they pass."""
    oauthlib_request = OAuthlibRequest(request.build_absolute_uri(request.path))
    if not oauth2_settings.OAUTH2_VALIDATOR_CLASS().validate_bearer_token(token, [], oauthlib_request):
        raise _invalid()
    stored = oauthlib_request.access_token
    seen = _Seen(
        token_id=stored.pk,
        checksum=checksum,
        client=oauthlib_request.client,
        scopes=frozenset(code for scope in stored.scope.split() if (code := code_of(scope))),
        expires=stored.expires,
    )
    # A token bound to resources (RFC 8707) is checked by the toolkit each time: not remembered.
    if not stored.resource:
        _remember(seen)
    return seen


def _remember(seen: _Seen) -> None:
    with _seen_lock:
        if len(_seen) >= REMEMBERED:
            now = timezone.now()
            for checksum in [checksum for checksum, entry in _seen.items() if entry.expires <= now]:
                del _seen[checksum]
            if len(_seen) >= REMEMBERED:
                _seen.clear()
        _seen[seen.checksum] = seen
