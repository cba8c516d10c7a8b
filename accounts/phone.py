"""Phone numbers, checked with phonenumbers and kept in E.164 (+32470123456), the form in which the
outbox sends an SMS. The apps that ask for a phone number (access, contactdata, chaman) all parse it
here, in the app below them, and ask for it with `PhoneField`.

A number is accepted as people write it: `+32 (0)2 509 59 59`, `02/509.59.59`, `0470-12-34-56`,
`0032 470 12 34 56`. A number that is refused says why, with an example of the kind the field asks
for (a mobile number where an SMS is sent)."""

import re
from typing import Any

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
MOBILE_EXAMPLE = "+32 470 12 34 56"
LANDLINE_EXAMPLE = "+32 2 509 59 59"
# Room for the longest number written with its separators: "+32 (0)2 509 59 59" is 18 characters.
MAX_INPUT_LENGTH = 30
# What may separate the digits; "(0)" is the national prefix some write after the country code.
SEPARATORS = re.compile(r"\(0\)|[\s./\-()]")
READABLE = re.compile(r"\+?[0-9]+")

TOO_SHORT = {phonenumbers.ValidationResult.TOO_SHORT, phonenumbers.ValidationResult.INVALID_LENGTH}


def _example(mobile: bool) -> str:
    return MOBILE_EXAMPLE if mobile else LANDLINE_EXAMPLE


def _refusal(reason: str, mobile: bool) -> ValidationError:
    messages = {
        "format": _("Enter a mobile phone number in digits. For example: %(example)s.")
        if mobile
        else _("Enter a phone number in digits. For example: %(example)s."),
        "country": _("This phone number is not valid. No country has this code. For example: %(example)s."),
        "short": _("This phone number is not valid. It has too few digits. For example: %(example)s."),
        "long": _("This phone number is not valid. It has too many digits. For example: %(example)s."),
        "invalid": _("This phone number is not valid. Check its digits. For example: %(example)s."),
        "mobile": _("This is not a mobile phone number, and the SMS needs one. For example: %(example)s."),
    }
    return ValidationError(messages[reason], code=reason, params={"example": _example(mobile)})


def parse_phone(value: str, *, mobile: bool = False, region: str = "BE") -> str:
    """The number in E.164; a number without country code is read as Belgian."""
    compact = SEPARATORS.sub("", value or "")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not READABLE.fullmatch(compact):
        # Letters and other signs: phonenumbers would read letters as the digits of a keypad.
        raise _refusal("format", mobile)
    try:
        number = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException as exc:
        reason = "country" if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE else "format"
        raise _refusal(reason, mobile) from exc
    if not phonenumbers.is_valid_number(number):
        possible = phonenumbers.is_possible_number_with_reason(number)
        if possible == phonenumbers.ValidationResult.INVALID_COUNTRY_CODE:
            raise _refusal("country", mobile)
        if possible in TOO_SHORT:
            raise _refusal("short", mobile)
        if possible == phonenumbers.ValidationResult.TOO_LONG:
            raise _refusal("long", mobile)
        raise _refusal("invalid", mobile)
    if mobile and phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise _refusal("mobile", mobile)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneField(forms.CharField):
    """A phone number as people write it, cleaned to E.164 ("" when left empty)."""

    widget = forms.TelInput

    def __init__(self, *, mobile: bool = False, **kwargs: Any) -> None:
        self.mobile = mobile
        kwargs.setdefault("max_length", MAX_INPUT_LENGTH)
        kwargs.setdefault(
            "help_text",
            _("E.g. +32 470 12 34 56 or 0470 12 34 56.") if mobile else _("E.g. +32 2 509 59 59 or 02 509 59 59."),
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return parse_phone(value, mobile=self.mobile) if value else ""
