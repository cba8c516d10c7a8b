"""SSH public keys and X.509 certificates: parsed, checked, re-serialised and fingerprinted.

Only what `cryptography` re-serialises from the parsed public material is kept, never the text
as pasted: a private key pasted along is refused (with nothing stored), and so are weak keys.
"""

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

SSH_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")
MAX_LENGTH = 20_000
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|PuTTY-User-Key-File")
PRIVATE_KEY_CODE = "private_key"


def refuse_private_key(text: str) -> None:
    if PRIVATE_KEY.search(text):
        raise ValidationError(
            _(
                "This text contains a private key: nothing was stored. A private key never leaves your "
                "systems: paste only the public key or the certificate."
            ),
            code=PRIVATE_KEY_CODE,
        )


def _dsa_refused() -> ValidationError:
    return ValidationError(
        _("DSA keys are not accepted: use an Ed25519, ECDSA (P-256 or stronger) or RSA (2048 bits or more) key."),
        code="weak_key",
    )


def check_key_strength(key: Any) -> None:
    """Refuse RSA keys under 2048 bits, DSA, and elliptic curves under P-256."""
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise ValidationError(
            _("This RSA key has %(bits)s bits: at least %(minimum)s are required.")
            % {"bits": key.key_size, "minimum": MIN_RSA_BITS},
            code="weak_key",
        )
    if isinstance(key, dsa.DSAPublicKey):
        raise _dsa_refused()
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < MIN_EC_BITS:
        raise ValidationError(
            _("This elliptic curve (%(curve)s) is too weak: use P-256 or stronger.") % {"curve": key.curve.name},
            code="weak_key",
        )


def parse_ssh_public_key(text: str) -> tuple[str, str]:
    """The key re-serialised on one line (without the pasted comment), and its SHA256
    fingerprint as `ssh-keygen -l` prints it."""
    text = (text or "").strip()
    refuse_private_key(text)
    parts = text.split()
    if parts and parts[0] == "ssh-dss":
        raise _dsa_refused()
    if len(text) > MAX_LENGTH or len(parts) < 2 or parts[0] not in SSH_KEY_TYPES:
        raise ValidationError(_("Paste an SSH public key on one line, e.g. “ssh-ed25519 AAAA… name@host”."))
    try:
        key = serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode())
    except (ValueError, TypeError) as exc:
        raise ValidationError(_("This is not a valid SSH public key.")) from exc
    check_key_strength(key)
    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    blob = base64.b64decode(line.split()[1])
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return line, fingerprint


@dataclass(frozen=True)
class Certificate:
    pem: str
    subject: str
    expires_at: datetime
    fingerprint: str


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate, in hexadecimal pairs as `openssl x509 -fingerprint -sha256`."""
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def parse_certificate(text: str) -> Certificate:
    """The first certificate of the text, re-serialised in PEM; a chain's others are left out."""
    text = (text or "").strip()
    refuse_private_key(text)
    if len(text) > MAX_LENGTH or "-----BEGIN CERTIFICATE-----" not in text:
        raise ValidationError(_("Paste an X.509 certificate in PEM, from “-----BEGIN CERTIFICATE-----” on."))
    try:
        certificate = x509.load_pem_x509_certificates(text.encode())[0]
        public_key = certificate.public_key()
    except (ValueError, IndexError) as exc:
        raise ValidationError(_("This is not a valid X.509 certificate.")) from exc
    check_key_strength(public_key)
    expires_at = certificate.not_valid_after_utc
    if expires_at <= timezone.now():
        raise ValidationError(
            _("This certificate expired on %(date)s.") % {"date": date_format(expires_at, "SHORT_DATE_FORMAT")}
        )
    return Certificate(
        pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        subject=certificate.subject.rfc4514_string(),
        expires_at=expires_at,
        fingerprint=certificate_fingerprint(certificate),
    )
