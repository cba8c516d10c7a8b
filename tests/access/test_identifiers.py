"""National register numbers and enterprise numbers (docs/design.md §6)."""

import pytest
from django.core.exceptions import ValidationError

from access.identifiers import format_enterprise_number, mask_niss, parse_enterprise_number, parse_niss


@pytest.mark.parametrize(
    "value, digits",
    [
        ("85.07.30-033.28", "85073003328"),
        ("17.07.30-033.84", "17073003384"),  # born in 2017
        ("98.47.28-997.65", "98472899765"),  # BIS number
        ("85073003328", "85073003328"),
        (" 850730 033 28 ", "85073003328"),
    ],
)
def test_valid_niss(value, digits):
    assert parse_niss(value) == digits


@pytest.mark.parametrize(
    "value, message",
    [
        ("85.07.30-033.29", "check digits do not match"),
        ("8507300332", "11 digits"),
        ("٨٥٠٧٣٠٠٣٣٢٨", "11 digits"),  # Arabic-Indic digits
        ("85.07.30-033.28<script>", "11 digits"),
        ("1" * 5000, "11 digits"),
        ("", "11 digits"),
    ],
)
def test_invalid_niss_says_why(value, message):
    with pytest.raises(ValidationError) as error:
        parse_niss(value)
    assert message in str(error.value.messages[0])


def test_niss_is_masked_for_lists():
    assert mask_niss("85073003328") == "85.07.30-***.**"


@pytest.mark.parametrize(
    "value, digits",
    [
        ("0403.019.261", "0403019261"),
        ("0428.759.497", "0428759497"),  # check digits 97
        ("BE 0403.019.261", "0403019261"),
        ("be0403019261", "0403019261"),
        ("403.019.261", "0403019261"),  # old nine-digit number
    ],
)
def test_valid_enterprise_number(value, digits):
    assert parse_enterprise_number(value) == digits
    assert format_enterprise_number(digits) == f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


@pytest.mark.parametrize(
    "value, message",
    [
        ("0431.150.351", "check digits do not match"),
        ("2403.019.261", "10 digits"),
        ("0403.019.26", "check digits do not match"),
        ("04030192611", "10 digits"),
        ("0403\r\n019.261", "10 digits"),
        # The modulus 97 holds, but the register writes 97 where the remainder is 0: never 00.
        ("1000.002.100", "check digits do not match"),
        ("0000.000.000", "check digits do not match"),
    ],
)
def test_invalid_enterprise_number_says_why(value, message):
    with pytest.raises(ValidationError) as error:
        parse_enterprise_number(value)
    assert message in str(error.value.messages[0])
