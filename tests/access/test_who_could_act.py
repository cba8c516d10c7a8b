"""Who could act for the enterprise on a day (docs/design.md §5.11): the page lists, by online
service, the grants through which people could act at some moment of that day, in the groups the
manager manages; a day in error is said next to its field and lists nobody; the list downloads as
CSV with every cell a spreadsheet would run made text; and the page costs the same queries however
many people there are."""

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from access import history, services
from access.models import OnlineService, Person
from tests import factories
from tests.factories import actor_of
from tests.queries import queries_of

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
DAY = timedelta(days=1)


def at(day: date, hour: int = 12):
    return time_machine.travel(datetime.combine(day, time(hour), tzinfo=BRUSSELS), tick=False)


def service(code: str) -> OnlineService:
    return OnlineService.objects.get(code=code)


def url(world, **query) -> str:
    path = reverse("access:who_could_act", args=[world.enterprise.pk])
    return path + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def shown(world, day: date, **extra) -> set[tuple[str, str, str]]:
    """(service, person, group) of the rows the history gives the MAM for that day."""
    rows = history.who_could_act(world.enterprise, frozenset(world.groups[g].pk for g in world.groups), day, **extra)
    return {(row.service.code, row.person.full_name, row.group_name) for row in rows}


def backdated(world, days: int = 30):
    """The world as if it had been built `days` ago: managers, users and grants since then."""
    from access.models import Designation, Enterprise, Grant, LegalRepresentative, Membership

    then = timezone.now() - days * DAY
    Designation.objects.update(valid_from=then, designated_at=then)
    LegalRepresentative.objects.update(valid_from=then.date())
    Membership.objects.update(created_at=then)
    Grant.objects.update(granted_at=then)
    Enterprise.objects.update(activated_at=then)
    world.enterprise.refresh_from_db()
    return world


@pytest.fixture
def story(world):
    """Five days ago the employer group's Group Manager granted DmfA to Mats until three days ago;
    four days ago Mats was blocked for the group until two days ago; the taxpayer was blocked for
    all groups two days ago, lifted yesterday at noon; yesterday the pension-fund user was removed."""
    backdated(world)
    today = timezone.localdate()
    with at(today - 5 * DAY, 9):
        services.grant_create(
            actor_of(world, world.group_manager), world.member_membership, service("dmfa"), until=today - 3 * DAY
        )
    with at(today - 4 * DAY, 10):
        services.membership_block(
            actor_of(world, world.group_manager), world.member_membership, reason="Leave", until=today - 2 * DAY
        )
    with at(today - 2 * DAY, 15):
        services.person_block_everywhere(actor_of(world, world.main), world.tax_member, reason="Inquiry")
    with at(today - DAY, 12):
        services.person_unblock_everywhere(actor_of(world, world.main), world.tax_member)
        services.membership_delete(actor_of(world, world.main), world.pension_membership, reason="Left")
    return world


def test_the_history_follows_grants_blocks_ends_and_removals(story):
    world, today = story, timezone.localdate()
    mats, paula, tom = "Mats Member", "Paula Pension", "Tom Taxman"
    assert shown(world, today - 31 * DAY) == set(), "before the users were added"

    everyone = {
        ("dimona", mats, "Employer"),
        ("db2p", paula, "Pension-fund manager"),
        ("myminfin", tom, "Corporate taxpayer"),
    }
    assert shown(world, today - 6 * DAY) == everyone
    # Five days ago DmfA was granted (at 9:00): Mats could use both.
    assert shown(world, today - 5 * DAY) == everyone | {("dmfa", mats, "Employer")}
    # Four days ago, blocked at 10:00: he could act before that.
    assert shown(world, today - 4 * DAY) == everyone | {("dmfa", mats, "Employer")}
    # Three days ago: blocked all day (DmfA's last day too).
    assert shown(world, today - 3 * DAY) == everyone - {("dimona", mats, "Employer")}
    # Two days ago: the block's last day; the taxpayer blocked for all groups at 15:00.
    assert shown(world, today - 2 * DAY) == everyone - {("dimona", mats, "Employer")}
    # Yesterday: the block over, DmfA over; the taxpayer unblocked at noon; Paula removed at noon.
    assert shown(world, today - DAY) == everyone
    assert shown(world, today) == everyone - {("db2p", paula, "Pension-fund manager")}
    assert shown(world, today - 5 * DAY, service_id=service("dmfa").pk) == {("dmfa", mats, "Employer")}


def test_a_closed_enterprise_had_nobody_acting_while_closed(world):
    from access.models import EnterpriseClosure, Grant, Membership

    today = timezone.localdate()
    backdated(world)
    Membership.objects.update(created_at=timezone.now() - 40 * DAY)
    Grant.objects.update(granted_at=timezone.now() - 40 * DAY)
    closed_at = datetime.combine(today - 10 * DAY, time(18), tzinfo=BRUSSELS)
    EnterpriseClosure.objects.create(
        enterprise=world.enterprise, status="closed", closed_at=closed_at, reopened_at=closed_at + 3 * DAY
    )

    assert shown(world, today - 35 * DAY) == set(), "not activated yet"
    assert len(shown(world, today - 10 * DAY)) == 3, "closed in the evening"
    assert shown(world, today - 9 * DAY) == set()
    assert shown(world, today - 8 * DAY) == set()
    assert len(shown(world, today - 7 * DAY)) == 3, "reopened in the evening"


def test_what_ended_before_the_enterprise_reopened_that_day_gave_no_moment_to_act(world):
    """Reopened at 15:00: the user removed at 12:00 and the grant revoked at 14:00 gave none; the
    grant revoked at 16:00 did, as did the block for all groups lifted at 15:30."""
    from access.models import EnterpriseBlock, EnterpriseClosure, Grant, Membership

    today = timezone.localdate()
    backdated(world)
    day = today - 5 * DAY

    def moment(hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=BRUSSELS)

    EnterpriseClosure.objects.create(
        enterprise=world.enterprise, status="closed", closed_at=moment(9) - 3 * DAY, reopened_at=moment(15)
    )
    Membership.objects.filter(pk=world.pension_membership.pk).update(removed_at=moment(12))
    Grant.objects.filter(membership=world.member_membership).update(revoked_at=moment(14))
    Grant.objects.filter(membership=world.tax_membership).update(revoked_at=moment(16))
    tom = ("myminfin", "Tom Taxman", "Corporate taxpayer")

    assert shown(world, day) == {tom}
    EnterpriseBlock.objects.create(
        enterprise=world.enterprise,
        person=world.tax_member,
        blocked_by=world.main,
        blocked_at=moment(8),
        lifted_at=moment(15, 30),
        reason="Inquiry",
    )
    assert shown(world, day) == {tom}, "blocked until 15:30, revoked at 16:00"
    EnterpriseBlock.objects.filter(person=world.tax_member).update(lifted_at=moment(16, 30))
    assert shown(world, day) == set()


def test_the_days_blocks_are_read_in_a_query_that_sqlite_runs_too(world):
    """`make run` serves the portal on SQLite, which refuses an ORDER BY inside a UNION: the page
    answered 500 there while PostgreSQL ran it."""
    from django.db import connections
    from django.db.backends.sqlite3.base import DatabaseWrapper

    sqlite = DatabaseWrapper({**connections["default"].settings_dict, "ENGINE": "django.db.backends.sqlite3"})
    blocks = history.blocks_touching(world.enterprise, [group.pk for group in world.groups.values()], date.today())
    sql, _params = blocks.query.get_compiler(connection=sqlite).as_sql()
    assert "UNION ALL" in sql


def test_the_page_lists_by_service_in_the_managers_scope(story, login):
    world, today = story, timezone.localdate()
    day = (today - 5 * DAY).strftime("%d/%m/%Y")

    main = login(world.main).get(url(world, day=day)).content.decode()
    gm = login(world.group_manager).get(url(world, day=day)).content.decode()

    assert '<h3 id="service-' in main
    assert "DmfA (multifunctional declaration)</h3>" in main
    assert "Greta Group" in main, "the manager behind the grant"
    assert f"{(today - 3 * DAY):%d}" in main
    # The Group Manager of the employer group sees that group only.
    assert "Mats Member" in gm and "Paula Pension" not in gm and "Tom Taxman" not in gm
    assert reverse("access:who_could_act_export", args=[world.enterprise.pk]) in gm
    export = reverse("access:who_could_act_export", args=[world.enterprise.pk]) + f"?day={day}"
    downloaded = b"".join(login(world.group_manager).get(export).streaming_content).decode()
    assert "Mats Member" in downloaded and "Paula Pension" not in downloaded and "Tom Taxman" not in downloaded


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("31/02/2026", "Enter a date as day/month/year, e.g. 31/03/2026."),
        ("", "Enter the day, as day/month/year, e.g. 31/03/2026."),
        ("tomorrow", "Enter a date as day/month/year, e.g. 31/03/2026."),
        ("future", "Choose today or a day in the past: the portal cannot tell who will be able to act."),
    ],
)
def test_a_day_in_error_is_said_next_to_its_field_and_lists_nobody(world, login, day, message):
    if day == "future":
        day = (timezone.localdate() + DAY).strftime("%d/%m/%Y")
    response = login(world.main).get(url(world, day=day))
    body = response.content.decode()

    assert response.status_code == 200
    assert 'id="id_day_error"' in body and message in body
    assert 'href="#id_day"' in body and "<title>Error:" in body
    assert "Mats Member" not in body
    assert "Download this list" not in body


def test_a_service_not_offered_is_refused(world, login):
    body = login(world.group_manager).get(url(world, day="01/01/2026", service=service("myminfin").pk))
    assert 'id="id_service_error"' in body.content.decode()
    assert "Choose an online service from the list." in body.content.decode()


def test_the_export_is_the_list_with_every_formula_made_text(world, login):
    Person.objects.filter(pk=world.member.pk).update(given_name="=HYPERLINK(1)", surname="@SUM")
    today = timezone.localdate().strftime("%d/%m/%Y")
    export = reverse("access:who_could_act_export", args=[world.enterprise.pk])

    response = login(world.main).get(f"{export}?service={service('dimona').pk}&day={today}")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    name = f"who-could-act-{world.enterprise.number}-{timezone.localdate():%Y-%m-%d}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert header == [
        "Online service",
        "Person",
        "National register number",
        "Group",
        "Granted at",
        "Granted by",
        "Until",
    ]
    assert [row[:4] for row in rows] == [
        [
            "Dimona (immediate declaration of employment)",
            "'=HYPERLINK(1) @SUM",
            world.member.niss_masked,
            "Employer",
        ]
    ]


def test_an_export_with_a_day_in_error_leads_back_to_the_page(world, login):
    export = reverse("access:who_could_act_export", args=[world.enterprise.pk])
    response = login(world.main).get(f"{export}?day=31/02/2026")
    assert response.status_code == 302
    assert response["Location"] == url(world, day="31%2F02%2F2026")


def test_the_page_is_in_the_managers_menu_only(world, login):
    link = reverse("access:who_could_act", args=[world.enterprise.pk])
    for person in (world.main, world.co_main, world.access_manager, world.group_manager):
        assert link in login(person).get(reverse("access:dashboard", args=[world.enterprise.pk])).content.decode()
    for person in (world.member, world.legal_representative):
        assert link not in login(person).get(reverse("access:dashboard", args=[world.enterprise.pk])).content.decode()


def many_people(world, count: int) -> None:
    """Users of the employer group with a grant, a block ended, a block for all groups lifted."""
    main = actor_of(world, world.main)
    for index in range(count):
        person = factories.person(None, "Many", f"People{index}")
        membership = factories.member(person, world.groups["employer"], ("dimona", "dmfa"))
        services.membership_block(main, membership, reason="Checked")
        services.membership_unblock(main, membership)
        services.person_block_everywhere(main, person, reason="Checked")
        services.person_unblock_everywhere(main, person)


def test_the_page_and_its_export_cost_the_same_queries_as_data_grows(world, login, four_eyes_off):
    client = login(world.main)
    today = timezone.localdate().strftime("%d/%m/%Y")
    page = url(world, day=today)
    export = reverse("access:who_could_act_export", args=[world.enterprise.pk]) + f"?day={today}"

    def export_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = client.get(export)
            b"".join(response.streaming_content)
        return len(captured)

    many_people(world, 2)
    small, small_export = queries_of(client, page), export_queries()
    many_people(world, 30)
    assert queries_of(client, page) == small
    assert export_queries() == small_export
    assert (
        "People29" in client.get(page + "&page=2").content.decode() or "People29" in client.get(page).content.decode()
    )
