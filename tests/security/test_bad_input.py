"""Bad input, property-based: the identifier parsers, then every form of the portal.

The parsers either return the canonical value (which formats and parses back to itself) or raise
the documented ValidationError, never anything else. Every form, posted with junk by the persona
allowed to use it, answers without a server error, names the field in error, stores nothing
(every row of the portal's tables, the journal included, is the same after), and escapes what it
echoes. The examples are derandomized so that CI runs the same ones each time.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from access import selectors
from access.identifiers import format_enterprise_number, format_niss, parse_enterprise_number, parse_niss
from access.models import Designation, OnlineService, Person
from chaman.credentials import parse_ssh_public_key
from chaman.models import Channel, Sender, TechnicalContact
from tests import factories
from tests.conftest import World
from tests.credentials import certificate, ssh_public_key
from tests.staff import create_staff, log_in_staff

REPEATABLE = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
PARSERS = settings(REPEATABLE, max_examples=60)

NISS_MESSAGES = {
    "format": "Enter a national register number of 11 digits, e.g. 85.07.30-033.28.",
    "checksum": "This national register number is not valid: its check digits do not match.",
}
ENTERPRISE_MESSAGES = {
    "format": "Enter an enterprise number of 10 digits, e.g. 0403.019.261.",
    "checksum": "This enterprise number is not valid: its check digits do not match.",
}

# Digits that str.isdigit() and int() accept but that are not the ASCII ones.
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EXTENDED_ARABIC_INDIC = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
FOREIGN_DIGITS = [ARABIC_INDIC, EXTENDED_ARABIC_INDIC, FULL_WIDTH, DEVANAGARI]

# Characters that break parsers: line breaks, NUL, unicode spaces and digits, separators, markup.
NASTY = "\x00\r\n\t\x0b\x0c\u00a0\u2003\u2028\u200b\ufeff٣７०.-/ ,;:_+<>&\"'BEbe"
nasty_text = st.text(alphabet=st.sampled_from(NASTY) | st.characters(codec="utf-8"), max_size=60)


# --- An oracle written out independently of the product (docs/design.md §6) ------------------


def niss_check(body: str, born_from_2000: bool) -> str:
    return f"{97 - int(('2' if born_from_2000 else '') + body) % 97:02d}"


def is_valid_niss(digits: str) -> bool:
    """11 ASCII digits whose check matches for the 1900s or the 2000s (BIS months +20 or +40)."""
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        return False
    body, check = digits[:9], digits[9:]
    return check in (niss_check(body, False), niss_check(body, True))


def is_valid_enterprise_number(digits: str) -> bool:
    return (
        len(digits) == 10
        and digits.isascii()
        and digits.isdigit()
        and digits[0] in "01"
        and int(digits) > 0
        and 97 - int(digits[:8]) % 97 == int(digits[8:])
    )


@st.composite
def valid_niss(draw) -> str:
    """The 11 digits of a national register number or a BIS number, born 1900–2025."""
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)))
    month = birth.month + draw(st.sampled_from([0, 0, 20, 40]))  # BIS numbers add 20 or 40
    serial = draw(st.integers(min_value=1, max_value=998))
    body = f"{birth:%y}{month:02d}{birth:%d}{serial:03d}"
    return body + niss_check(body, birth.year >= 2000)


@st.composite
def valid_enterprise_number(draw) -> str:
    body = draw(st.integers(min_value=1, max_value=19_999_999))
    return f"{body:08d}{97 - body % 97:02d}"


@st.composite
def written_like_a_person(draw, digits: str, groups: tuple[int, ...], prefixes: tuple[str, ...] = ("",)) -> str:
    """The digits as someone types them: any of the separators, a prefix, spaces around."""
    parts, start = [], 0
    for size in groups:
        parts.append(digits[start : start + size])
        start += size
    separators = draw(st.lists(st.sampled_from(["", ".", "-", " ", ". "]), min_size=len(parts), max_size=len(parts)))
    written = "".join(part + sep for part, sep in zip(parts, [*separators[1:], ""], strict=True))
    lead, trail = draw(st.sampled_from(["", " ", "\t", "\n", "\r\n"])), draw(st.sampled_from(["", " ", "\r\n"]))
    return lead + draw(st.sampled_from(prefixes)) + written + trail


def assert_documented_error(error: ValidationError, messages: dict[str, str]) -> None:
    assert error.code in messages, error.code
    assert error.messages == [messages[error.code]]


# --- NISS ------------------------------------------------------------------------------------


@PARSERS
@given(st.data())
def test_a_valid_niss_in_any_usual_writing_parses_to_its_digits_and_back(data):
    digits = data.draw(valid_niss())
    written = data.draw(written_like_a_person(digits, (2, 2, 2, 3, 2)))
    assert parse_niss(written) == digits
    assert parse_niss(format_niss(digits)) == digits


@PARSERS
@given(valid_niss(), st.integers(min_value=1, max_value=96))
def test_a_niss_with_wrong_check_digits_is_refused_as_such(digits, shift):
    wrong = digits[:9] + f"{(int(digits[9:]) + shift) % 100:02d}"
    if is_valid_niss(wrong):  # the other century's check can match by chance
        return
    with pytest.raises(ValidationError) as error:
        parse_niss(format_niss(wrong))
    assert_documented_error(error.value, NISS_MESSAGES)


@PARSERS
@given(valid_niss(), st.sampled_from(FOREIGN_DIGITS), st.integers(min_value=0, max_value=10))
def test_a_niss_written_with_other_digits_is_refused(digits, table, position):
    # One digit, or all of them, as Arabic-Indic, full-width or Devanagari digits.
    written = digits[:position] + digits[position].translate(table) + digits[position + 1 :]
    for value in (written, digits.translate(table), format_niss(digits).translate(table)):
        with pytest.raises(ValidationError) as error:
            parse_niss(value)
        assert error.value.code == "format"
        assert_documented_error(error.value, NISS_MESSAGES)


@PARSERS
@given(valid_niss(), nasty_text, st.integers(min_value=0, max_value=11))
def test_a_niss_with_junk_inside_is_refused(digits, junk, position):
    value = digits[:position] + junk + digits[position:]
    try:
        parsed = parse_niss(value)
    except ValidationError as error:
        assert_documented_error(error, NISS_MESSAGES)
    else:
        # Only separators and surrounding space may be ignored.
        assert parsed == digits
        assert set(value.strip()) <= set("0123456789 .-")


@PARSERS
@given(st.one_of(nasty_text, st.text(alphabet="0123456789", max_size=30), st.text()))
def test_anything_else_is_a_niss_or_the_documented_error(value):
    try:
        parsed = parse_niss(value)
    except ValidationError as error:
        assert_documented_error(error, NISS_MESSAGES)
    else:
        assert is_valid_niss(parsed)
        assert parse_niss(format_niss(parsed)) == parsed


@pytest.mark.parametrize("size", [12, 41, 100_000, 1_000_000])
def test_a_huge_niss_is_refused_at_once(size):
    for value in ("8" * size, "85.07.30-033.28" * (size // 15 + 2), "\r\n" * size + "8507\n3003328"):
        with pytest.raises(ValidationError) as error:
            parse_niss(value)
        assert_documented_error(error.value, NISS_MESSAGES)
    # Space around is only space: it is ignored however long.
    assert parse_niss(" " * size + "85073003328\r\n") == "85073003328"


# --- Enterprise numbers ----------------------------------------------------------------------


@PARSERS
@given(st.data())
def test_a_valid_enterprise_number_in_any_usual_writing_parses_to_its_digits_and_back(data):
    digits = data.draw(valid_enterprise_number())
    written = data.draw(written_like_a_person(digits, (4, 3, 3), ("", "BE", "be", "BE ", "Be")))
    assert parse_enterprise_number(written) == digits
    assert parse_enterprise_number(format_enterprise_number(digits)) == digits
    if digits[0] == "0":  # the old numbers had nine digits
        assert parse_enterprise_number(digits[1:]) == digits


@PARSERS
@given(valid_enterprise_number(), st.integers(min_value=1, max_value=96))
def test_an_enterprise_number_with_wrong_check_digits_is_refused_as_such(digits, shift):
    wrong = digits[:8] + f"{(int(digits[8:]) + shift) % 100:02d}"
    with pytest.raises(ValidationError) as error:
        parse_enterprise_number(format_enterprise_number(wrong))
    assert error.value.code == "checksum"
    assert_documented_error(error.value, ENTERPRISE_MESSAGES)


@PARSERS
@given(valid_enterprise_number(), st.sampled_from(FOREIGN_DIGITS))
def test_an_enterprise_number_written_with_other_digits_is_refused(digits, table):
    for value in (digits.translate(table), format_enterprise_number(digits).translate(table)):
        with pytest.raises(ValidationError) as error:
            parse_enterprise_number(value)
        assert error.value.code == "format"


@PARSERS
@given(st.one_of(nasty_text, st.text(alphabet="0123456789 .", max_size=20), st.text()))
def test_anything_else_is_an_enterprise_number_or_the_documented_error(value):
    try:
        parsed = parse_enterprise_number(value)
    except ValidationError as error:
        assert_documented_error(error, ENTERPRISE_MESSAGES)
    else:
        assert is_valid_enterprise_number(parsed)
        assert parse_enterprise_number(format_enterprise_number(parsed)) == parsed


@pytest.mark.parametrize("size", [11, 41, 100_000, 1_000_000])
def test_a_huge_enterprise_number_is_refused_at_once(size):
    for value in ("0" * size, "BE" + "0403.019.261" * (size // 12 + 2), "\r\n" * size + "0403\n019261"):
        with pytest.raises(ValidationError) as error:
            parse_enterprise_number(value)
        assert_documented_error(error.value, ENTERPRISE_MESSAGES)
    assert parse_enterprise_number("\r\n" * size + "BE 0403.019.261 ") == "0403019261"


def test_the_oracle_agrees_with_the_design_examples():
    """The independent checks above accept and refuse what docs/design.md §6 says."""
    assert is_valid_niss("85073003328") and is_valid_niss("17073003384") and is_valid_niss("98472899765")
    assert not is_valid_niss("85073003329")
    assert is_valid_enterprise_number("0403019261") and is_valid_enterprise_number("0428759497")
    assert not is_valid_enterprise_number("0431150351")


# --- Every form of the portal ----------------------------------------------------------------

# No shrinking: each step would be a request, and the examples are drawn small already.
FORMS = settings(REPEATABLE, max_examples=4, phases=[Phase.explicit, Phase.reuse, Phase.generate])

# Payloads a hostile or careless person types. None of them may come back unescaped.
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><svg onload=alert(1)>",
    "{{ request.user }}{% debug %}",
    "'; DROP TABLE access_person; --",
    "Name\r\nBcc: victim@example.org",
    "٨٥٠٧٣٠٠٣٣٢٨ ８５０７３００３３２８",
]
RAW_MARKUP = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>"]
HUGE = 100_000
# A query string is cut short by the web server (gunicorn reads request lines of up to 4094 bytes).
HUGE_IN_URL = 4_000


@dataclass(frozen=True)
class Junk:
    """A payload with noise around it, made invalid for any text field: a NUL byte inside, or
    repeated to 100,000 characters (beyond every field's limit). Drawn small, so that a failing
    example reads well; `value()` is what is posted."""

    text: str
    nul_at: int | None

    def value(self, size: int = HUGE) -> str:
        if self.nul_at is not None:
            return self.text[: self.nul_at] + "\x00" + self.text[self.nul_at :]
        return (self.text * (size // len(self.text) + 1))[:size]


@st.composite
def junk(draw) -> Junk:
    text = draw(st.sampled_from(PAYLOADS)) + draw(nasty_text.filter(lambda t: "\x00" not in t))
    nul_at = draw(st.none() | st.integers(min_value=0, max_value=len(text)))
    return Junk(text, nul_at)


@st.composite
def wrong_niss(draw) -> str:
    """What a person may type for a national register number that is none."""
    digits = draw(valid_niss())
    wrong = digits[:9] + f"{(int(digits[9:]) + draw(st.integers(1, 96))) % 100:02d}"
    return draw(
        st.sampled_from(
            [
                format_niss(wrong) if not is_valid_niss(wrong) else "85.07.30-033.29",
                digits.translate(draw(st.sampled_from(FOREIGN_DIGITS))),
                f"{digits[:6]}\r\n{digits[6:]}",
                f"{digits}<script>alert(1)</script>",
                digits[:10],
                digits + "0",
            ]
        )
    )


@st.composite
def wrong_enterprise_number(draw) -> str:
    digits = draw(valid_enterprise_number())
    wrong = digits[:8] + f"{(int(digits[8:]) + draw(st.integers(1, 96))) % 100:02d}"
    return draw(
        st.sampled_from(
            [
                format_enterprise_number(wrong),
                "2" + digits[1:],
                digits.translate(draw(st.sampled_from(FOREIGN_DIGITS))),
                f"BE{digits[:4]}\n{digits[4:]}",
                digits + "1",
            ]
        )
    )


@dataclass
class Bench:
    """The personas, and what some forms act on: a sender with its SFTP channel, a designation,
    people half-way through setting up their local login, a member of staff."""

    world: World
    sender: Sender
    channel: Channel
    designation: Designation
    newcomer: Person
    enrolling: Person
    staff: Any

    @property
    def acme(self) -> str:
        return f"/e/{self.world.enterprise.pk}"


@pytest.fixture
def bench(world) -> Bench:
    sender = Sender.objects.create(enterprise=world.enterprise, number="123456")
    TechnicalContact.objects.create(sender=sender, name="Tina Tech", email="tech@acme.be")
    key, fingerprint = parse_ssh_public_key(ssh_public_key())
    channel = Channel.objects.create(sender=sender, kind="sftp", ssh_public_key=key, key_fingerprint=fingerprint)
    newcomer = factories.person("newcomer", "Nico", "Newcomer", niss=None)
    enrolling = factories.person("enrolling", "Enzo", "Enrolling", niss=None)
    assert newcomer.user and enrolling.user
    newcomer.user.set_unusable_password()
    newcomer.user.setup_required = True
    newcomer.user.save()
    enrolling.user.setup_required = True
    enrolling.user.save()
    return Bench(
        world=world,
        sender=sender,
        channel=channel,
        designation=Designation.objects.get(person=world.group_manager, revoked_at__isnull=True),
        newcomer=newcomer,
        enrolling=enrolling,
        staff=create_staff()[0],
    )


def _grantable(group) -> str:
    service = selectors.grantable_services(group).first()
    assert service, f"{group} offers no service"
    return str(service.pk)


def _management_forms(*prefixes: str) -> dict[str, str]:
    return {
        f"{prefix}-{key}": value
        for prefix in prefixes
        for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"), ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "9"))
    }


def _in_ten_days() -> str:
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.localdate() + timedelta(days=10)).strftime("%d/%m/%Y")


def _main_designation(world) -> int:
    """The Main Access Manager designation a form replaces, as the page shows it."""
    return Designation.objects.get(enterprise=world.enterprise, kind="main", revoked_at__isnull=True).pk


@dataclass(frozen=True)
class FormCase:
    """A form, who may use it, and data that are valid apart from the field under test.

    `answer`: "page" shows the form again with the error; "message" redirects to a page that
    shows the error; "any" (a search, the language switcher) has no error to show.
    """

    id: str
    persona: str
    url: Callable[[Bench], str]
    data: Callable[[Bench, str], dict[str, Any]]
    fields: tuple[str, ...]
    identifiers: tuple[tuple[str, str], ...] = ()
    answer: str = "page"
    method: str = "post"
    # Fields that show the error of any of them (a password and its confirmation).
    together: tuple[str, ...] = ()


FORM_CASES = [
    # access: users and groups
    FormCase(
        "user_add",
        "group_manager",
        lambda b: f"{b.acme}/groups/{b.world.groups['employer'].pk}/add/",
        lambda b, field: {
            "niss": factories.niss(),
            "given_name": "Nina",
            "surname": "Newcomer",
            "services": [_grantable(b.world.groups["employer"])],
            "confirm": "on",
        },
        ("niss", "given_name", "surname", "services", "until"),
        identifiers=(("niss", "niss"),),
    ),
    # The grant form comes back on the membership's page, its error next to its field.
    FormCase(
        "grant_add",
        "main",
        lambda b: f"{b.acme}/memberships/{b.world.tax_membership.pk}/services/",
        lambda b, field: {"service": _grantable(b.world.groups["taxpayer"]), "until": ""},
        ("service", "until"),
    ),
    FormCase(
        "membership_block",
        "main",
        lambda b: f"{b.acme}/memberships/{b.world.member_membership.pk}/block/",
        lambda b, field: {"reason": "Inquiry", "until": "2031-01-31"},
        ("reason", "until"),
    ),
    FormCase(
        "membership_delete",
        "main",
        lambda b: f"{b.acme}/memberships/{b.world.member_membership.pk}/delete/",
        lambda b, field: {"reason": "Left the enterprise"},
        ("reason",),
    ),
    # access: a person's own access (a box ticked, a word to the managers)
    FormCase(
        "my_grant_renounce",
        "member",
        lambda b: f"{b.acme}/my-access/services/{b.world.member_membership.grants.get().pk}/give-up/",
        lambda b, field: {"understood": "on", "reason": "No longer needed"},
        ("reason",),
    ),
    FormCase(
        "my_group_leave",
        "member",
        lambda b: f"{b.acme}/my-access/groups/{b.world.member_membership.pk}/leave/",
        lambda b, field: {"understood": "on", "reason": "Moved to another team"},
        ("reason",),
    ),
    # provisioning: a token for the HR system
    FormCase(
        "provisioning_token",
        "main",
        lambda b: f"{b.acme}/provisioning/tokens/",
        lambda b, field: {
            "name": "Workday",
            "valid_until": (timezone.localdate() + timedelta(days=30)).strftime("%d/%m/%Y"),
            "form_key": secrets.token_hex(16),
        },
        ("name", "valid_until"),
    ),
    # mandates: a mandate offered to a service provider
    FormCase(
        "mandate_offer",
        "main",
        lambda b: f"{b.acme}/mandates/offer/",
        lambda b, field: {
            "provider": b.world.other_enterprise.number,
            "services": [OnlineService.objects.get(code="dimona").pk],
            "starts_on": timezone.localdate().replace(month=1, day=1).strftime("%d/%m/%Y"),
            "ends_on": "",
        },
        ("provider", "services", "starts_on", "ends_on"),
        identifiers=(("provider", "enterprise_number"),),
    ),
    # access: access reviews and the ending of unused access
    FormCase(
        "review_start",
        "main",
        lambda b: f"{b.acme}/reviews/start/",
        lambda b, field: {"domain": "", "deadline": _in_ten_days(), "end_unconfirmed": "yes"},
        ("domain", "deadline", "end_unconfirmed"),
    ),
    FormCase(
        "unused_access",
        "main",
        lambda b: f"{b.acme}/unused-access/",
        lambda b, field: {"months": "6"},
        ("months",),
    ),
    FormCase(
        "person_block",
        "main",
        lambda b: f"{b.acme}/users/{b.world.member.pk}/block/",
        lambda b, field: {"reason": "Inquiry", "until": ""},
        ("reason", "until"),
    ),
    FormCase(
        "group_search",
        "group_manager",
        lambda b: f"{b.acme}/groups/{b.world.groups['employer'].pk}/",
        lambda b, field: {"q": "Member"},
        ("q",),
        answer="any",
    ),
    FormCase(
        "user_search",
        "main",
        lambda b: f"{b.acme}/users/",
        lambda b, field: {"q": "Member"},
        ("q",),
        answer="any",
        method="get",
    ),
    # access: managers
    FormCase(
        "designate",
        "main",
        lambda b: f"{b.acme}/managers/",
        lambda b, field: {
            "kind": "co_main",
            "domain": "",
            "group": "",
            "niss": factories.niss(),
            "given_name": "Cora",
            "surname": "Second",
        },
        ("kind", "domain", "group", "niss", "given_name", "surname"),
        identifiers=(("niss", "niss"),),
    ),
    FormCase(
        "designation_revoke",
        "main",
        lambda b: f"{b.acme}/managers/{b.designation.pk}/revoke/",
        lambda b, field: {"reason": "Reorganisation"},
        ("reason",),
    ),
    FormCase(
        "main_manager_belgian",
        "legal_representative",
        lambda b: f"{b.acme}/main-manager/belgian/",
        lambda b, field: {
            "belgian-niss": factories.niss(),
            "belgian-given_name": "Bea",
            "belgian-surname": "Boss",
            "belgian-replaces": _main_designation(b.world),
        },
        ("belgian-niss", "belgian-given_name", "belgian-surname"),
        identifiers=(("belgian-niss", "niss"),),
    ),
    FormCase(
        "main_manager_foreign",
        "legal_representative",
        lambda b: f"{b.acme}/main-manager/foreign/",
        lambda b, field: {
            "foreign-given_name": "Fay",
            "foreign-surname": "Faraway",
            "foreign-email": "fay@example.fr",
            "foreign-mobile_phone": "+33 6 12 34 56 78",
            "foreign-language": "fr",
            "foreign-replaces": _main_designation(b.world),
        },
        ("foreign-given_name", "foreign-surname", "foreign-email", "foreign-mobile_phone", "foreign-language"),
    ),
    # contactdata
    FormCase(
        "contact_data_general",
        "member",
        lambda b: f"{b.acme}/contact-data/general/",
        lambda b, field: {
            "general-general_email": "info@acme.be",
            "general-general_phone": "02 509 59 59",
            "general-correspondence_language": "nl",
        },
        ("general-general_email", "general-general_phone", "general-correspondence_language"),
    ),
    FormCase(
        "contact_data_addresses",
        "member",
        lambda b: f"{b.acme}/contact-data/addresses/",
        lambda b, field: {
            "registered_office-street": "Rue Haute",
            "registered_office-number": "12",
            "registered_office-box": "",
            "registered_office-postal_code": "1000",
            "registered_office-city": "Bruxelles",
        },
        (
            "registered_office-street",
            "registered_office-number",
            "registered_office-box",
            "registered_office-postal_code",
            "registered_office-city",
        ),
    ),
    FormCase(
        "contact_data_contacts",
        "member",
        lambda b: f"{b.acme}/contact-data/contacts/",
        lambda b, field: {
            "domain-nsso_employer-name": "Paul Payroll",
            "domain-nsso_employer-email": "payroll@acme.be",
            "domain-nsso_employer-phone": "+32 2 509 59 59",
        },
        ("domain-nsso_employer-name", "domain-nsso_employer-email", "domain-nsso_employer-phone"),
    ),
    # chaman and structured messages
    FormCase(
        "sender_create",
        "other_enterprise_manager",
        lambda b: f"/e/{b.world.other_enterprise.pk}/chaman/sender/",
        lambda b, field: {"number": "987654", "name": "Tom Tech", "email": "tom@other.be", "phone": ""},
        ("number", "name", "email", "phone"),
    ),
    FormCase(
        "technical_contact",
        "main",
        lambda b: f"{b.acme}/chaman/contact/",
        lambda b, field: {"name": "Tina Tech", "email": "tina@acme.be", "phone": "+32 2 509 59 59"},
        ("name", "email", "phone"),
    ),
    FormCase(
        "channel_add",
        "access_manager",
        lambda b: f"{b.acme}/chaman/channels/",
        lambda b, field: {
            "kind": {"ssh_public_key": "sftp", "certificate_pem": "soap", "oauth_client_id": "rest"}.get(field, "ftp"),
            "ssh_public_key": "",
            "certificate_pem": certificate() if field == "oauth_client_id" else "",
            "oauth_client_id": "",
        },
        ("kind", "ssh_public_key", "certificate_pem", "oauth_client_id"),
    ),
    FormCase(
        "channel_replace",
        "main",
        lambda b: f"{b.acme}/chaman/channels/{b.channel.pk}/replace/",
        lambda b, field: {f"replace-{b.channel.pk}-credential": ssh_public_key()},
        ("credential",),
    ),
    FormCase(
        "structured_messages",
        "co_main",
        lambda b: f"{b.acme}/structured-messages/",
        lambda b, field: {
            "exchanges": "on",
            "contact_name": "Sam Structured",
            "contact_email": "sam@acme.be",
            "delivery": "channel" if field == "channel" else "ebox",
            "channel": str(b.channel.pk),
        },
        ("contact_name", "contact_email", "delivery", "channel"),
    ),
    # accounts
    FormCase(
        "login",
        "anonymous",
        lambda b: "/accounts/login/",
        lambda b, field: {"login": "member", "password": factories.PASSWORD},
        ("login", "password"),
    ),
    FormCase(
        "reauthenticate",
        "main",
        lambda b: "/accounts/reauthenticate/",
        lambda b, field: {"password": factories.PASSWORD},
        ("password",),
    ),
    FormCase(
        "setup_password",
        "newcomer",
        lambda b: "/accounts/setup/password/",
        lambda b, field: {"new_password1": "a-long-Passphrase-42", "new_password2": "a-long-Passphrase-42"},
        ("new_password1", "new_password2"),
        together=("new_password1", "new_password2"),
    ),
    FormCase(
        "one_time_code_app",
        "enrolling",
        lambda b: "/accounts/2fa/totp/activate/",
        lambda b, field: {"code": "000000"},
        ("code",),
    ),
    FormCase(
        "language",
        "member",
        lambda b: "/i18n/setlang/",
        lambda b, field: {"language": "en", "next": "/"},
        ("language", "next"),
        answer="any",
    ),
    # the staff admin
    FormCase(
        "admin_enterprise",
        "staff",
        lambda b: "/admin/access/enterprise/add/",
        lambda b, field: {
            "number": format_enterprise_number(factories.enterprise_number()),
            "name": "New Co",
            "preferred_language": "nl",
            "status": "pending",
            **_management_forms("legal_representatives", "groups"),
        },
        ("number", "name", "preferred_language", "status"),
        identifiers=(("number", "enterprise_number"),),
    ),
    FormCase(
        "admin_person",
        "staff",
        lambda b: "/admin/access/person/add/",
        lambda b, field: {
            "niss": format_niss(factories.niss()),
            "given_name": "Pia",
            "surname": "Person",
            "email": "",
            "mobile_phone": "",
            "preferred_language": "fr",
            **_management_forms("former_numbers"),
        },
        ("niss", "given_name", "surname", "email", "mobile_phone", "preferred_language"),
        identifiers=(("niss", "niss"),),
    ),
    FormCase(
        "admin_find_person",
        "staff",
        lambda b: "/admin/access/person/find/",
        lambda b, field: {"niss": b.world.member.niss},
        ("niss",),
        identifiers=(("niss", "niss"),),
        answer="message",
    ),
    FormCase(
        "admin_main_manager",
        "staff",
        lambda b: f"/admin/access/enterprise/{b.world.enterprise.pk}/main-manager/",
        lambda b, field: {
            "niss": factories.niss(),
            "given_name": "Stan",
            "surname": "Staffmade",
            "email": "",
            "mobile_phone": "",
            "language": "fr",
            "reason": "The legal representative is abroad",
            "replaces": _main_designation(b.world),
        },
        ("niss", "given_name", "surname", "email", "mobile_phone", "language", "reason"),
        identifiers=(("niss", "niss"),),
    ),
    FormCase(
        "admin_search",
        "staff",
        lambda b: "/admin/access/enterprise/",
        lambda b, field: {"q": "Acme"},
        ("q",),
        answer="any",
        method="get",
    ),
]

# The tables whose rows must not change; sessions (messages, CSRF) and rate-limit counters may.
STORED_APPS = (
    "access",
    "accounts",
    "contactdata",
    "chaman",
    "ebox",
    "provisioning",
    "mandates",
    "mfa",
    "socialaccount",
    "account",
)


def stored_rows() -> tuple:
    """A digest of every row of those tables (the time of the last login aside), in one query."""
    tables = [model._meta.db_table for app in STORED_APPS for model in apps.get_app_config(app).get_models()]
    row = "(to_jsonb(t) - 'last_login')::text"
    digest = "(SELECT md5(coalesce(string_agg({row}, '|' ORDER BY {row}), '')) FROM {table} t)"
    digests = ", ".join(digest.format(row=row, table=connection.ops.quote_name(table)) for table in tables)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + digests)
        return tuple(zip(tables, cursor.fetchone(), strict=True))


@pytest.fixture
def client_of(bench, login) -> Callable[[str], Client]:
    """One client per persona for all the examples of a test (a new client loads the middleware)."""
    clients: dict[str, Client] = {}

    def client(persona: str) -> Client:
        if persona not in clients:
            if persona == "anonymous":
                clients[persona] = Client(HTTP_ACCEPT_LANGUAGE="en")
            elif persona == "staff":
                clients[persona] = log_in_staff(Client(HTTP_ACCEPT_LANGUAGE="en"), bench.staff)
            else:
                clients[persona] = login(getattr(bench, persona, None) or getattr(bench.world, persona))
        return clients[persona]

    return client


def shows_error(body: str, fields: tuple[str, ...]) -> bool:
    """The field's own error list, or the form's (a wrong login is not one field's fault)."""
    return any(f'id="id_{field}_error"' in body for field in fields) or "errorlist nonfield" in body


def assert_escaped(body: str, value: str) -> None:
    for markup in RAW_MARKUP:
        assert markup not in body, f"unescaped {markup!r}"
    if any(c in value for c in "<>\"'&"):
        assert value not in body, "the raw value is echoed unescaped"


@pytest.mark.parametrize("case", FORM_CASES, ids=lambda case: case.id)
@FORMS
@given(data=st.data())
def test_junk_in_any_form_is_refused_clearly_and_changes_nothing(bench, client_of, case, data):
    client = client_of(case.persona)
    field = data.draw(st.sampled_from(case.fields), label="field")
    kind = dict(case.identifiers).get(field)
    strategies = {"niss": wrong_niss(), "enterprise_number": wrong_enterprise_number()}
    drawn = data.draw(junk() | strategies[kind] if kind else junk(), label="value")
    value = drawn.value(HUGE if case.method == "post" else HUGE_IN_URL) if isinstance(drawn, Junk) else drawn
    payload = case.data(bench, field)
    name = next((key for key in payload if key == field or key.endswith(f"-{field}")), field)
    payload[name] = value

    before = stored_rows()
    response = getattr(client, case.method)(case.url(bench), payload)
    body = response.content.decode()

    assert response.status_code in (200, 302), response.status_code
    assert stored_rows() == before, "junk changed stored data"
    assert_escaped(body, value)
    if case.answer == "page":
        assert response.status_code == 200, response.get("Location")
        assert shows_error(body, case.together or (name,)), f"no error shown for {name}"
    elif case.answer == "message":
        assert response.status_code == 302
        shown = client.get(response["Location"]).content.decode()
        assert "message-error" in shown or 'class="error"' in shown
        assert_escaped(shown, value)
    elif response.status_code == 302:  # the language switcher goes back to a page of the site
        assert not urlsplit(response["Location"]).netloc and not urlsplit(response["Location"]).scheme


def test_hostile_text_that_is_valid_is_stored_as_typed_and_shown_escaped(bench, client_of):
    """Markup is a valid name or reason: it is kept as typed, and every page shows it as text."""
    world, acme = bench.world, bench.acme
    script, image, svg = PAYLOADS[:3]
    manager, member = client_of("main"), client_of("member")
    added = client_of("group_manager").post(
        f"{acme}/groups/{world.groups['employer'].pk}/add/",
        {"niss": factories.niss(), "given_name": image, "surname": script, "confirm": "on"},
    )
    assert added.status_code == 302
    newcomer = Person.objects.get(surname=script)
    assert newcomer.given_name == image
    blocked = manager.post(
        f"{acme}/memberships/{world.member_membership.pk}/block/", {"reason": f"{script} {svg}", "until": ""}
    )
    assert blocked.status_code == 302
    contact = manager.post(f"{acme}/chaman/contact/", {"name": svg, "email": "tina@acme.be", "phone": ""})
    assert contact.status_code == 302

    pages = [
        manager.get(f"{acme}/journal/"),
        manager.get(f"{acme}/groups/{world.groups['employer'].pk}/"),
        manager.get(f"{acme}/users/{newcomer.pk}/"),
        manager.get(f"{acme}/memberships/{world.member_membership.pk}/"),
        manager.get(f"{acme}/chaman/"),
        member.get(f"{acme}/journal/"),
    ]
    for page in pages:
        assert page.status_code == 200
        for value in (script, image, svg):
            assert_escaped(page.content.decode(), value)
    shown = "".join(page.content.decode() for page in pages)
    assert all(escape(value) in shown for value in (script, image, svg))  # each one was shown, as text
