"""A journal you can search (docs/design.md §5.7): filters by person (a name, or a national
register number that is posted and never put in an address), action, group and dates; before and
after in words; a CSV export of what the filter shows, streamed and safe to open in a spreadsheet;
every filter within the reader's journal, and a filter in error changes nothing."""

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from access import journal_display, services
from access.journal_display import neutralised
from access.models import AuditEvent, OnlineService
from tests import factories, leaks
from tests.factories import actor_of

pytestmark = pytest.mark.django_db

NNBSP = "\u202f"


def journal_url(world, **params) -> str:
    from django.utils.http import urlencode

    path = reverse("access:journal", args=[world.enterprise.pk])
    return f"{path}?{urlencode(params)}" if params else path


def export_url(world, **params) -> str:
    from django.utils.http import urlencode

    path = reverse("access:journal_export", args=[world.enterprise.pk])
    return f"{path}?{urlencode(params)}" if params else path


def at(day: date, hour: int = 12):
    return time_machine.travel(timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=hour))


# The days of the history: in the weeks to come, when the personas hold their standings.
START = timezone.localdate() + timedelta(days=10)
FIRST, SECOND, THIRD, UNTIL = START, START + timedelta(days=8), START + timedelta(days=18), START + timedelta(days=29)


def dmy(day: date, separator: str = "/") -> str:
    return day.strftime(f"%d{separator}%m{separator}%Y")


@pytest.fixture
def history(world):
    """Events on three days: the member blocked (until UNTIL) and unblocked on the FIRST day, the
    taxpayer blocked on the SECOND, DmfA granted to the member on the THIRD; all by the MAM."""
    main = actor_of(world, world.main)
    with at(FIRST):
        services.membership_block(main, world.member_membership, reason="Badge lost", until=UNTIL)
        services.membership_unblock(main, world.member_membership)
    with at(SECOND):
        services.membership_block(main, world.tax_membership, reason="Tax audit")
    with at(THIRD):
        services.grant_create(main, world.member_membership, OnlineService.objects.get(code="dmfa"))
    return world


def rows(response) -> list[str]:
    """The journal's rows as text, one line each."""
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[list[str]] = []
            self.in_body = False
            self.cell: list[str] | None = None

        def handle_starttag(self, tag, attrs):
            if tag == "tbody":
                self.in_body = True
            elif tag == "tr" and self.in_body:
                self.rows.append([])
            elif tag == "td" and self.in_body:
                self.cell = []

        def handle_endtag(self, tag):
            if tag == "td" and self.cell is not None:
                # Spaces of the layout only: a narrow no-break space is the text's own.
                self.rows[-1].append(re.sub(r"[ \t\r\n]+", " ", "".join(self.cell)).strip())
                self.cell = None
            elif tag == "tbody":
                self.in_body = False

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parser = Rows()
    parser.feed(response.content.decode())
    return [" | ".join(row) for row in parser.rows]


def actions(response) -> list[str]:
    return [row.split(" | ")[1] for row in rows(response)]


# --- Filters ----------------------------------------------------------------------------------------


def test_by_action(history, login):
    response = login(history.main).get(journal_url(history, action="membership_blocked"))
    assert actions(response) == ["blocked for the group", "blocked for the group"]


def test_by_group(history, login):
    response = login(history.main).get(journal_url(history, group=history.groups["taxpayer"].pk))
    assert actions(response) == ["blocked for the group"]
    assert "Tax audit" in rows(response)[0]


def test_by_dates_whole_days_of_brussels(history, login):
    client = login(history.main)
    assert actions(client.get(journal_url(history, since=dmy(FIRST), until=dmy(FIRST)))) == [
        "unblocked for the group",
        "blocked for the group",
    ]
    assert len(rows(client.get(journal_url(history, since=dmy(FIRST + timedelta(days=1)))))) == 2
    assert len(rows(client.get(journal_url(history, until=dmy(THIRD - timedelta(days=1), "."))))) == 3
    assert len(rows(client.get(journal_url(history, since=SECOND.isoformat(), until=dmy(THIRD, "-"))))) == 2
    # At 00:30 in Brussels it is 23:30 the day before in UTC: the event belongs to Brussels' day.
    late = THIRD + timedelta(days=2)
    with at(late, hour=0) as moment:
        moment.shift(timedelta(minutes=30))
        services.membership_block(actor_of(history, history.main), history.pension_membership, reason="Late")
    assert actions(client.get(journal_url(history, since=dmy(late), until=dmy(late)))) == ["blocked for the group"]
    day_before = dmy(late - timedelta(days=1))
    assert rows(client.get(journal_url(history, since=day_before, until=day_before))) == []


def test_by_name_of_who_acted_or_whom_it_is_about(history, login):
    client = login(history.main)
    assert len(rows(client.get(journal_url(history, who="mats member")))) == 3
    assert len(rows(client.get(journal_url(history, who="Taxman")))) == 1
    assert len(rows(client.get(journal_url(history, who="Marie Main")))) == 4
    # Every word in one person's names: not one word of the actor's and one of the target's.
    assert rows(client.get(journal_url(history, who="Marie Taxman"))) == []


def test_by_national_register_number_the_number_is_posted_and_never_in_an_address(history, login):
    client = login(history.main)
    response = client.post(journal_url(history), {"who": history.member.niss_display, "action": "membership_blocked"})
    assert response.status_code == 302
    location = response["Location"]
    assert history.member.niss not in location.replace(".", "").replace("-", "")
    assert f"person={history.member.pk}" in location and "who=Mats+Member" in location
    page = client.get(location)
    assert actions(page) == ["blocked for the group"]
    assert 'value="Mats Member"' in page.content.decode()
    # Left as it is, the name keeps the person; the next page keeps the filter.
    again = client.post(location, {"who": "Mats Member", "person": history.member.pk, "action": ""})
    assert again["Location"] == journal_url(history, person=history.member.pk, who="Mats Member")


def test_a_number_in_the_address_is_refused_and_filters_nothing(history, login):
    response = login(history.main).get(journal_url(history, who=history.member.niss))
    page = response.content.decode()
    assert "Search for a national register number with the form&#x27;s button: it is never put in an address." in page
    assert len(rows(response)) == 4  # the whole journal, as before
    # This test typed the number into the address itself: that URL is not a leak of the portal's.
    leaks.SEEN[:] = [(where, text) for where, text in leaks.SEEN if history.member.niss not in text]


def test_a_number_of_someone_outside_the_journal_finds_nothing_and_says_nothing(history, login):
    client = login(history.group_manager)
    for stranger in (history.other_member, history.tax_member):  # another enterprise's; a group out of scope
        response = client.post(journal_url(history), {"who": stranger.niss})
        assert response.status_code == 200
        page = response.content.decode()
        assert "No event matches these filters." in page
        assert stranger.full_name not in page
        assert "journal/export/" not in page


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"since": "31/02/2026"}, "since", "Enter a date as day/month/year, e.g. 31/03/2026."),
        ({"until": "03/31/2026"}, "until", "Enter a date as day/month/year, e.g. 31/03/2026."),
        ({"since": "20/03/2027", "until": "02/03/2027"}, "until", "The end date is before the start date."),
        ({"action": "no_such_action"}, "action", "Choose an action from the list."),
        ({"action": "logged_in"}, "action", "Choose an action from the list."),
        ({"group": "not-a-number"}, "group", "Choose a group from the list."),
        ({"person": "12abc"}, "who", "This person does not appear in your journal."),
    ],
)
def test_a_filter_in_error_says_why_and_changes_nothing(history, login, params, field, message):
    response = login(history.main).get(journal_url(history, **params))
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert message.replace("'", "&#x27;") in page
    assert f'id="id_{field}"' in page and 'aria-invalid="true"' in page
    assert len(rows(response)) == 4  # the whole journal
    assert "journal/export/" not in page  # nothing to download while the filter is wrong


def test_another_enterprises_group_or_person_finds_nothing_of_it(history, login):
    client = login(history.main)
    other_group = history.other_groups["employer"].pk
    services.membership_block(
        actor_of_other(history), history.other_membership, reason="Other's own business", share_reason=False
    )
    for params in ({"group": other_group}, {"person": history.other_member.pk}):
        response = client.get(journal_url(history, **params))
        page = response.content.decode()
        assert "There is a problem" in page
        assert "Other&#x27;s own business" not in page and "Othermember" not in page
        export = client.get(export_url(history, **params))
        assert export.status_code == 302 and export["Location"].startswith(journal_url(history))


def actor_of_other(world):
    from access import selectors

    return selectors.Actor(
        person=world.other_enterprise_manager,
        enterprise=world.other_enterprise,
        standing=selectors.standing_of(world.other_enterprise_manager.pk, world.other_enterprise.pk),
    )


def test_a_group_out_of_the_readers_journal_is_not_offered(history, login):
    client = login(history.group_manager)
    page = client.get(journal_url(history)).content.decode()
    assert f'<option value="{history.groups["employer"].pk}"' in page
    assert f'<option value="{history.groups["taxpayer"].pk}"' not in page
    response = client.get(journal_url(history, group=history.groups["taxpayer"].pk))
    assert "Choose a group from the list." in response.content.decode()
    assert "Tax audit" not in response.content.decode()


def test_pages_keep_the_filter(history, login, settings):
    settings.PAGE_SIZE = 2
    client = login(history.main)
    first = client.get(journal_url(history, who="Mats Member")).content.decode()
    assert 'href="?who=Mats+Member&amp;page=2"' in first
    assert len(rows(client.get(journal_url(history, who="Mats Member", page=2)))) == 1


# --- Before and after, in words ------------------------------------------------------------------


def test_before_and_after_are_shown_in_words(history, login):
    response = login(history.main).get(journal_url(history, who="Mats"))
    grant, unblock, block = rows(response)
    assert "Online service: DmfA (multifunctional declaration)" in grant
    assert "Status: blocked → active Reason: Badge lost → –" in unblock
    until = formats.date_format(UNTIL, "DATE_FORMAT")  # "March 31, 2026"
    assert f"Status: active → blocked Until: {until} Reason shared with the person: no" in block


def test_before_and_after_are_in_the_readers_language(history, login):
    client = login(history.main)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    block = rows(client.get(journal_url(history, action="membership_blocked", who="Mats")))[0]
    assert f"Statut{NNBSP}: actif → bloqué" in block
    with translation.override("fr"):
        until = formats.date_format(UNTIL, "DATE_FORMAT")  # "31 mars 2026"
    assert f"Jusqu'au{NNBSP}: {until}" in block


def test_every_key_the_portal_journals_has_a_label():
    """The keys services write in before and after (access, ContactData, Chaman) read as words."""
    keys = {
        "status", "service", "services", "until", "reason", "reason_shared", "blocked_everywhere", "kind",
        "person", "domain", "group", "staff", "source", "valid_from", "channels", "reset", "cancelled_messages",
        "limit", "count", "seconds", "amr", "acr", "user", "general_email", "general_phone",
        "correspondence_language", "addresses", "contacts", "sender", "technical_contact", "channel", "active",
        "key_fingerprint", "certificate_subject", "certificate_fingerprint", "oauth_client_id", "exchanges",
        "contact_name", "contact_email", "delivery", "object", "deleted",
    }  # fmt: skip
    assert keys <= set(journal_display.LABELS)


def test_values_in_words(world):
    names = journal_display.Names()
    with translation.override("en"):
        assert journal_display.value_text("services", ["dimona", "ebox"], names) == (
            "Dimona (immediate declaration of employment), e-Box Enterprise"
        )
        assert journal_display.value_text("kind", "group_manager", names) == "Group Manager"
        assert journal_display.value_text("group", "taxpayer", names) == "Corporate taxpayer"
        assert journal_display.value_text("domain", "finance", names) == "Finance"
        assert journal_display.value_text("status", "pending", names) == "pending activation"
        assert journal_display.value_text("exchanges", "True", names) == "yes"
        assert journal_display.value_text("reset", ["password", "sessions"], names) == "password, sessions"
        assert journal_display.value_text("niss", "85073003328", names) == "85.07.30-***.**"
        assert journal_display.value_text("preferred_language", "nl", names) == "Dutch"
        assert journal_display.value_text("contacts", {"finance": "Fay"}, names) == "Finance: Fay"
        assert journal_display.value_text("until", None, names) == "–"
        assert journal_display.value_text("unknown_key", "as written", names) == "as written"
    with translation.override("de"):
        assert journal_display.value_text("blocked_everywhere", True, names) == "ja"


# --- The CSV export ---------------------------------------------------------------------------------


def exported(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[arg-type]
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_export_is_the_filtered_journal_as_csv(history, login):
    response = login(history.main).get(export_url(history, who="Mats", action="membership_blocked"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="journal-{history.enterprise.number}-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    header, *lines = exported(response)
    assert header == ["Time", "Action", "By", "About", "Scope", "Before", "After", "Reason"]
    assert lines == [
        [
            f"{FIRST:%Y-%m-%d} 12:00:00",
            "blocked for the group",
            "Marie Main",
            "Mats Member",
            "Employer",
            "Status: active",
            f"Status: blocked; Until: {formats.date_format(UNTIL, 'DATE_FORMAT')}; Reason shared with the person: no",
            "Badge lost",
        ]
    ]


def test_the_export_holds_only_the_readers_journal(history, login):
    for persona, expected in (("group_manager", 3), ("finance_manager", 1), ("main", 4)):
        lines = exported(login(getattr(history, persona)).get(export_url(history)))[1:]
        assert len(lines) == expected, persona
    lines = exported(login(history.group_manager).get(export_url(history)))[1:]
    assert "Tax audit" not in str(lines)


def test_the_export_is_in_the_readers_language(history, login):
    client = login(history.main)
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    header, first, *_ = exported(client.get(export_url(history, action="service_granted")))
    assert header[1] == "Actie"
    assert first[1] == "onlinedienst toegekend"


def test_cells_that_a_spreadsheet_would_run_are_neutralised(world, login):
    reasons = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "plain", "–dash"]
    main = actor_of(world, world.main)
    for reason in reasons:
        services.membership_block(main, world.member_membership, reason=reason)
        services.membership_unblock(main, world.member_membership)
    for given_name, surname in (("=cmd|' /C calc'!A0", "@Surname"), ("\tTab", "Start"), ("\rReturn", "Start")):
        services.membership_create(
            main, group=world.groups["employer"], person=factories.person(None, given_name, surname)
        )
    lines = exported(login(world.main).get(export_url(world)))[1:]
    blocked = [line[7] for line in lines if line[1] == "blocked for the group"]
    assert sorted(blocked) == sorted(['\'=HYPERLINK("http://evil")', "'+1+1", "'-2+3", "'@SUM(A1)", "plain", "–dash"])
    added = sorted(line[3] for line in lines if line[1] == "user added to the group")
    assert added == ["'\tTab Start", "'\rReturn Start", "'=cmd|' /C calc'!A0 @Surname"]
    for line in lines:
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_neutralised():
    assert [neutralised(c) for c in ["=1", "+1", "-1", "@a", "\t", "\r", "a=1", ""]] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\t",
        "'\r",
        "a=1",
        "",
    ]


def test_an_export_with_a_number_in_its_address_goes_back_without_it(history, login):
    response = login(history.main).get(export_url(history, who=history.member.niss, action="membership_blocked"))
    assert response.status_code == 302
    assert history.member.niss not in response["Location"]
    assert response["Location"] == journal_url(history, action="membership_blocked")
    leaks.SEEN[:] = [(where, text) for where, text in leaks.SEEN if history.member.niss not in text]


# --- What a page and an export cost ---------------------------------------------------------------


def grow(world, count: int) -> None:
    """`count` more events of the member, each by the MAM, about the member, in the employer group."""
    group = world.groups["employer"]
    AuditEvent.objects.bulk_create(
        AuditEvent(
            enterprise=world.enterprise,
            actor=world.main,
            action="membership_blocked",
            target_person=world.member,
            group=group,
            before={"status": "active"},
            after={"status": "blocked", "until": "2026-12-31", "reason_shared": True},
            reason=f"Reason {i}",
        )
        for i in range(count)
    )


@pytest.mark.parametrize("persona", ["main", "group_manager"])
def test_a_filtered_page_takes_the_same_queries_at_any_size(world, login, persona, django_assert_num_queries):
    client = login(getattr(world, persona))
    url = journal_url(world, person=world.member.pk, who="Mats Member", action="membership_blocked", since="01/01/2026")
    grow(world, 5)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    small = len(captured)
    grow(world, 500)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert len(rows(response)) == 25


@pytest.mark.parametrize("persona", ["main", "group_manager"])
def test_an_export_takes_the_same_queries_at_any_size(world, login, persona, django_assert_num_queries):
    client = login(getattr(world, persona))
    grow(world, 5)
    with CaptureQueriesContext(connection) as captured:
        assert len(exported(client.get(export_url(world, group=world.groups["employer"].pk)))) == 1 + 5
    small = len(captured)
    grow(world, 1200)
    with django_assert_num_queries(small):
        assert len(exported(client.get(export_url(world, group=world.groups["employer"].pk)))) == 1 + 1205


def test_the_export_is_streamed_a_chunk_at_a_time(world, login):
    """The export never holds the journal: its rows are written while the events are read."""
    grow(world, 3)
    response = login(world.main).get(export_url(world))
    assert response.streaming
    content = iter(response.streaming_content)
    assert next(content) == "\ufeff".encode()
    assert next(content).decode().startswith("Time;Action;By;About")


def test_no_national_register_number_in_the_page_or_the_export(history, login):
    client = login(history.main)
    page = client.get(journal_url(history)).content.decode()
    export = b"".join(client.get(export_url(history)).streaming_content).decode()  # type: ignore[arg-type]
    assert not leaks.find(leaks.SECRETS, [("page", page), ("export", export)])


@pytest.mark.parametrize("language", ["en", "fr", "nl", "de"])
def test_each_action_is_named_as_its_choice_in_the_reader_s_language(language):
    """The journal names an action as the choices do, in the language of the page, and shows an
    action it does not know (an old row) as written."""
    with translation.override(language):
        for value, label in AuditEvent.Action.choices:
            assert AuditEvent(action=value).get_action_display() == str(label)
        assert AuditEvent(action="retired_action").get_action_display() == "retired_action"
