"""Bounded load: 50 managers of 10 enterprises, each in a thread of their own, read and write at
once for LOAD_TEST_SECONDS (60 by default) against gunicorn (gthread workers, the production
settings but plain HTTP) on the test database, over loopback.

Afterwards: no answer of 5xx, no request past its timeout, no deadlock counted by PostgreSQL,
nothing logged as an error by the server, and the data keep their invariants (one Main Access
Manager per enterprise, at most one Group Manager per group, one current membership per person
and group) with exactly the journal rows that the successful writes announce.
"""

import itertools
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import pytest
import requests
from allauth.account.internal.flows import login as login_flow
from django.conf import settings
from django.contrib import auth
from django.db import connection
from django.db.models import Count, Max

from access import selectors
from access.models import AuditEvent, Domain, FourEyesSetting, Grant, Membership, Person
from tests import factories
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("LOAD_TEST_SECONDS", "60"))
ENTERPRISES = 10
MEMBERS_PER_GROUP = 4
TIMEOUT = 30  # seconds a request may take before it counts as hung
GRACEFUL_TIMEOUT = 5  # seconds gunicorn gives its workers to stop before it kills them
MEMBERSHIP_URL = re.compile(r"/memberships/(\d+)/$")


@dataclass
class Manager:
    """One virtual manager: their session, what their standing lets them touch, and their pick
    of designations to attempt."""

    name: str
    enterprise_id: int
    groups: list[int]
    designations: list[dict]
    http: requests.Session = field(default_factory=requests.Session)


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    writes: Counter = field(default_factory=Counter)  # action -> successes
    attempts: Counter = field(default_factory=Counter)
    journal: Counter = field(default_factory=Counter)  # the journal rows the successful writes announce


class Load:
    def __init__(self, base: str, memberships: dict[int, list[int]], grantable: dict[int, list[int]]) -> None:
        self.base = base
        self.memberships = memberships  # group id -> membership ids (grows as users are added)
        self.grantable = grantable  # group id -> service ids
        self.tally = Tally()
        self.serial = itertools.count(1)

    # --- HTTP, measured ---------------------------------------------------------------------

    def request(self, manager: Manager, method: str, path: str, data: dict | None = None) -> requests.Response | None:
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": manager.http.cookies["csrftoken"]}
        started = time.monotonic()
        try:
            response = manager.http.request(method, self.base + path, data=data, timeout=TIMEOUT, allow_redirects=False)
        except requests.RequestException as exc:
            with self.tally.lock:
                self.tally.statuses[type(exc).__name__] += 1
                self.tally.failures.append(f"{method} {path}: {exc!r}")
            return None
        elapsed = time.monotonic() - started
        for cookie in manager.http.cookies:
            # The server keeps its production cookies (Secure); on loopback, as browsers do for
            # 127.0.0.1, they travel over plain HTTP.
            cookie.secure = False
        with self.tally.lock:
            self.tally.statuses[response.status_code] += 1
            self.tally.latencies.append(elapsed)
            if response.status_code >= 500:
                self.tally.failures.append(f"{method} {path}: {response.status_code}")
        return response

    def outcome(self, manager: Manager, response: requests.Response | None, success: str) -> bool:
        """Did a write that answers with a redirect succeed? The page it leads to says so."""
        if response is None or response.status_code != 302:
            return False
        page = self.request(manager, "GET", response.headers["Location"])
        return page is not None and success in page.text

    def wrote(self, action: str, succeeded: bool, *journal: str) -> None:
        with self.tally.lock:
            self.tally.attempts[action] += 1
            if succeeded:
                self.tally.writes[action] += 1
                self.tally.journal.update(journal)

    # --- The actions ------------------------------------------------------------------------

    def e(self, manager: Manager, path: str = "") -> str:
        return f"/e/{manager.enterprise_id}/{path}"

    def a_membership(self, manager: Manager, rng: random.Random) -> tuple[int, int]:
        group = rng.choice(manager.groups)
        return group, rng.choice(self.memberships[group])

    def read(self, manager: Manager, rng: random.Random) -> None:
        group, membership = self.a_membership(manager, rng)
        path = rng.choice(
            [
                self.e(manager),
                self.e(manager, f"groups/{group}/"),
                self.e(manager, f"groups/{group}/?q={rng.choice(['Load', 'Member', 'New', 'zz'])}"),
                self.e(manager, f"memberships/{membership}/"),
                self.e(manager, "journal/"),
            ]
        )
        self.request(manager, "GET", path)

    def search_by_number(self, manager: Manager, rng: random.Random) -> None:
        self.request(manager, "POST", self.e(manager, "users/"), {"q": factories.niss()})

    def add_user(self, manager: Manager, rng: random.Random) -> None:
        group = rng.choice(manager.groups)
        service = rng.choice(self.grantable[group])
        form = {"niss": factories.niss(), "given_name": "New", "surname": f"User{next(self.serial)}"}
        response = self.request(
            manager, "POST", self.e(manager, f"groups/{group}/add/"), {**form, "services": [service], "confirm": "on"}
        )
        added = response is not None and response.status_code == 302
        if response is not None and added:
            membership = MEMBERSHIP_URL.search(response.headers["Location"])
            assert membership, response.headers["Location"]
            self.memberships[group].append(int(membership.group(1)))
        self.wrote("add user", added, "user_created", "service_granted")

    def grant(self, manager: Manager, rng: random.Random) -> None:
        group, membership = self.a_membership(manager, rng)
        data = {"service": rng.choice(self.grantable[group])}
        response = self.request(manager, "POST", self.e(manager, f"memberships/{membership}/services/"), data)
        self.wrote("grant", self.outcome(manager, response, "The online service is granted."), "service_granted")

    def block(self, manager: Manager, rng: random.Random) -> None:
        _group, membership = self.a_membership(manager, rng)
        path = self.e(manager, f"memberships/{membership}/block/")
        response = self.request(manager, "POST", path, {"reason": "Load test"})
        self.wrote("block", response is not None and response.status_code == 302, "membership_blocked")

    def unblock(self, manager: Manager, rng: random.Random) -> None:
        _group, membership = self.a_membership(manager, rng)
        response = self.request(manager, "POST", self.e(manager, f"memberships/{membership}/unblock/"), {})
        unblocked = self.outcome(manager, response, "The user is unblocked for this group.")
        self.wrote("unblock", unblocked, "membership_unblocked")

    def delete(self, manager: Manager, rng: random.Random) -> None:
        _group, membership = self.a_membership(manager, rng)
        path = self.e(manager, f"memberships/{membership}/delete/")
        response = self.request(manager, "POST", path, {"reason": "Load test"})
        self.wrote("delete", response is not None and response.status_code == 302, "membership_deleted")

    def designate(self, manager: Manager, rng: random.Random) -> None:
        if not manager.designations:  # a Group Manager designates nobody
            self.add_user(manager, rng)
            return
        form = {**rng.choice(manager.designations), "niss": factories.niss(), "given_name": "D", "surname": "Load"}
        response = self.request(manager, "POST", self.e(manager, "managers/"), form)
        self.wrote("designate", response is not None and response.status_code == 302, "designation_created")

    def run(self, manager: Manager, deadline: float, seed: int) -> None:
        rng = random.Random(seed)
        actions = [self.read, self.search_by_number, self.add_user, self.grant, self.block, self.unblock, self.delete]
        actions.append(self.designate)
        weights = [60, 4, 8, 8, 8, 8, 3, 1]
        try:
            while time.monotonic() < deadline:
                rng.choices(actions, weights)[0](manager, rng)
        except Exception as exc:  # noqa: BLE001 - reported as a failure of the load, not lost in a thread
            with self.tally.lock:
                self.tally.failures.append(f"{manager.name}: {exc!r}")


# --- The scene --------------------------------------------------------------------------------


def signed_in(person) -> str:
    """A session for the person, as the `login` fixture of tests/conftest.py makes it (signed in,
    and recently authenticated), written straight into the session store: 50 of them, quickly."""
    user = person.user
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[auth.SESSION_KEY] = str(user.pk)
    session[auth.BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[auth.HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[login_flow.AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session[login_flow._AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.create()
    return session.session_key


def build_enterprises() -> tuple[list[Manager], dict[int, list[int]], dict[int, list[int]]]:
    """Ten enterprises, each with a MAM, a co-MAM, an Access Manager for each domain and a Group
    Manager for employer; four members per group. The pension_fund and taxpayer groups start
    without a Group Manager, and several managers try to designate one."""
    nsso, finance = Domain.objects.get(code="nsso_employer"), Domain.objects.get(code="finance")
    managers, memberships, grantable = [], {}, {}
    for number in range(ENTERPRISES):
        enterprise, groups = factories.enterprise(f"Load {number}")
        people = {
            role: factories.person(f"load{number}-{role}", "Load", role.title())
            for role in ("main", "co_main", "am_nsso", "am_finance", "gm_employer")
        }
        factories.designate(enterprise, people["main"], "main")
        factories.designate(enterprise, people["co_main"], "co_main")
        factories.designate(enterprise, people["am_nsso"], "access_manager", domain=nsso)
        factories.designate(enterprise, people["am_finance"], "access_manager", domain=finance)
        factories.designate(enterprise, people["gm_employer"], "group_manager", group=groups["employer"])
        # Every write goes through at once (four eyes are tests/access/test_approvals*.py's subject).
        FourEyesSetting.objects.create(enterprise=enterprise, enabled=False)
        for group in groups.values():
            grantable[group.pk] = list(selectors.grantable_services(group).values_list("pk", flat=True))
            members = Person.objects.bulk_create(
                Person(niss=factories.niss(), given_name="Member", surname=f"Of{group.pk}", preferred_language="en")
                for _ in range(MEMBERS_PER_GROUP)
            )
            rows = Membership.objects.bulk_create(Membership(person=member, group=group) for member in members)
            Grant.objects.bulk_create(Grant(membership=row, service_id=grantable[group.pk][0]) for row in rows)
            memberships[group.pk] = [row.pk for row in rows]
        ids = {code: group.pk for code, group in groups.items()}
        gm = {"kind": "group_manager"}
        scopes = {
            "main": (list(ids.values()), [{"kind": "co_main"}, {**gm, "group": ids["taxpayer"]}]),
            "co_main": (list(ids.values()), [{**gm, "group": ids["pension_fund"]}]),
            "am_nsso": ([ids["employer"], ids["pension_fund"]], [{**gm, "group": ids["pension_fund"]}]),
            "am_finance": ([ids["taxpayer"]], [{**gm, "group": ids["taxpayer"]}]),
            "gm_employer": ([ids["employer"]], []),
        }
        for role, person in people.items():
            scope, designations = scopes[role]
            manager = Manager(f"{enterprise.name} {role}", enterprise.pk, scope, designations)
            cookies = {
                settings.SESSION_COOKIE_NAME: signed_in(person),
                settings.CSRF_COOKIE_NAME: secrets.token_hex(16),
            }
            for name, value in cookies.items():  # the host's own cookies, which its answers may renew
                manager.http.cookies.set(name, value, domain="127.0.0.1", path="/")
            manager.http.headers["Accept-Language"] = "en"
            managers.append(manager)
    return managers, memberships, grantable


def start_gunicorn(port: int, log: Path, *options: str) -> subprocess.Popen:
    """Gunicorn on the test database with the production settings (plain HTTP on loopback), two
    gthread workers; `options` are gunicorn's own, added to the command."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "DEBUG": "0",
        "DEV_IDP_ENABLED": "0",  # a development tool: production settings refuse it
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; everything else as in production
        "STATIC_MANIFEST": "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--worker-class", "gthread", "--workers", "2", "--threads", "8", "--timeout", str(TIMEOUT),
               "--graceful-timeout", str(GRACEFUL_TIMEOUT), *options]  # fmt: skip
    with log.open("w") as output:
        # A process group of its own, so that the arbiter and its workers can be stopped together.
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_gunicorn(server: subprocess.Popen) -> None:
    """Gunicorn's graceful stop (SIGTERM): the workers finish what is in flight, drop idle
    keep-alive connections and close their database connections, so PostgreSQL adds their
    statistics (deadlocks among them) to the database's. The arbiter kills a worker still busy
    after GRACEFUL_TIMEOUT and then exits; should the arbiter itself be stuck, however busy the
    machine, the whole process group is killed."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=GRACEFUL_TIMEOUT + 60)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def wait_until_ready(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health/", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still loading the application
            pass
        time.sleep(0.2)
    stop_gunicorn(server)
    raise AssertionError(f"gunicorn did not start:\n{log.read_text()}")


class PostgresLog:
    """The lines PostgreSQL writes about the test database from now on, when its log is readable
    here (Debian's /var/log/postgresql); elsewhere the deadlock counter alone speaks."""

    def __init__(self) -> None:
        self.files = {path: path.stat().st_size for path in Path("/var/log/postgresql").glob("postgresql-*.log")}
        self.readable = bool(self.files) and all(os.access(path, os.R_OK) for path in self.files)

    def new_lines(self) -> list[str]:
        if not self.readable:
            return []
        tag = f"@{connection.settings_dict['NAME']} "
        lines = []
        for path, size in self.files.items():
            with path.open(errors="replace") as log:
                log.seek(size)
                lines += [line for line in log if tag in line]
        return lines


def deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else 0.0


@pytest.mark.django_db(transaction=True)
def test_fifty_managers_for_a_minute(catalogue: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port, log = free_port(), tmp_path / "gunicorn.log"
    server = start_gunicorn(port, log)  # it loads the application while the scene is built
    managers: list[Manager] = []
    try:
        managers, memberships, grantable = build_enterprises()
        wait_until_ready(server, port, log)
        load = Load(f"http://127.0.0.1:{port}", memberships, grantable)
        journal_before = AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
        deadlocks_before, postgres_log = deadlocks(), PostgresLog()
        deadline = time.monotonic() + SECONDS
        threads = [threading.Thread(target=load.run, args=(m, deadline, i)) for i, m in enumerate(managers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 2 * TIMEOUT + 10)
        assert not any(thread.is_alive() for thread in threads), "a manager's thread hung"
    finally:
        # Every request has had its answer; the clients close their keep-alive connections, so
        # that none of them holds a worker.
        for manager in managers:
            manager.http.close()
        stop_gunicorn(server)

    tally = load.tally
    requests_made = sum(tally.statuses.values())
    summary = (
        f"load: {len(managers)} managers, {SECONDS:.0f} s, {requests_made} requests "
        f"({requests_made / SECONDS:.0f}/s); statuses {dict(sorted(tally.statuses.items(), key=str))}; "
        f"p50 {percentile(tally.latencies, 50):.0f} ms, p95 {percentile(tally.latencies, 95):.0f} ms; "
        f"writes succeeded {dict(tally.writes)} of {dict(tally.attempts)}"
    )
    with capsys.disabled():
        print(f"\n{summary}")

    assert not tally.failures, "\n".join(tally.failures[:20])
    assert all(isinstance(status, int) and status < 500 for status in tally.statuses), summary
    server_log = log.read_text()
    assert "Traceback" not in server_log and "WORKER TIMEOUT" not in server_log, server_log[-5000:]
    assert deadlocks() == deadlocks_before
    assert postgres_log.new_lines() == []
    assert sum(tally.writes.values()) > 0 and tally.statuses[200] > 0, summary  # the load did happen

    current = selectors.current_designations()
    mains = current.filter(kind="main").values("enterprise").annotate(n=Count("pk"))
    assert sorted(row["n"] for row in mains) == [1] * ENTERPRISES
    group_managers = current.filter(kind="group_manager").values("group").annotate(n=Count("pk"))
    assert all(row["n"] == 1 for row in group_managers)
    duplicates = selectors.current_memberships().values("person", "group").annotate(n=Count("pk")).filter(n__gt=1)
    assert not duplicates.exists()
    written = Counter(AuditEvent.objects.filter(pk__gt=journal_before).values_list("action", flat=True))
    assert written == tally.journal, summary
