"""Unused access ends (docs/design.md §5.13): off by default; the MAM or a co-MAM chooses 6 to 24
months, journaled; every morning a grant unused for that long (no use of the service by its holder
for the enterprise since, and granted before) is warned 14 days ahead, in one e-mail per person per
batch, then ended unless used meanwhile; all journaled as done by the system. Dates are moved with
time-machine."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from access import notices, services, unused
from access.models import AuditEvent, Grant, Notice, OnlineService, ServiceUse, UnusedAccessSetting, UnusedGrantWarning
from access.tasks import unused_grants_end
from tests import factories
from tests.factories import actor_of

pytestmark = pytest.mark.django_db

TODAY = date(2027, 9, 1)


def at(day: date, hour: int = 5):
    return time_machine.travel(timezone.make_aware(datetime(day.year, day.month, day.day, hour, 30)), tick=False)


def granted_on(grant: Grant, day: date) -> Grant:
    Grant.objects.filter(pk=grant.pk).update(granted_at=timezone.make_aware(datetime(day.year, day.month, day.day)))
    return Grant.objects.get(pk=grant.pk)


def used_on(grant: Grant, day: date) -> None:
    ServiceUse.objects.update_or_create(
        person=grant.membership.person,
        enterprise=grant.membership.group.enterprise,
        service=grant.service,
        defaults={"last_used_at": timezone.make_aware(datetime(day.year, day.month, day.day, 10))},
    )


def dimona(world) -> Grant:
    return Grant.objects.get(membership=world.member_membership, service__code="dimona")


@pytest.fixture
def six_months(world):
    """Acme ends grants unused for six months; its member has an e-mail address, and Dimona granted
    a year ago, never used."""
    world.member.email = "mats@example.be"
    world.member.save(update_fields=["email"])
    with at(TODAY - timedelta(days=30)):
        services.unused_access_change(actor_of(world, world.main), 6)
    granted_on(dimona(world), date(2026, 9, 1))
    for grant in Grant.objects.exclude(pk=dimona(world).pk):
        granted_on(grant, TODAY - timedelta(days=10))  # recent: not concerned
    return world


def revoked(grant: Grant) -> bool:
    return Grant.objects.get(pk=grant.pk).revoked_at is not None


# --- The setting ---------------------------------------------------------------------------------


def test_the_setting_is_off_by_default_and_nothing_ends(world):
    granted_on(dimona(world), date(2020, 1, 1))
    with at(TODAY):
        assert unused_grants_end() == 0
    assert not UnusedAccessSetting.objects.exists()
    assert not UnusedGrantWarning.objects.exists() and not revoked(dimona(world))


def test_the_main_managers_change_the_setting_journaled(world):
    setting = services.unused_access_change(actor_of(world, world.co_main), 12)
    assert (setting.months, setting.changed_by) == (12, world.co_main)
    services.unused_access_change(actor_of(world, world.main), None)
    events = AuditEvent.objects.filter(action="unused_access_changed").order_by("pk")
    assert [(e.actor, e.before, e.after) for e in events] == [
        (world.co_main, {"months": "off"}, {"months": 12}),
        (world.main, {"months": 12}, {"months": "off"}),
    ]
    assert UnusedAccessSetting.objects.get().months is None


@pytest.mark.parametrize("who", ["access_manager", "group_manager", "member", "legal_representative"])
def test_only_the_main_managers_change_it(world, who):
    with pytest.raises(PermissionDenied):
        services.unused_access_change(actor_of(world, getattr(world, who)), 6)
    assert not UnusedAccessSetting.objects.exists()


@pytest.mark.parametrize("months", [0, 5, 25])
def test_six_to_twenty_four_months(world, months):
    with pytest.raises(services.ActionRefused):
        services.unused_access_change(actor_of(world, world.main), months)
    services.unused_access_change(actor_of(world, world.main), 24)
    with pytest.raises(services.ActionRefused, match="nothing changed"):
        services.unused_access_change(actor_of(world, world.main), 24)


# --- Warned, then ended -----------------------------------------------------------------------------


def test_an_unused_grant_is_warned_fourteen_days_ahead_then_ends(six_months):
    w, grant = six_months, dimona(six_months)
    with at(TODAY):
        assert unused_grants_end() == 1
    warning = UnusedGrantWarning.objects.get()
    assert (warning.grant, warning.ends_on, warning.months) == (grant, date(2027, 9, 15), 6)
    warned = AuditEvent.objects.get(action="unused_warned")
    assert (warned.actor, warned.target_person, warned.group) == (None, w.member, w.groups["employer"])
    assert warned.after == {"service": "dimona", "ends_on": "2027-09-15", "months": 6}
    notice = Notice.objects.get(kind="unused_warning")
    assert notice.details == {"group": "employer", "service": "dimona", "until": "2027-09-15", "months": 6}
    assert not revoked(grant)

    with at(date(2027, 9, 14)):
        assert unused_grants_end() == 0  # warned once; not yet its day
    assert not revoked(grant)

    with at(date(2027, 9, 15)):
        assert unused_grants_end() == 1
    assert revoked(grant) and Grant.objects.get(pk=grant.pk).revoked_by is None
    ended = AuditEvent.objects.get(action="unused_ended")
    assert (ended.actor, ended.target_person, ended.group) == (None, w.member, w.groups["employer"])
    assert (ended.before, ended.after) == ({"service": "dimona"}, {"months": 6, "last_used": None})
    assert Notice.objects.filter(person=w.member, kind="unused_ended").count() == 1
    # The other grants are recent: nothing for them.
    assert AuditEvent.objects.filter(action__in=["unused_warned", "unused_ended"]).count() == 2


def test_a_grant_used_after_its_warning_does_not_end_and_is_warned_again_when_unused_again(six_months):
    grant = dimona(six_months)
    warnings = UnusedGrantWarning.objects.filter(grant=grant)
    with at(TODAY):
        unused_grants_end()
    used_on(grant, date(2027, 9, 10))
    with at(date(2027, 9, 15)):
        unused_grants_end()
    assert not revoked(grant)
    # Unused for six months after the morning of 11 March: warned 14 days before, to end then.
    with at(date(2028, 2, 25)):
        unused_grants_end()
    assert warnings.count() == 1
    with at(date(2028, 2, 26)):
        unused_grants_end()
    assert list(warnings.order_by("pk").values_list("ends_on", flat=True)) == [
        date(2027, 9, 15),
        date(2028, 3, 11),
    ]
    with at(date(2028, 3, 10)):
        unused_grants_end()
    assert not revoked(grant)
    with at(date(2028, 3, 11)):
        unused_grants_end()
    assert revoked(grant)
    ended = AuditEvent.objects.get(action="unused_ended", before={"service": "dimona"})
    assert ended.after == {"months": 6, "last_used": "2027-09-10"}


def test_a_grant_used_within_the_months_or_younger_is_not_warned(six_months):
    grant = dimona(six_months)
    used_on(grant, date(2027, 4, 1))  # five months before
    young = factories.member(six_months.pension_member, six_months.groups["employer"], ("dmfa",)).grants.get()
    granted_on(young, date(2027, 5, 1))
    with at(TODAY):
        unused_grants_end()
    assert not UnusedGrantWarning.objects.exists()


def test_a_use_for_another_enterprise_does_not_count(six_months):
    grant = dimona(six_months)
    ServiceUse.objects.create(
        person=six_months.member,
        enterprise=six_months.other_enterprise,
        service=grant.service,
        last_used_at=timezone.make_aware(datetime(2027, 8, 1)),
    )
    with at(TODAY):
        unused_grants_end()
    assert UnusedGrantWarning.objects.filter(grant=grant).exists()


def test_a_change_of_the_months_voids_the_warnings(six_months):
    w, grant = six_months, dimona(six_months)
    with at(TODAY):
        unused_grants_end()
    with at(TODAY, hour=9):
        services.unused_access_change(actor_of(w, w.main), 24)
    with at(date(2027, 9, 15)):
        unused_grants_end()
    assert not revoked(grant)
    with at(date(2027, 9, 16)):
        services.unused_access_change(actor_of(w, w.main), 6)
        unused_grants_end()  # warned again, under six months: 14 more days
    with at(date(2027, 9, 29)):
        unused_grants_end()
    assert not revoked(grant)
    with at(date(2027, 9, 30)):
        unused_grants_end()
    assert revoked(grant)


def test_turned_off_nothing_ends(six_months):
    with at(TODAY):
        unused_grants_end()
    with at(TODAY, hour=9):
        services.unused_access_change(actor_of(six_months, six_months.main), None)
    with at(date(2027, 9, 20)):
        unused_grants_end()
    assert not revoked(dimona(six_months))


def test_one_email_per_person_for_a_batch_of_warnings(six_months, settings):
    settings.NOTICE_BATCH_SECONDS = 120
    w = six_months
    dmfa = OnlineService.objects.get(code="dmfa")
    second = Grant.objects.create(membership=w.member_membership, service=dmfa)
    granted_on(second, date(2026, 1, 1))
    with at(TODAY):
        unused_grants_end()
    assert Notice.objects.filter(person=w.member, kind="unused_warning").count() == 2
    with time_machine.travel(timezone.make_aware(datetime(2027, 9, 1, 5, 33)), tick=False):
        [message] = notices.notices_gather(w.member.pk)
    assert message.body.count("unless you use it before then") == 2
    assert "ends on Sept. 15, 2027 unless" in message.body


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert unused.months_before(date(2027, 8, 31), 6) == date(2027, 2, 28)
    assert unused.months_before(date(2027, 1, 15), 24) == date(2025, 1, 15)
