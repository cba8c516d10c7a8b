"""Phone numbers as people write them, and the reason a number is refused, with an example of the
kind the field asks for."""

import pytest
from django.core.exceptions import ValidationError

from accounts.phone import PhoneField, parse_phone


@pytest.mark.parametrize(
    "written, mobile",
    [
        ("+32 (0)2 509 59 59", False),
        ("+32 2 509 59 59", False),
        ("02/509.59.59", False),
        ("02 509 59 59", False),
        ("0032 2 509 59 59", False),
        ("+32 (0)470 12 34 56", True),
        ("0470-12-34-56", True),
        ("0470/12.34.56", True),
        ("+32 470 12 34 56", True),
    ],
)
def test_the_usual_ways_of_writing_a_number_are_read(written, mobile):
    expected = "+32470123456" if mobile else "+3225095959"
    assert parse_phone(written, mobile=mobile) == expected
    assert PhoneField(mobile=mobile).clean(written) == expected


@pytest.mark.parametrize(
    "written, mobile, reason",
    [
        ("02 509 59", False, "It has too few digits. For example: +32 2 509 59 59."),
        ("+32 2 509 59 59 59 59", False, "It has too many digits. For example: +32 2 509 59 59."),
        ("+999 1234 5678", False, "No country has this code. For example: +32 2 509 59 59."),
        ("02 509 ABC", False, "Enter a phone number in digits. For example: +32 2 509 59 59."),
        ("0470 123", True, "It has too few digits. For example: +32 470 12 34 56."),
        (
            "02 509 59 59",
            True,
            "This is not a mobile phone number, and the SMS needs one. For example: +32 470 12 34 56.",
        ),
        ("call me", True, "Enter a mobile phone number in digits. For example: +32 470 12 34 56."),
    ],
)
def test_a_refused_number_says_why_with_an_example_of_its_kind(written, mobile, reason):
    with pytest.raises(ValidationError) as refused:
        parse_phone(written, mobile=mobile)
    assert reason in refused.value.messages[0]


def test_an_empty_field_that_is_not_required_stays_empty():
    assert PhoneField(required=False).clean("") == ""


def test_the_field_takes_a_number_written_with_its_separators_and_offers_the_phone_keypad():
    field = PhoneField()
    assert field.max_length == 30
    attrs = field.widget.attrs
    assert attrs["inputmode"] == "tel" and attrs["autocomplete"] == "tel" and field.widget.input_type == "tel"
