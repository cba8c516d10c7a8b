"""Phone numbers, checked with phonenumbers and kept in E.164 (+32470123456), the form in which the
outbox sends an SMS. The apps that ask for a phone number (access, contactdata, chaman) all parse it
here, in the app below them."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def parse_phone(value: str, *, mobile: bool = False, region: str = "BE") -> str:
    """The number in E.164; a number without country code is read as Belgian."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a phone number, e.g. +32 2 509 59 59 or 02 509 59 59.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This phone number is not valid."))
    if mobile and phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ValidationError(_("This is not a valid mobile phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
