"""Who is asking: an online service, by an OAuth 2.0 access token that the portal issued it
through the client-credentials grant (docs/decisions-api.md §3).

The token is read from the Authorization header only, and checked by the toolkit's validator
(`validate_bearer_token`: known, not expired, its client usable). The services it may ask about are
those named by its scopes that its client still has: staff who take a service away from a client
take it away from its current tokens too.
"""

import re
from dataclasses import dataclass

from django.http import HttpRequest
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request as OAuthlibRequest

from decisions.models import Client, code_of

# RFC 6750 §2.1: "Bearer" and a b64token, here of a sensible length.
BEARER = re.compile(r"Bearer +([A-Za-z0-9\-._~+/]{1,512}=*)", re.IGNORECASE)


@dataclass(frozen=True)
class Caller:
    client: Client
    services: frozenset[str]  # the codes of the online services it may ask about


class Unauthenticated(Exception):
    """No usable token: 401, with the error of RFC 6750 §3.1 when a token was presented."""

    def __init__(self, error: str = "", description: str = "") -> None:
        super().__init__(description or "An access token is required: Authorization: Bearer <token>.")
        self.error = error


def caller_of(request: HttpRequest) -> Caller:
    match = BEARER.fullmatch(request.headers.get("Authorization", ""))
    if match is None:
        raise Unauthenticated()
    oauthlib_request = OAuthlibRequest(request.build_absolute_uri(request.path))
    if not oauth2_settings.OAUTH2_VALIDATOR_CLASS().validate_bearer_token(match.group(1), [], oauthlib_request):
        # One message, in the API's one language, whatever the toolkit found: unknown, expired,
        # revoked, or its client switched off.
        raise Unauthenticated("invalid_token", "The access token is invalid, expired or revoked.")
    token, client = oauthlib_request.access_token, oauthlib_request.client
    asked = {code for scope in token.scope.split() if (code := code_of(scope))}
    held = set(client.services.filter(code__in=asked).values_list("code", flat=True))
    return Caller(client=client, services=frozenset(held))
