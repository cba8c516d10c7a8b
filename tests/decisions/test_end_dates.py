"""The decision point and end dates (docs/decisions.md §11): a grant or a block "until D" holds
through day D and ends when D+1 begins in Brussels, whether or not the hourly sweep has recorded
the end yet. The clock is stopped on either side of midnight, with nothing swept in between."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from access import services
from access.models import AuditEvent, EnterpriseBlock, Grant, Membership, OnlineService
from tests.decisions.conftest import EVALUATION, ask, question, register, token
from tests.factories import actor_of

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")
DAY = timedelta(days=1)


def at(day: date, hour: int, minute: int = 0, second: int = 0):
    return time_machine.travel(datetime.combine(day, time(hour, minute, second), tzinfo=BRUSSELS), tick=False)


@pytest.fixture
def client_of_the_services(world):
    return register("Every service", tuple(OnlineService.objects.values_list("code", flat=True)))


def decided(client_of_the_services, person, enterprise, service: str) -> dict:
    """The decision at the moment the clock shows, with a token fetched then (tokens live minutes)."""
    bearer = token(*client_of_the_services)
    response = ask(EVALUATION, question(person, enterprise, service), bearer)
    assert response.status_code == 200, response.content
    return response.json()


def nothing_swept() -> bool:
    return not AuditEvent.objects.filter(actor__isnull=True, after__has_key="end_date_reached").exists()


def test_a_block_for_the_group_is_permitted_from_the_day_after_its_end_date(world, client_of_the_services):
    end = timezone.localdate() + 2 * DAY
    services.membership_block(actor_of(world, world.group_manager), world.member_membership, reason="Leave", until=end)

    with at(end, 23, 59, 59):
        answer = decided(client_of_the_services, world.member, world.enterprise, "dimona")
        assert answer["decision"] is False
        assert answer["context"]["reason"] == "blocked_in_group"
    with at(end + DAY, 0, 0, 1):
        assert decided(client_of_the_services, world.member, world.enterprise, "dimona") == {"decision": True}
        assert Membership.objects.get(pk=world.member_membership.pk).status == "blocked"
        assert nothing_swept()


def test_a_block_for_all_groups_is_permitted_from_the_day_after_its_end_date(world, client_of_the_services):
    end = timezone.localdate() + DAY
    services.person_block_everywhere(actor_of(world, world.main), world.member, reason="Inquiry", until=end)

    with at(end, 23, 59, 59):
        answer = decided(client_of_the_services, world.member, world.enterprise, "dimona")
        assert answer["context"]["reason"] == "blocked_everywhere"
    with at(end + DAY, 0, 0, 1):
        assert decided(client_of_the_services, world.member, world.enterprise, "dimona") == {"decision": True}
        assert EnterpriseBlock.objects.get().lifted_at is None
        assert nothing_swept()


def test_a_grant_is_denied_from_the_day_after_its_end_date_and_says_so(world, client_of_the_services):
    end = timezone.localdate() + 3 * DAY
    services.grant_create(
        actor_of(world, world.group_manager),
        world.member_membership,
        OnlineService.objects.get(code="dmfa"),
        until=end,
    )

    with at(end, 23, 59, 59):
        assert decided(client_of_the_services, world.member, world.enterprise, "dmfa") == {"decision": True}
    with at(end + DAY, 0, 0, 1):
        answer = decided(client_of_the_services, world.member, world.enterprise, "dmfa")
        assert answer["decision"] is False
        assert answer["context"]["reason"] == "grant_expired"
        assert answer["context"]["expired_on"] == end.isoformat()
        assert Grant.objects.get(service__code="dmfa").revoked_at is None
        assert nothing_swept()


def test_a_block_past_its_end_date_in_a_group_does_not_hide_the_reason_of_a_denial(world, client_of_the_services):
    """A block that has ended is no reason: a service not granted is said to be not granted."""
    end = timezone.localdate()
    services.membership_block(actor_of(world, world.group_manager), world.member_membership, reason="Leave", until=end)

    with at(end + DAY, 8):
        answer = decided(client_of_the_services, world.member, world.enterprise, "dmfa")
        assert answer["context"]["reason"] == "not_granted"
