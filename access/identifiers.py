"""Belgian national register numbers (NISS) and enterprise numbers: parse, format, mask.

The checks themselves are python-stdnum's; this module adds the portal's messages and display.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.be import ssn, vat
from stdnum.exceptions import ValidationError as StdnumError

MAX_INPUT_LENGTH = 40


def _ascii_digits_and_separators(value: str) -> bool:
    return all(c in "0123456789 .-/" for c in value)


def parse_niss(value: str) -> str:
    """Return the 11 digits of a valid NISS or raise a ValidationError that says why."""
    value = (value or "").strip()
    if len(value) > MAX_INPUT_LENGTH or not _ascii_digits_and_separators(value):
        raise ValidationError(_("Enter a national register number of 11 digits, e.g. 85.07.30-033.28."), code="format")
    try:
        return ssn.validate(value)
    except StdnumError as exc:
        if "checksum" in str(exc).lower():
            raise ValidationError(
                _("This national register number is not valid: its check digits do not match."), code="checksum"
            ) from exc
        raise ValidationError(
            _("Enter a national register number of 11 digits, e.g. 85.07.30-033.28."), code="format"
        ) from exc


def format_niss(niss: str) -> str:
    return f"{niss[0:2]}.{niss[2:4]}.{niss[4:6]}-{niss[6:9]}.{niss[9:11]}"


def mask_niss(niss: str | None) -> str:
    """The form used in lists: the birth date stays, the serial and check digits are hidden."""
    if not niss:
        return ""
    return f"{niss[0:2]}.{niss[2:4]}.{niss[4:6]}-***.**"


def parse_enterprise_number(value: str) -> str:
    """Return the 10 digits of a valid enterprise number; accepts BE, spaces, dots, 9 old digits."""
    value = (value or "").strip()
    cleaned = value.upper().removeprefix("BE").strip()
    if len(value) > MAX_INPUT_LENGTH or not _ascii_digits_and_separators(cleaned):
        raise ValidationError(_("Enter an enterprise number of 10 digits, e.g. 0403.019.261."), code="format")
    digits = "".join(c for c in cleaned if c.isdigit())
    if len(digits) == 9:
        digits = "0" + digits
    if len(digits) != 10 or digits[0] not in "01":
        raise ValidationError(_("Enter an enterprise number of 10 digits, e.g. 0403.019.261."), code="format")
    try:
        digits = vat.validate(digits)
    except StdnumError as exc:
        raise ValidationError(
            _("This enterprise number is not valid: its check digits do not match."), code="checksum"
        ) from exc
    # The register's check digits are 97 minus the remainder, 97 when the remainder is 0: a number
    # ending in 00 passes the modulus (and python-stdnum) but is never issued.
    if digits.endswith("00"):
        raise ValidationError(_("This enterprise number is not valid: its check digits do not match."), code="checksum")
    return digits


def format_enterprise_number(number: str) -> str:
    return f"{number[0:4]}.{number[4:7]}.{number[7:10]}"


def validate_niss(value: str) -> None:
    if parse_niss(value) != value:
        raise ValidationError(_("Store the national register number as 11 digits."), code="normalised")


def validate_enterprise_number(value: str) -> None:
    if parse_enterprise_number(value) != value:
        raise ValidationError(_("Store the enterprise number as 10 digits."), code="normalised")


def make_niss(birth: date, serial: int) -> str:
    """A valid national register number for a birth date and a serial (docs/design.md §6)."""
    body = f"{birth:%y%m%d}{serial:03d}"
    base = int(("2" if birth.year >= 2000 else "") + body)
    return f"{body}{97 - base % 97:02d}"
