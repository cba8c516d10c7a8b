"""SSH public keys and X.509 certificates: parsed, fingerprinted, and refused with a clear reason."""

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

SSH_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")
MAX_LENGTH = 20_000


def parse_ssh_public_key(text: str) -> tuple[str, str]:
    """The key on one line, and its SHA256 fingerprint as `ssh-keygen -l` prints it."""
    text = (text or "").strip()
    parts = text.split()
    if len(text) > MAX_LENGTH or len(parts) < 2 or parts[0] not in SSH_KEY_TYPES:
        raise ValidationError(_("Paste an SSH public key on one line, e.g. “ssh-ed25519 AAAA… name@host”."))
    try:
        blob = base64.b64decode(parts[1], validate=True)
        serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode())
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValidationError(_("This is not a valid SSH public key.")) from exc
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return " ".join(parts[:3]), fingerprint


@dataclass(frozen=True)
class Certificate:
    pem: str
    subject: str
    expires_at: datetime


def parse_certificate(text: str) -> Certificate:
    text = (text or "").strip()
    if len(text) > MAX_LENGTH or "-----BEGIN CERTIFICATE-----" not in text:
        raise ValidationError(_("Paste an X.509 certificate in PEM, from “-----BEGIN CERTIFICATE-----” on."))
    try:
        certificate = x509.load_pem_x509_certificate(text.encode())
    except ValueError as exc:
        raise ValidationError(_("This is not a valid X.509 certificate.")) from exc
    expires_at = certificate.not_valid_after_utc
    if expires_at <= timezone.now():
        raise ValidationError(
            _("This certificate expired on %(date)s.") % {"date": date_format(expires_at, "SHORT_DATE_FORMAT")}
        )
    return Certificate(pem=text, subject=certificate.subject.rfc4514_string(), expires_at=expires_at)
