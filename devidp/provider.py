"""The development identity provider's protocol: signed ID tokens, one-time codes, access tokens.

State lives in the Django cache (Redis when configured), so it works across processes. The RSA
key is made on first use and kept in the cache: this provider signs nothing outside development.
"""

import base64
import hashlib
import secrets
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.cache import cache

KEY_ID = "devidp-1"
CODE_TTL = 120
TOKEN_TTL = 600
METHODS = {
    # method: (amr, acr) as the federal authentication service reports them
    "eid": ("eid", "urn:be:fedict:iam:fas:Level500"),
    "itsme": ("itsme", "urn:be:fedict:iam:fas:Level450"),
    "mygov": ("mygov", "urn:be:fedict:iam:fas:Level400"),
    "otp": ("otp", "urn:be:fedict:iam:fas:Level300"),
}


def _private_key() -> rsa.RSAPrivateKey:
    pem = cache.get("devidp:key")
    if pem is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        cache.add("devidp:key", pem, None)
        pem = cache.get("devidp:key")
    return serialization.load_pem_private_key(pem.encode(), password=None)  # type: ignore[return-value]


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwks() -> dict[str, Any]:
    public = _private_key().public_key().public_numbers()
    return {
        "keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": KEY_ID, "n": _b64(public.n), "e": _b64(public.e)}]
    }


def subject_of(niss: str) -> str:
    """A stable pseudonym: the national number itself never serves as an identifier in URLs or tokens' sub."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{niss}".encode()).hexdigest()[:32]


def issue_code(grant: dict[str, Any]) -> str:
    code = secrets.token_urlsafe(24)
    cache.set(f"devidp:code:{code}", grant, CODE_TTL)
    return code


def redeem_code(code: str) -> dict[str, Any] | None:
    """A code works once."""
    key = f"devidp:code:{code}"
    grant = cache.get(key)
    cache.delete(key)
    return grant


def pkce_matches(grant: dict[str, Any], verifier: str | None) -> bool:
    challenge = grant.get("code_challenge")
    if not challenge:
        return True
    if not verifier:
        return False
    if grant.get("code_challenge_method") == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge
    return secrets.compare_digest(verifier, challenge)


def tokens(grant: dict[str, Any], issuer: str) -> dict[str, Any]:
    now = int(time.time())
    claims = grant["claims"]
    id_token = {
        "iss": issuer,
        "sub": claims["sub"],
        "aud": grant["client_id"],
        "iat": now,
        "exp": now + TOKEN_TTL,
        "auth_time": now,
        **claims,
    }
    if grant.get("nonce"):
        id_token["nonce"] = grant["nonce"]
    access_token = secrets.token_urlsafe(24)
    cache.set(f"devidp:token:{access_token}", claims, TOKEN_TTL)
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL,
        "id_token": jwt.encode(id_token, _private_key(), algorithm="RS256", headers={"kid": KEY_ID}),
    }


def userinfo(access_token: str) -> dict[str, Any] | None:
    return cache.get(f"devidp:token:{access_token}")
