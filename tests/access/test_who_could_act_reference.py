"""Who could act on a day, read over the dated rows (access.history), against a reference that
knows nothing of those rows: it replays the journal (the AuditEvent rows the services wrote) and
asks, at each moment of the day when something changed, who held what.

Hypothesis builds random histories through the portal's own services, the clock moving on between
actions: users added with services, grants with and without end dates, revocations, blocks for a
group and for all groups with and without end dates, unblocks, removals, the hourly sweep of end
dates, and the enterprise closed and reopened by staff. Then, for random days of that history,
both must name the same people, groups and services."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access import history, selectors, services
from access.models import AuditEvent, Designation, Enterprise, Grant, Group, Membership, OnlineService, Person
from access.staff_journal import record_staff_change
from access.tasks import end_dates_reached
from tests import factories

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
DAY = timedelta(days=1)
HISTORY = settings(
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=50,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
GROUPS = ("employer", "taxpayer")
SERVICES = {"employer": ("dimona", "dmfa"), "taxpayer": ("myminfin", "intervat")}
# Adding and granting come up more often, and closing the enterprise seldom, so that most
# histories have people acting to compare.
ACTIONS = (
    *("add", "add", "add", "grant", "grant", "grant"),
    *("revoke", "block", "block", "unblock", "delete"),
    *("block_everywhere", "block_everywhere", "unblock_everywhere"),
    *("sweep", "sweep", "close", "reopen", "reopen"),
)


# --- The reference: the journal replayed ---------------------------------------------------------------


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BRUSSELS)


def end_of(until: str | None) -> datetime | None:
    return start_of(date.fromisoformat(until) + DAY) if until else None


@dataclass
class Replay:
    """What the journal says held, as the events are applied one by one."""

    active: bool = True
    members: set[tuple[int, int]] = field(default_factory=set)  # (person, group)
    grants: dict[tuple[int, int, str], datetime | None] = field(default_factory=dict)  # -> planned end
    group_blocks: dict[tuple[int, int], datetime | None] = field(default_factory=dict)
    blocks: dict[int, datetime | None] = field(default_factory=dict)  # blocked for all groups

    def apply(self, event: AuditEvent) -> None:
        # Ids are positive: 0 stands for none (a block for all groups names no group).
        person, group = event.target_person_id or 0, event.group_id or 0
        before, after = event.before or {}, event.after or {}
        action = event.action
        if action == "user_created":
            self.members.add((person, group))
        elif action == "service_granted":
            self.grants[(person, group, after["service"])] = end_of(after.get("until"))
        elif action == "service_revoked":
            self.grants.pop((person, group, before["service"]), None)
        elif action == "membership_blocked":
            self.group_blocks[(person, group)] = end_of(after.get("until"))
        elif action == "membership_unblocked":
            self.group_blocks.pop((person, group), None)
        elif action == "membership_deleted":
            self.members.discard((person, group))
            self.group_blocks.pop((person, group), None)
            for key in [key for key in self.grants if key[:2] == (person, group)]:
                del self.grants[key]
        elif action == "enterprise_blocked":
            self.blocks[person] = end_of(after.get("until"))
        elif action == "enterprise_unblocked":
            self.blocks.pop(person, None)
        elif action == "staff_changed" and "status" in after:
            self.active = after["status"] == "active"

    def acting(self, moment: datetime) -> set[tuple[int, int, str]]:
        def holds(end: datetime | None) -> bool:
            return end is None or moment < end

        if not self.active:
            return set()
        return {
            (person, group, code)
            for (person, group, code), end in self.grants.items()
            if holds(end)
            and (person, group) in self.members
            and not ((person, group) in self.group_blocks and holds(self.group_blocks[(person, group)]))
            and not (person in self.blocks and holds(self.blocks[person]))
        }


def replayed(enterprise: Enterprise, day: date) -> set[tuple[int, int, str]]:
    """Who could act at some moment of the day: the state at its start and after each event in it."""
    start, end = start_of(day), start_of(day + DAY)
    events = list(AuditEvent.objects.filter(enterprise=enterprise).order_by("created_at", "pk"))
    replay, found = Replay(), set()
    moments = sorted({start} | {event.created_at for event in events if start <= event.created_at < end})
    index = 0
    for moment in moments:
        while index < len(events) and events[index].created_at <= moment:
            replay.apply(events[index])
            index += 1
        found |= replay.acting(moment)
    return found


# --- The history: random actions through the services ------------------------------------------------


@dataclass
class Stage:
    enterprise: Enterprise
    groups: dict[str, Group]
    main: Person
    people: list[Person]
    staff_request: HttpRequest


def stage() -> Stage:
    enterprise, groups = factories.enterprise("History", roles=GROUPS)
    main = factories.person(None, "Maud", "Main")
    factories.designate(enterprise, main, "main")
    people = [factories.person(None, "Person", f"P{index}") for index in range(3)]
    request = RequestFactory().post("/admin/")
    request.user = AnonymousUser()
    request.user.get_username = lambda: "staff-member"  # type: ignore[method-assign]
    return Stage(enterprise, groups, main, people, request)


def backdate(s: Stage, moment: datetime) -> None:
    Designation.objects.filter(enterprise=s.enterprise).update(valid_from=moment, designated_at=moment)
    Enterprise.objects.filter(pk=s.enterprise.pk).update(activated_at=moment)
    s.enterprise.refresh_from_db()


def main_actor(s: Stage) -> selectors.Actor:
    enterprise = Enterprise.objects.get(pk=s.enterprise.pk)
    return selectors.Actor(
        person=s.main, enterprise=enterprise, standing=selectors.standing_of(s.main.pk, enterprise.pk)
    )


def until(data: st.DataObject) -> date | None:
    ahead = data.draw(st.none() | st.integers(min_value=0, max_value=4), label="until (days ahead)")
    return None if ahead is None else timezone.localdate() + timedelta(days=ahead)


def act(s: Stage, data: st.DataObject, action: str) -> None:
    """One action at the moment the clock shows; one the state refuses does nothing."""
    person = data.draw(st.sampled_from(s.people), label="person")
    code = data.draw(st.sampled_from(GROUPS), label="group")
    group = s.groups[code]
    membership = Membership.objects.filter(person=person, group=group, removed_at__isnull=True).first()
    service = OnlineService.objects.get(code=data.draw(st.sampled_from(SERVICES[code]), label="service"))
    enterprise = Enterprise.objects.get(pk=s.enterprise.pk)
    try:
        if action == "add":
            chosen = data.draw(st.lists(st.sampled_from(SERVICES[code]), min_size=1, unique=True), label="services")
            services.membership_create(
                main_actor(s),
                group=group,
                person=person,
                services=OnlineService.objects.filter(code__in=chosen),
                until=until(data),
            )
        elif action == "grant" and membership:
            services.grant_create(main_actor(s), membership, service, until=until(data))
        elif action == "revoke" and membership:
            services.grant_revoke(main_actor(s), membership, service)
        elif action == "block" and membership:
            services.membership_block(main_actor(s), membership, reason="Random", until=until(data))
        elif action == "unblock" and membership:
            services.membership_unblock(main_actor(s), membership)
        elif action == "delete" and membership:
            services.membership_delete(main_actor(s), membership, reason="Random")
        elif action == "block_everywhere":
            services.person_block_everywhere(main_actor(s), person, reason="Random", until=until(data))
        elif action == "unblock_everywhere":
            services.person_unblock_everywhere(main_actor(s), person)
        elif action == "sweep":
            end_dates_reached()
        elif action in ("close", "reopen"):
            new = "closed" if action == "close" else "active"
            if enterprise.status != new:
                with transaction.atomic():
                    previous, enterprise.status = enterprise.status, new
                    enterprise.save(update_fields=["status"])
                    services.enterprise_closure_follow(enterprise, previous)
                    # As the admin journals a change of status (access.staff_journal).
                    record_staff_change(s.staff_request, enterprise, before={"status": previous}, after={"status": new})
    except (services.ActionRefused, PermissionDenied):
        pass


@HISTORY
@given(data=st.data())
def test_who_could_act_is_what_the_journal_replayed_says(catalogue, data):
    with transaction.atomic():
        s = stage()
        today = timezone.localdate()
        first = today - timedelta(days=20)
        backdate(s, start_of(first) - 10 * DAY)
        moment = start_of(first) + timedelta(hours=8)
        steps = data.draw(st.lists(st.sampled_from(ACTIONS), min_size=4, max_size=14), label="actions")
        for action in steps:
            moment += timedelta(hours=data.draw(st.integers(min_value=1, max_value=30), label="hours later"))
            with time_machine.travel(moment, tick=False):
                act(s, data, action)

        groups = frozenset(group.pk for group in s.groups.values())
        last = timezone.localtime(moment).date()
        days = data.draw(
            st.lists(st.integers(min_value=-1, max_value=(last - first).days + 1), min_size=3, max_size=6, unique=True),
            label="days asked about",
        )
        for offset in [*days, (last - first).days]:
            day = first + timedelta(days=offset)
            rows = history.who_could_act(s.enterprise, groups, day)
            read = {(row.person.pk, row.grant.membership.group_id, row.service.code) for row in rows}
            assert read == replayed(s.enterprise, day), f"on {day}"
        transaction.set_rollback(True)


def test_the_reference_sees_a_grant_that_held_for_part_of_a_day(catalogue):
    """The reference is not blind: a grant revoked at noon could act that day, not the next."""
    s = stage()
    today = timezone.localdate()
    backdate(s, start_of(today) - 10 * DAY)
    two_days_ago = today - 2 * DAY
    with time_machine.travel(start_of(two_days_ago) + timedelta(hours=9), tick=False):
        services.membership_create(
            main_actor(s),
            group=s.groups["employer"],
            person=s.people[0],
            services=[OnlineService.objects.get(code="dmfa")],
        )
    with time_machine.travel(start_of(two_days_ago) + timedelta(hours=12), tick=False):
        membership = Membership.objects.get(person=s.people[0])
        services.grant_revoke(main_actor(s), membership, OnlineService.objects.get(code="dmfa"))

    held = {(s.people[0].pk, s.groups["employer"].pk, "dmfa")}
    assert replayed(s.enterprise, two_days_ago) == held
    assert replayed(s.enterprise, two_days_ago + DAY) == set()
    groups = frozenset(group.pk for group in s.groups.values())
    assert {
        (r.person.pk, r.grant.membership.group_id, r.service.code)
        for r in history.who_could_act(s.enterprise, groups, two_days_ago)
    } == held
    assert Grant.objects.get().revoked_at is not None
