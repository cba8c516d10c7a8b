"""Grants and blocks with an end date (docs/design.md §5.10, docs/decisions.md §11): the forms take
one and refuse a day already past next to the field, changing nothing; the pages and the journal
show it; "until D" holds through day D and ends when D+1 begins in Brussels, for the pages before
any sweep; the hourly sweep records each end as done by the portal, journals it, tells the person,
and finds nothing the second time."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone

from access import notices, selectors, services
from access.models import AuditEvent, EnterpriseBlock, Grant, GroupBlock, Membership, Notice, OnlineService
from access.tasks import end_dates_reached
from tests.factories import actor_of

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
DAY = timedelta(days=1)
PAST_MESSAGE = "Choose today or a later day: an end date cannot be in the past."


def at(day: date, hour: int = 0, minute: int = 0, second: int = 0):
    """The clock stopped at that moment of that day in Brussels."""
    return time_machine.travel(datetime.combine(day, time(hour, minute, second), tzinfo=BRUSSELS), tick=False)


def service(code: str) -> OnlineService:
    return OnlineService.objects.get(code=code)


def long_date(day: date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def journal_rows():
    return list(AuditEvent.objects.order_by("pk").values_list("action", "actor_id", "before", "after"))


@pytest.fixture
def told(world):
    """The member of the employer group has an e-mail address: the ends are told to them."""
    world.member.email = "mats@example.be"
    world.member.save(update_fields=["email"])
    return world


# --- The forms --------------------------------------------------------------------------------------


def assert_refused_next_to_the_field(response, field: str = "until") -> None:
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in body, "the message is next to the field"
    assert PAST_MESSAGE in body
    assert f'href="#id_{field}"' in body, "the summary of errors leads to the field"
    assert "<title>Error:" in body


def test_a_block_for_the_group_ending_yesterday_is_refused_next_to_the_field(world, login):
    yesterday = timezone.localdate() - DAY
    url = reverse("access:membership_block", args=[world.enterprise.pk, world.member_membership.pk])
    before = journal_rows()

    response = login(world.group_manager).post(url, {"reason": "Holiday", "until": yesterday.isoformat()})

    assert_refused_next_to_the_field(response)
    world.member_membership.refresh_from_db()
    assert world.member_membership.status == "active"
    assert not GroupBlock.objects.exists()
    assert journal_rows() == before


def test_a_block_for_all_groups_ending_yesterday_is_refused_next_to_the_field(world, login):
    yesterday = timezone.localdate() - DAY
    url = reverse("access:person_block", args=[world.enterprise.pk, world.member.pk])
    before = journal_rows()

    response = login(world.main).post(url, {"reason": "Inquiry", "until": yesterday.isoformat()})

    assert_refused_next_to_the_field(response)
    assert not EnterpriseBlock.objects.exists()
    assert journal_rows() == before


def test_a_grant_ending_yesterday_is_refused_next_to_the_field_on_the_membership_page(world, login):
    yesterday = timezone.localdate() - DAY
    url = reverse("access:grant_add", args=[world.enterprise.pk, world.member_membership.pk])
    before = journal_rows()

    response = login(world.group_manager).post(url, {"service": service("dmfa").pk, "until": yesterday.isoformat()})

    assert_refused_next_to_the_field(response)
    assert "DmfA" in response.content.decode(), "the form keeps the service chosen"
    assert not Grant.objects.filter(service__code="dmfa").exists()
    assert journal_rows() == before


def test_a_user_added_with_services_ending_yesterday_is_refused_and_nobody_is_added(world, login):
    url = reverse("access:user_add", args=[world.enterprise.pk, world.groups["employer"].pk])
    data = {
        "niss": world.outsider.niss,
        "services": [service("dmfa").pk],
        "until": (timezone.localdate() - DAY).isoformat(),
        "confirm": "on",
    }
    before = journal_rows()

    response = login(world.group_manager).post(url, data)

    assert_refused_next_to_the_field(response)
    assert not Membership.objects.filter(person=world.outsider).exists()
    assert journal_rows() == before


def test_an_end_date_today_or_later_is_kept_journaled_and_shown(told, login):
    world = told
    today = timezone.localdate()
    manager = login(world.group_manager)
    e, m = world.enterprise.pk, world.member_membership.pk

    manager.post(reverse("access:grant_add", args=[e, m]), {"service": service("dmfa").pk, "until": today.isoformat()})
    manager.post(
        reverse("access:membership_block", args=[e, m]), {"reason": "Holiday", "until": (today + DAY).isoformat()}
    )
    added = manager.post(
        reverse("access:user_add", args=[e, world.groups["employer"].pk]),
        {"niss": world.outsider.niss, "services": [service("dimona").pk], "until": today.isoformat(), "confirm": "on"},
    )
    assert added.status_code == 302
    login(world.main).post(
        reverse("access:person_block", args=[e, world.tax_member.pk]),
        {"reason": "Inquiry", "until": (today + 2 * DAY).isoformat()},
    )

    grant = Grant.objects.get(membership_id=m, service__code="dmfa")
    assert (grant.valid_until, grant.granted_by) == (today, world.group_manager)
    assert Grant.objects.get(membership__person=world.outsider).valid_until == today
    [block] = GroupBlock.objects.all()
    assert (block.membership_id, block.until, block.reason) == (m, today + DAY, "Holiday")
    assert block.blocked_by == world.group_manager
    granted = AuditEvent.objects.filter(action="service_granted").order_by("pk")
    assert [event.after for event in granted] == [
        {"service": "dmfa", "until": today.isoformat()},
        {"service": "dimona", "until": today.isoformat()},
    ]
    created = AuditEvent.objects.get(action="user_created")
    assert created.after == {"status": "active", "services": ["dimona"], "until": today.isoformat()}
    assert Notice.objects.get(person=world.member, kind="granted").details["until"] == today.isoformat()

    until_today, until_tomorrow = f"until {long_date(today)}", f"until {long_date(today + DAY)}"
    group_page = manager.get(reverse("access:group_detail", args=[e, world.groups["employer"].pk])).content.decode()
    assert f"DmfA (multifunctional declaration) ({until_today})" in group_page
    assert f"blocked {until_tomorrow}" in group_page
    assert f"Dimona (immediate declaration of employment) ({until_today})" in group_page  # the newcomer's
    member_page = manager.get(reverse("access:membership_edit", args=[e, m])).content.decode()
    assert f"DmfA (multifunctional declaration) ({until_today})" in member_page
    assert f"<strong>blocked {until_tomorrow}</strong>" in member_page
    main = login(world.main)
    user_page = main.get(reverse("access:user_detail", args=[e, world.member.pk])).content.decode()
    assert f"blocked {until_tomorrow} – Holiday" in user_page
    assert f"DmfA (multifunctional declaration) ({until_today})" in user_page
    taxman = main.get(reverse("access:user_detail", args=[e, world.tax_member.pk])).content.decode()
    assert f"Blocked for all groups until {long_date(today + 2 * DAY)} (Inquiry)" in taxman
    users = main.get(reverse("access:user_list", args=[e])).content.decode()
    assert f"Employer (blocked {until_tomorrow})" in users
    assert f"blocked for all groups until {long_date(today + 2 * DAY)}</span>" in users
    journal = main.get(reverse("access:journal", args=[e]) + "?action=service_granted").content.decode()
    assert f"Until: {long_date(today)}" in journal


# --- "Until D" ends when D+1 begins, before any sweep -------------------------------------------------


def test_the_pages_read_an_end_date_that_has_come_before_the_sweep(world, login):
    today = timezone.localdate()
    gm = actor_of(world, world.group_manager)
    services.membership_block(gm, world.member_membership, reason="Holiday", until=today)
    services.grant_create(gm, world.member_membership, service("dmfa"), until=today)
    e, m = world.enterprise.pk, world.member_membership.pk

    with at(today, 23, 59, 59):
        membership = Membership.objects.get(pk=m)
        assert membership.is_blocked
        assert selectors.effective_services(world.member, world.enterprise) == set()
        page = login(world.group_manager).get(reverse("access:membership_edit", args=[e, m])).content.decode()
        assert "Unblock for this group" in page

    with at(today + DAY, 0, 0, 1):
        membership = Membership.objects.get(pk=m)
        assert membership.status == "blocked", "the sweep has not run"
        assert not membership.is_blocked
        assert selectors.effective_services(world.member, world.enterprise) >= {"dimona"}
        assert "dmfa" not in selectors.effective_services(world.member, world.enterprise)
        manager = login(world.group_manager)
        page = manager.get(reverse("access:membership_edit", args=[e, m])).content.decode()
        assert "<strong>active</strong>" in page and "Block for this group" in page
        assert "DmfA" not in page.split("<h2>Online services</h2>")[1].split("<form")[0]
        dashboard = manager.get(reverse("access:dashboard", args=[e])).content.decode()
        employer = next(g for g in selectors.groups_in_scope(actor_of(world, world.group_manager)))
        assert (employer.active_count, employer.blocked_count) == (1, 0)
        assert "Employer" in dashboard


def test_a_manager_acting_before_the_sweep_records_the_end_first(told):
    world = told
    today = timezone.localdate()
    gm = actor_of(world, world.group_manager)
    services.membership_block(gm, world.member_membership, reason="Holiday", until=today)
    services.grant_create(gm, world.member_membership, service("dmfa"), until=today)
    main = actor_of(world, world.main)
    services.person_block_everywhere(main, world.tax_member, reason="Inquiry", until=today)
    services.membership_block(main, world.pension_membership, reason="Audit", until=today)

    with at(today + DAY, 9):
        gm, main = actor_of(world, world.group_manager), actor_of(world, world.main)
        services.grant_create(gm, world.member_membership, service("dmfa"))
        services.membership_block(gm, world.member_membership, reason="Another inquiry")
        services.person_block_everywhere(main, world.tax_member, reason="Still")
        # A block whose end has come is not there to lift.
        with pytest.raises(services.ActionRefused):
            services.membership_unblock(main, world.pension_membership)

    events = list(AuditEvent.objects.filter(actor__isnull=True).order_by("pk").values_list("action", "after"))
    assert events == [
        ("service_revoked", {"end_date_reached": today.isoformat()}),
        ("membership_unblocked", {"status": "active", "end_date_reached": today.isoformat()}),
        ("enterprise_unblocked", {"blocked_everywhere": False, "end_date_reached": today.isoformat()}),
    ]
    assert Grant.objects.filter(service__code="dmfa", revoked_at__isnull=True).count() == 1
    assert [(b.reason, b.lifted_at is None) for b in GroupBlock.objects.order_by("pk")] == [
        ("Holiday", False),
        ("Audit", True),  # its end is the sweep's to record
        ("Another inquiry", True),
    ]
    assert EnterpriseBlock.objects.filter(lifted_at__isnull=True).get().reason == "Still"


# --- The sweep ------------------------------------------------------------------------------------------


def test_the_sweep_ends_what_has_reached_its_end_date_as_the_portal_and_tells_the_person(told, login):
    world = told
    today = timezone.localdate()
    gm, main = actor_of(world, world.group_manager), actor_of(world, world.main)
    services.grant_create(gm, world.member_membership, service("dmfa"), until=today)
    services.membership_block(gm, world.member_membership, reason="Holiday", until=today + DAY)
    services.person_block_everywhere(main, world.member, reason="Inquiry", until=today)
    services.grant_create(gm, world.member_membership, service("chaman"), until=today + DAY)  # not yet
    Notice.objects.all().delete()
    before = AuditEvent.objects.count()

    with at(today + DAY, 0, 5):
        assert end_dates_reached() == 2
        assert end_dates_reached() == 0, "run twice, it finds nothing"
    with at(today + 2 * DAY, 0, 5):
        assert end_dates_reached() == 2
        assert end_dates_reached() == 0

    ended = list(AuditEvent.objects.order_by("pk")[before:].values_list("action", "actor", "before", "after"))
    assert ended == [
        (
            "service_revoked",
            None,
            {"service": "dmfa", "until": today.isoformat()},
            {"end_date_reached": today.isoformat()},
        ),
        (
            "enterprise_unblocked",
            None,
            {"blocked_everywhere": True, "until": today.isoformat(), "reason": "Inquiry"},
            {"blocked_everywhere": False, "end_date_reached": today.isoformat()},
        ),
        (
            "service_revoked",
            None,
            {"service": "chaman", "until": (today + DAY).isoformat()},
            {"end_date_reached": (today + DAY).isoformat()},
        ),
        (
            "membership_unblocked",
            None,
            {"status": "blocked", "until": (today + DAY).isoformat(), "reason": "Holiday"},
            {"status": "active", "end_date_reached": (today + DAY).isoformat()},
        ),
    ]
    membership = Membership.objects.get(pk=world.member_membership.pk)
    assert (membership.status, membership.blocked_at, membership.block_reason, membership.blocked_until) == (
        "active",
        None,
        "",
        None,
    )
    assert GroupBlock.objects.get().lifted_at is not None
    assert not Grant.objects.filter(service__code__in=["dmfa", "chaman"], revoked_at__isnull=True).exists()
    assert Grant.objects.get(service__code="dmfa").revoked_by is None

    # The person is told, in words, through the notices' e-mail.
    subject, body = notices.written(world.member, list(Notice.objects.filter(person=world.member).order_by("pk")))
    assert (
        f"Your online service DmfA (multifunctional declaration), in the group Employer, has ended: "
        f"it was granted until {long_date(today)}." in body
    )
    assert f"Your block for all groups of the enterprise has ended: it ran until {long_date(today)}." in body
    assert f"Your block for the group Employer has ended: it ran until {long_date(today + DAY)}." in body

    # The journal says the portal did it, in every language.
    page = login(world.main).get(reverse("access:journal", args=[world.enterprise.pk]) + "?action=service_revoked")
    text = page.content.decode()
    assert '<td data-label="By">The portal</td>' in text
    assert f"End date reached: {long_date(today)}" in text


def test_the_sweep_is_in_the_beat_schedule_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["end-dates-reached"]
    assert entry["task"] == "access.tasks.end_dates_reached"
    assert entry["schedule"].minute == {5} and entry["schedule"].hour == set(range(24))


def test_the_system_is_named_in_every_language(world):
    from django.utils import translation

    from access import journal_display

    event = AuditEvent(actor=None, after={"end_date_reached": "2026-03-31"})
    names = {}
    for language in ("en", "fr", "nl", "de"):
        with translation.override(language):
            names[language] = journal_display.by_whom(event)
    assert names == {"en": "The portal", "fr": "Le portail", "nl": "Het portaal", "de": "Das Portal"}
