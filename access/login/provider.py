"""The federal identity provider: allauth's OpenID Connect provider, with a nonce."""

import secrets
from typing import Any

from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.http import HttpRequest


class FederalProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider, with a nonce: a fresh one goes with each authorization
    request, and the ID token must bring it back (OpenID Connect Core 1.0, §3.1.3.7).

    allauth checks the state, and the issuer, audience and expiry of the ID token, but sends no
    nonce and checks none: without it, an ID token issued for another login could be replayed.
    """

    def redirect(
        self, request: HttpRequest, process: Any, next_url: Any = None, data: Any = None, **kwargs: Any
    ) -> Any:
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        auth_params = self.get_auth_params() if auth_params is None else auth_params
        auth_params["nonce"] = nonce  # never one from the request's own auth_params
        # The other keyword arguments are kept in the login's state, in the session.
        return super().redirect(request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs)


def nonce_matches(sociallogin: SocialLogin) -> bool:
    sent = (sociallogin.state or {}).get("nonce")
    received = ((sociallogin.account.extra_data or {}).get("id_token") or {}).get("nonce")
    return isinstance(sent, str) and isinstance(received, str) and secrets.compare_digest(sent, received)
