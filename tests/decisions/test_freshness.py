"""Never stale: a change made in the portal shows in the very next decision, whichever process
answers it.

The decision point keeps no cache (docs/decisions-api.md §8): every decision reads the database.
Against gunicorn with two workers, on the test database and the production settings, as the load
test starts it: before each change both workers permit; the change is made through the portal's
services in this process and committed; then every one of the next decisions, asked concurrently
on fresh connections until both workers have answered, is the denial with the change's reason; and
undoing the change permits again at once. Gunicorn's access log names the worker of each answer,
and /metrics, summed over the workers, counts every decision received once.

The date that makes a grant expire is moved in this process with time-machine, which gunicorn's
processes do not see: there the grant's last day is set in the past in the database instead.
"""

import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import time_machine
from django.conf import global_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from access import services
from access.models import Designation, Enterprise, Grant, OnlineService
from tests import factories, leaks
from tests.conftest import World
from tests.decisions.conftest import EVALUATION, ask, question, register, token
from tests.security.test_load import start_gunicorn, stop_gunicorn, wait_until_ready
from tests.servers import free_port

ROUNDS = 24  # decisions asked after each change, at least
CONCURRENT = 8  # at once, each on a connection of its own, so that both workers take some
MAX_ROUNDS = 10  # batches of ROUNDS before giving up on seeing both workers answer
WORKERS = 2
METRICS_TOKEN = "a-metrics-token-of-the-freshness-test-0123"
ACCESS_LINE = re.compile(r"^<(?P<pid>\d+)> (?P<request_id>\S+) (?P<status>\d{3})$")


class Portal:
    """The portal under gunicorn, and what its access log says about who answered."""

    def __init__(self, base: str, access_log: Path, bearer: str) -> None:
        self.base = base
        self.access_log = access_log
        self.bearer = bearer
        self.serial = 0
        self.given: Counter[tuple[str, str]] = Counter()  # (outcome, reason) of the decisions received

    def workers_of(self, request_ids: list[str]) -> dict[str, str]:
        """The worker (pid) that answered each request, from the access log (written as each
        answer is sent, so possibly a moment after the client read it)."""
        deadline = time.monotonic() + 10
        while True:
            lines = (ACCESS_LINE.match(line) for line in self.access_log.read_text().splitlines())
            found = {match["request_id"]: match["pid"] for match in lines if match}
            if set(request_ids) <= set(found) or time.monotonic() > deadline:
                return {request_id: found.get(request_id, "?") for request_id in request_ids}
            time.sleep(0.05)

    def ask(self, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        # A request of its own: a new connection, which either worker may accept.
        response = requests.post(
            self.base + EVALUATION,
            json=body,
            headers={"Authorization": f"Bearer {self.bearer}", "X-Request-ID": request_id},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        assert response.headers["X-Request-ID"] == request_id
        answer = response.json()
        self.given[
            "deny" if answer["decision"] is False else "permit", answer.get("context", {}).get("reason", "none")
        ] += 1
        return answer

    def counted(self, client_id: str) -> Counter[tuple[str, str]]:
        """The decisions that /metrics counts for the client, every worker's added up."""
        response = requests.get(
            self.base + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30
        )
        assert response.status_code == 200, response.text
        found: Counter[tuple[str, str]] = Counter()
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                if sample.name == "portal_decisions_total" and sample.labels["client"] == client_id:
                    found[sample.labels["outcome"], sample.labels["reason"]] += int(sample.value)
        return found

    def decisions(self, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """At least ROUNDS decisions on the body, asked concurrently, until both workers have
        answered: (worker, answer) in the order asked."""
        answered: list[tuple[str, dict[str, Any]]] = []
        with ThreadPoolExecutor(CONCURRENT) as pool:
            for _batch in range(MAX_ROUNDS):
                ids = []
                for _ in range(ROUNDS):
                    self.serial += 1
                    ids.append(f"fresh-{self.serial}")
                answers = list(pool.map(lambda request_id: self.ask(body, request_id), ids))
                workers = self.workers_of(ids)
                answered += [(workers[request_id], answer) for request_id, answer in zip(ids, answers, strict=True)]
                if len({worker for worker, _answer in answered}) >= WORKERS:
                    break
        assert "?" not in {worker for worker, _answer in answered}, "an answer missing from the access log"
        assert len({worker for worker, _answer in answered}) == WORKERS, "one worker answered everything"
        return answered

    def permits(self, body: dict[str, Any]) -> None:
        answered = self.decisions(body)
        assert [answer for _worker, answer in answered] == [{"decision": True}] * len(answered)

    def denies(self, body: dict[str, Any], reason: str, **details: str) -> None:
        answered = self.decisions(body)
        stale = [(worker, answer) for worker, answer in answered if answer["decision"] is not False]
        assert not stale, f"{len(stale)} stale permits of {len(answered)}: {stale[:3]}"
        for _worker, answer in answered:
            context = answer["context"]
            assert context["reason"] == reason, context
            assert {key: context[key] for key in details} == details


@pytest.fixture
def portal(world: World, tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    # The secret is hashed as in production: gunicorn checks it with production's hashers.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    client, secret = register("Every service", ("dimona", "chaman"))
    port, log, access_log = free_port(), tmp_path / "gunicorn.log", tmp_path / "access.log"
    # The workers count their decisions in one directory, which a scrape adds up (docs/decisions.md §6).
    (tmp_path / "metrics").mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    monkeypatch.setenv("METRICS_TOKEN", METRICS_TOKEN)
    server = start_gunicorn(
        port,
        log,
        *("--access-logfile", str(access_log), "--access-logformat", "%(p)s %({x-request-id}i)s %(s)s"),
    )
    try:
        wait_until_ready(server, port, log)
        base = f"http://127.0.0.1:{port}"
        response = requests.post(
            base + "/oauth/token/", {"grant_type": "client_credentials"}, auth=(client.client_id, secret), timeout=30
        )
        assert response.status_code == 200, response.text
        bearer = response.json()["access_token"]
        leaks.remember_password(bearer)
        portal = Portal(base, access_log, bearer)
        yield portal
        # Every decision received was counted once, by the worker that gave it.
        assert portal.counted(client.client_id) == portal.given
    finally:
        stop_gunicorn(server)
    server_log = log.read_text()
    assert "Traceback" not in server_log and "WORKER TIMEOUT" not in server_log, server_log[-5000:]


def main(world: World) -> Any:
    """The Main Access Manager, acting now (the services re-read the standing under their lock)."""
    return factories.actor_of(world, world.main)


def dimona() -> OnlineService:
    return OnlineService.objects.get(code="dimona")


def current_membership(world: World) -> Any:
    return world.member.memberships.get(group=world.groups["employer"], removed_at__isnull=True)


Change = Callable[[World], None]


def block_in_group(world: World) -> None:
    services.membership_block(main(world), current_membership(world), reason="Left the payroll team")


def unblock_in_group(world: World) -> None:
    services.membership_unblock(main(world), current_membership(world))


def block_everywhere(world: World) -> None:
    services.person_block_everywhere(main(world), world.member, reason="Under investigation")


def unblock_everywhere(world: World) -> None:
    services.person_unblock_everywhere(main(world), world.member)


def remove_from_group(world: World) -> None:
    services.membership_delete(main(world), current_membership(world), reason="Left the enterprise")


def add_to_group_again(world: World) -> None:
    services.membership_create(main(world), group=world.groups["employer"], person=world.member, services=[dimona()])


def revoke_grant(world: World) -> None:
    services.grant_revoke(main(world), current_membership(world), dimona())


def grant_again(world: World) -> None:
    services.grant_create(main(world), current_membership(world), dimona())


def yesterday() -> str:
    return (timezone.localdate() - timedelta(days=1)).isoformat()


def let_grant_expire(world: World) -> None:
    # Its last day has passed: what the calendar does to a grant, done to the database.
    Grant.objects.filter(membership=current_membership(world), service=dimona(), revoked_at__isnull=True).update(
        valid_until=yesterday()
    )


def extend_grant(world: World) -> None:
    Grant.objects.filter(membership=current_membership(world), service=dimona(), revoked_at__isnull=True).update(
        valid_until=None
    )


def close_enterprise(world: World) -> None:
    # As staff close it in the admin, which saves the enterprise's status.
    world.enterprise.status = Enterprise.Status.CLOSED
    world.enterprise.save(update_fields=["status"])


def reopen_enterprise(world: World) -> None:
    world.enterprise.status = Enterprise.Status.ACTIVE
    world.enterprise.save(update_fields=["status"])


def member_changes() -> list[tuple[Change, str, dict[str, str], Change]]:
    """What happens to Acme's user `member` and their Dimona: (change, the denial's reason and
    details, the change that undoes it)."""
    return [
        (block_in_group, "blocked_in_group", {}, unblock_in_group),
        (block_everywhere, "blocked_everywhere", {}, unblock_everywhere),
        (remove_from_group, "no_standing", {}, add_to_group_again),
        (revoke_grant, "grant_revoked", {}, grant_again),
        (let_grant_expire, "grant_expired", {"expired_on": yesterday()}, extend_grant),
        (close_enterprise, "enterprise_not_active", {"enterprise_status": "closed"}, reopen_enterprise),
    ]


@pytest.mark.django_db(transaction=True)
def test_every_change_shows_in_the_very_next_decision_of_every_worker(portal: Portal, world: World) -> None:
    member_dimona = question(world.member, world.enterprise, "dimona")
    for change, reason, details, undo in member_changes():
        portal.permits(member_dimona)
        change(world)
        portal.denies(member_dimona, reason, **details)
        undo(world)
    portal.permits(member_dimona)

    # A designation gives the services automatic for managers: revoked, they go at once.
    manager_chaman = question(world.group_manager, world.enterprise, "chaman")
    portal.permits(manager_chaman)
    designation = Designation.objects.get(person=world.group_manager, enterprise=world.enterprise)
    services.designation_revoke(main(world), designation, reason="Moved to another team")
    portal.denies(manager_chaman, "no_standing")
    services.designation_create(
        main(world), kind="group_manager", person=world.group_manager, group=world.groups["employer"]
    )
    portal.permits(manager_chaman)


# --- In this process: the calendar moves ------------------------------------------------------------


@pytest.mark.django_db
def test_a_grant_stops_the_day_after_its_last_day(world: World) -> None:
    client, secret = register("Dimona", ("dimona",))
    Grant.objects.filter(membership=world.member_membership, service__code="dimona").update(
        valid_until=timezone.localdate()
    )
    body = question(world.member, world.enterprise, "dimona")
    last_day = timezone.localdate()
    with time_machine.travel(timezone.localtime().replace(hour=23, minute=59), tick=False):
        assert ask(EVALUATION, body, token(client, secret)).json() == {"decision": True}
    with time_machine.travel(timezone.localtime().replace(hour=0, minute=1) + timedelta(days=1), tick=False):
        answer = ask(EVALUATION, body, token(client, secret)).json()
    assert answer["decision"] is False
    assert (answer["context"]["reason"], answer["context"]["expired_on"]) == ("grant_expired", last_day.isoformat())


@pytest.mark.django_db
def test_a_designation_stops_when_its_end_passes(world: World) -> None:
    client, secret = register("Chaman", ("chaman",))
    end = timezone.now() + timedelta(hours=1)
    Designation.objects.filter(person=world.group_manager, enterprise=world.enterprise).update(valid_until=end)
    body = question(world.group_manager, world.enterprise, "chaman")
    with time_machine.travel(end - timedelta(seconds=1), tick=False):
        assert ask(EVALUATION, body, token(client, secret)).json() == {"decision": True}
    with time_machine.travel(end + timedelta(seconds=1), tick=False):
        answer = ask(EVALUATION, body, token(client, secret)).json()
    assert answer["decision"] is False and answer["context"]["reason"] == "no_standing"
