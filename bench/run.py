"""The benchmark's steps, in the order `python -m bench` takes them."""

import logging
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import django

django.setup()

import psycopg  # noqa: E402 - Django is set up first
from allauth.account.internal.flows import login as login_flow  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from access.login.reauthentication import IDENTITY_CONFIRMED_AT  # noqa: E402
from accounts import tasks  # noqa: E402
from accounts.models import OutboundMessage  # noqa: E402
from bench import costs, dataset, decision_point, imports, load, national, provisioning  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
MANAGERS = ("main", "co_main", "access_manager", "group_manager")
WORKER_POOL = os.environ.get("BENCH_WORKER_POOL", "--pool threads --concurrency 8").split()


@dataclass(frozen=True)
class Scale:
    sizes: tuple[int, ...]  # users of the measured enterprises; the last is loaded
    journal_per_user: int
    others: int
    seconds: float  # of each load by wrk
    notifications: int
    import_rows: int = 10_000  # the rows of the file imported
    scim_users: int = 1_000  # the users an HR system creates through SCIM
    warm_up: bool = True  # the smoke run checks that every page is measured, not the figures
    national: float | None = None  # the fraction of a country loaded around them (bench/national.py)
    counts: costs.Counts = field(default_factory=costs.Counts.full)  # what blocks, ends, exports are set against

    @classmethod
    def full(cls) -> "Scale":
        return cls(sizes=(10, 1000, 10000), journal_per_user=10, others=1000, seconds=5, notifications=1000)

    @classmethod
    def country(cls, fraction: float = 1.0, *, smoke: bool = False) -> "Scale":
        """The full run's enterprises inside a country's worth of data (`make bench SCALE=national`),
        or the smoke run's in a ten-thousandth of it."""
        base = cls.smoke() if smoke else cls.full()
        return replace(base, others=0, notifications=0, national=fraction)

    @classmethod
    def smoke(cls) -> "Scale":
        return cls(
            sizes=(10, 30, 100),
            journal_per_user=2,
            others=5,
            seconds=0.3,
            notifications=20,
            import_rows=100,
            scim_users=20,
            warm_up=False,
            counts=costs.Counts.smoke(),
        )


@dataclass(frozen=True)
class Page:
    name: str
    path: Callable[[dataset.Managers], str]
    post: Callable[[dataset.Managers], dict[str, str]] | None = None
    personas: tuple[str, ...] = MANAGERS  # who opens it


def _enterprise(m: dataset.Managers) -> str:
    return f"/e/{m.enterprise_id}/"


# A Group Manager gives no mandate and accepts none (access.policy.can_view_mandates).
CLIENT_LIST = Page("mandate client list", lambda m: f"{_enterprise(m)}mandates/", personas=MANAGERS[:3])
KEY_PAGES = [
    Page("dashboard", _enterprise),
    Page("group page", lambda m: f"{_enterprise(m)}groups/{m.group_id}/"),
    Page("group search by name", lambda m: f"{_enterprise(m)}groups/{m.group_id}/?q={m.searched_surname}"),
    Page("group search by NISS", lambda m: f"{_enterprise(m)}groups/{m.group_id}/", lambda m: {"q": m.searched_niss}),
    Page("user page", lambda m: f"{_enterprise(m)}users/{m.member_in_every_group}/"),
    Page("users page", lambda m: f"{_enterprise(m)}users/"),
    Page("journal page", lambda m: f"{_enterprise(m)}journal/"),
    Page("my access", lambda m: f"{_enterprise(m)}my-access/"),
    Page("who could act", lambda m: f"{_enterprise(m)}who-could-act/?day={date.today().isoformat()}"),
    CLIENT_LIST,
]
FLOOR = Page("floor (trivial page)", lambda m: "/benchmark/floor/", personas=("main",))
ADMIN = Page(
    "admin change list", lambda m: f"/admin/access/membership/?group__id__exact={m.group_id}", personas=("staff",)
)


@dataclass
class Row:
    page: str
    persona: str
    queries: int
    load: load.Load
    queries_by_size: dict[int, int] = field(default_factory=dict)


def run(scale: Scale, output: Path, *, costs_only: bool = False) -> int:
    """The whole benchmark, written to `output`; `costs_only`: the costs that do not grow, printed."""
    started = time.monotonic()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the pages a persona may not open
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # the SMTP server's conversation
    say(f"Database {settings.DATABASES['default']['NAME']}: created anew")
    recreate_database()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    country = None
    if scale.national is not None:
        say(f"Dataset: enterprises of {', '.join(map(str, scale.sizes))} users in {scale.national:g} of a country")
        country = national.build(sizes=scale.sizes, journal_per_user=scale.journal_per_user, fraction=scale.national)
        built = country.built
    else:
        say(f"Dataset: enterprises of {', '.join(map(str, scale.sizes))} users, {scale.others} around them")
        built = dataset.build(sizes=scale.sizes, journal_per_user=scale.journal_per_user, others=scale.others)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have done on a database in service
    loaded = built[-1]
    clients = {standing: logged_in(username) for standing, username in loaded.usernames.items()}
    clients["staff"] = logged_in("bench-staff")
    say("Costs that do not grow: a block among many sessions, a mandate of many people, the export")
    measured_costs = costs.measure(clients["main"], loaded, built, scale.counts)
    if costs_only:
        print("\n".join(costs.report(measured_costs, scale.sizes)))
        return 0

    say("Queries per page at each size")
    query_table = count_queries(built)
    block_queries = count_block_for_all(built)
    say("Queries per request of the decision point at each size")
    bench_client = decision_point.register_client()
    decision_queries, questions = decision_point.count_queries(built, decision_point.token_in_process(bench_client))

    # Before the HR system's users are created below: their notices must not join these messages.
    notifications = {}
    if scale.notifications:
        say(f"{scale.notifications} notifications through one Celery worker to a local SMTP server")
        notifications = measure_notifications(scale.notifications)

    port = free_port()
    say(f"gunicorn, 2 workers, on 127.0.0.1:{port}")
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health/")
        floor_queries = query_table[(FLOOR.name, "main")][loaded.enterprise_id]
        decisions_report = measure_decision_point(
            port, clients["main"], loaded, bench_client, questions, decision_queries, floor_queries, scale, built
        )
        rows = []
        for page in [FLOOR, ADMIN, *KEY_PAGES]:
            if country is not None and page is CLIENT_LIST:  # the secretariat's, among its many clients
                rows.append(measure_client_list(port, country.secretariat, scale))
                continue
            for persona in page.personas:
                say(f"  {page.name} as {persona}")
                figures = measure(port, clients[persona], page, loaded, scale.seconds, warm_up=scale.warm_up)
                rows.append(Row(page.name, persona, query_table[(page.name, persona)][loaded.enterprise_id], figures))
                rows[-1].queries_by_size = {
                    size: query_table[(page.name, persona)][m.enterprise_id]
                    for size, m in zip(scale.sizes, built, strict=True)
                }
        web_rss = [rss_mb(pid) for pid in children_of(server.pid)]
        say(f"{scale.scim_users:,} users created through SCIM, added to a group, read back")
        provisioned = provisioning.measure(port, loaded, scale.scim_users)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    if country is not None:
        standard = output.read_text(encoding="utf-8") if output.exists() else ""
        text = national.report(country, rows, decisions_report, provisioning.report(provisioned), standard)
        text += f"\n- The whole run took {(time.monotonic() - started) / 60:.1f} minutes.\n"
        print(text)
        write_report(output, text, national.START, national.END)
        say(f"Written to {output}")
        return 0
    say(f"An import of {scale.import_rows:,} rows: its check, then the import through one Celery worker")
    imported = imports.measure(logged_in(loaded.usernames["main"]), loaded, scale.import_rows, wait_for_worker)
    text = report(scale, rows, decisions_report, block_queries, notifications, web_rss, time.monotonic() - started)
    text += "\n" + "\n".join(imports.report(imported))
    text += "\n" + "\n".join(provisioning.report(provisioned))
    text += "\n" + "\n".join(costs.report(measured_costs, scale.sizes))
    print(text)
    write_report(output, text)
    say(f"Written to {output}")
    return 0


START, END = "<!-- figures of the last run: start -->", "<!-- figures of the last run: end -->"


def measure_client_list(port: int, secretariat: dataset.Managers, scale: Scale) -> Row:
    """The social secretariat's list of the mandates it holds, a page among its many clients, as
    its Main Access Manager (a national run; the standard run measures the loaded enterprise's,
    among its hundred)."""
    client = logged_in(secretariat.usernames["main"])
    say(f"  {CLIENT_LIST.name} as main")
    with CaptureQueriesContext(connection) as captured:
        send(client, CLIENT_LIST, secretariat)
    figures = measure(port, client, CLIENT_LIST, secretariat, scale.seconds, warm_up=scale.warm_up)
    return Row(CLIENT_LIST.name, "main", len(captured), figures)


def measure_decision_point(
    port: int,
    browser: Client,
    loaded: dataset.Managers,
    bench_client: decision_point.Client,
    questions: decision_point.Questions,
    queries: dict[decision_point.Scenario, dict[int, int]],
    floor_queries: int,
    scale: Scale,
    built: list[dataset.Managers],
) -> list[str]:
    """The decision point under load, first (the uses recorded just before must still be in their
    window), beside the floor loaded the same way; its section of the report."""
    origin = f"http://127.0.0.1:{port}"
    say(f"  the decision point, and the floor, with {decision_point.CONNECTIONS} and {decision_point.FEW} connections")
    floors = {}
    for connections in (decision_point.CONNECTIONS, decision_point.FEW):
        floor = measure(
            port,
            browser,
            FLOOR,
            loaded,
            scale.seconds,
            warm_up=scale.warm_up,
            connections=connections,
            threads=1 if connections <= decision_point.FEW else 2,
        )
        floors[connections] = (floor, floor_queries)
    token = decision_point.token_over_http(origin, bench_client)
    decision_point.record_uses(token, questions)
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        bodies = decision_point.write_bodies(questions, Path(directory))
        for scenario in decision_point.SCENARIOS:
            say(f"    {scenario.name}")
            figures = decision_point.measure(
                origin, token, scenario, bodies[scenario], seconds=scale.seconds, warm_up=scale.warm_up
            )
            by_size = {size: queries[scenario][m.enterprise_id] for size, m in zip(scale.sizes, built, strict=True)}
            rows.append(decision_point.Row(scenario, figures, by_size))
    return decision_point.report(scale.sizes, rows, floors, questions, scale.seconds)


def write_report(output: Path, text: str, start: str = START, end: str = END) -> None:
    """The figures replace those of the previous run; the notes written around them stay."""
    figures = f"{start}\n{text}\n{end}"
    previous = output.read_text(encoding="utf-8") if output.exists() else ""
    if start in previous and end in previous:
        before, rest = previous.split(start, 1)
        figures = before + figures + rest.split(end, 1)[1]
    elif previous and start != START:  # a report of its own, after the standard run's
        figures = previous.rstrip("\n") + "\n\n" + figures + "\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(figures, encoding="utf-8")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def recreate_database() -> None:
    name = settings.DATABASES["default"]["NAME"]
    connection.close()
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def logged_in(username: str) -> Client:
    """A session as after a login that has just confirmed the person's identity (with a one-time
    code, which the admin asks of staff)."""
    user = get_user_model().objects.get(username=username)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    session = client.session
    session[login_flow.AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "reauthenticated": True},
        {"method": "mfa", "at": time.time(), "type": "totp"},
    ]
    session[login_flow._AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session[IDENTITY_CONFIRMED_AT] = time.time()
    session.save()
    client.get("/", secure=True)  # sets the CSRF cookie
    return client


def count_queries(built: list[dataset.Managers]) -> dict[tuple[str, str], dict[int, int]]:
    """Queries per page and persona, in each of the enterprises of different sizes."""
    table: dict[tuple[str, str], dict[int, int]] = {}
    for managers in built:
        clients = {standing: logged_in(username) for standing, username in managers.usernames.items()}
        clients["staff"] = logged_in("bench-staff")
        for page in [FLOOR, ADMIN, *KEY_PAGES]:
            for persona in page.personas:
                client = clients[persona]
                with CaptureQueriesContext(connection) as captured:
                    response = send(client, page, managers)
                assert response.status_code == 200, (page.name, persona, response.status_code)
                table.setdefault((page.name, persona), {})[managers.enterprise_id] = len(captured)
    return table


def send(client: Client, page: Page, managers: dataset.Managers):  # type: ignore[no-untyped-def]
    if page.post:
        return client.post(page.path(managers), page.post(managers), secure=True)
    return client.get(page.path(managers), secure=True)


def count_block_for_all(built: list[dataset.Managers]) -> dict[int, tuple[int, int]]:
    """Queries of blocking a person for all groups, for a person in two groups and one in every
    group, in each enterprise; rolled back."""
    counts = {}
    for managers in built:
        client = logged_in(managers.usernames["main"])
        figures = []
        for person in (managers.member_in_one_group, managers.member_in_every_group):
            path = f"/e/{managers.enterprise_id}/users/{person}/block/"
            with transaction.atomic():
                with CaptureQueriesContext(connection) as captured:
                    response = client.post(path, {"reason": "Benchmark"}, secure=True)
                transaction.set_rollback(True)
            assert response.status_code == 302, (path, response.status_code)
            figures.append(len(captured))
        counts[managers.enterprise_id] = (figures[0], figures[1])
    return counts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a loopback address
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def measure(
    port: int,
    client: Client,
    page: Page,
    managers: dataset.Managers,
    seconds: float,
    *,
    warm_up: bool,
    connections: int = 2,
    threads: int = 1,
) -> load.Load:
    """wrk on loopback, two connections unless told, after a one-second warm-up; each page must
    answer 200."""
    origin = f"http://127.0.0.1:{port}"
    cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    environment = {**os.environ, "BENCH_COOKIE": cookies, "BENCH_ORIGIN": origin.replace("http:", "https:")}
    if page.post:
        body = {**page.post(managers), "csrfmiddlewaretoken": client.cookies["csrftoken"].value}
        environment |= {"BENCH_METHOD": "POST", "BENCH_BODY": "&".join(f"{k}={v}" for k, v in body.items())}
    url = origin + page.path(managers)
    check_answers_200(url, environment)
    script = str(Path(__file__).with_name("report.lua"))
    return load.wrk(
        url,
        environment,
        script=script,
        name=page.name,
        seconds=seconds,
        warm_up=warm_up,
        connections=connections,
        threads=threads,
    )


def check_answers_200(url: str, environment: dict[str, str]) -> None:
    body = environment.get("BENCH_BODY")
    request = urllib.request.Request(  # noqa: S310 - a loopback address
        url,
        data=body.encode() if body else None,
        headers={
            "Cookie": environment["BENCH_COOKIE"],
            "X-Forwarded-Proto": "https",
            "Origin": environment["BENCH_ORIGIN"],
            "Referer": environment["BENCH_ORIGIN"] + "/",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise RuntimeError(f"{url} answered {status}, not 200")


def measure_notifications(count: int) -> dict[str, float]:
    """Commit `count` e-mails at once; time until a local SMTP server has received them all."""
    from tests.servers import SmtpServer

    smtp = SmtpServer()
    smtp.start()
    worker_env = {**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port)}
    worker = subprocess.Popen(
        [str(VENV_BIN / "celery"), "-A", "portal", "worker", *WORKER_POOL, "--loglevel", "WARNING"],
        cwd=ROOT,
        env=worker_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_worker()
        users = get_user_model().objects.bulk_create(
            [get_user_model()(username=f"bench-notified-{time.time_ns()}-{index}") for index in range(count)]
        )
        with transaction.atomic():
            messages = OutboundMessage.objects.bulk_create(
                [
                    OutboundMessage(
                        user=user,
                        channel=OutboundMessage.Channel.EMAIL,
                        purpose=OutboundMessage.Purpose.USERNAME,
                        recipient=f"{user.username}@example.test",
                        language="en",
                    )
                    for user in users
                ]
            )
            tasks.queue(messages)
            committed = time.monotonic()
        deadline = committed + 300
        while len(smtp.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.monotonic() - committed
        # The SMTP server has a message a moment before the worker commits it as sent.
        sent = 0
        while time.monotonic() < deadline:
            sent = OutboundMessage.objects.filter(status=OutboundMessage.Status.SENT).count()
            if sent >= count:
                break
            time.sleep(0.05)
        received = len(smtp.messages)
        worker_rss = sum(rss_mb(pid) for pid in [worker.pid, *children_of(worker.pid)])
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        smtp.stop()
    if received != count:
        raise RuntimeError(f"only {received} of {count} messages arrived")
    return {"seconds": elapsed, "per_second": count / elapsed, "sent": sent, "worker_rss": worker_rss}


def wait_for_worker(seconds: float = 60) -> None:
    from portal.celery import app

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1):
            return
    raise RuntimeError("the Celery worker did not start")


def children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- The report ------------------------------------------------------------------------------


def report(
    scale: Scale,
    rows: list[Row],
    decisions_report: list[str],
    block_queries: dict[int, tuple[int, int]],
    notifications: dict[str, float],
    web_rss: list[float],
    elapsed: float,
) -> str:
    floor = next(row for row in rows if row.page == FLOOR.name)
    admin = next(row for row in rows if row.page == ADMIN.name)
    sizes = " / ".join(f"{size:,}" for size in scale.sizes)
    lines = [
        "## Machine",
        "",
        *[f"- {line}" for line in machine()],
        "",
        "## Pages",
        "",
        f"The loaded enterprise has {scale.sizes[-1]:,} users in {dataset.GROUPS} groups over "
        f"{len(dataset.DOMAINS)} domains, {scale.sizes[-1] * scale.journal_per_user:,} journal events, "
        f"and {scale.others:,} other enterprises around it. gunicorn serves the production settings with "
        f"2 workers; wrk loads each page for {scale.seconds} s with 2 connections from another process, "
        "after a one-second warm-up. Queries are counted per request in enterprises of "
        f"{sizes} users.",
        "",
        "| page | as | median ms | p95 ms | req/s | queries | queries at " + sizes + " | ÷ floor (median) "
        "| ÷ admin (median) | req/s ÷ floor |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for row in rows:
        by_size = " / ".join(str(row.queries_by_size.get(size, "–")) for size in scale.sizes)
        lines.append(
            f"| {row.page} | {row.persona} | {row.load.p50_ms:.1f} | {row.load.p95_ms:.1f} | {row.load.rps:.0f} "
            f"| {row.queries} | {by_size} | {row.load.p50_ms / floor.load.p50_ms:.2f} "
            f"| {row.load.p50_ms / admin.load.p50_ms:.2f} | {row.load.rps / floor.load.rps:.2f} |"
        )
    key_rows = [row for row in rows if row not in (floor, admin)]
    lines += [
        "",
        "## Targets",
        "",
        *targets(key_rows, floor, admin, block_queries, notifications, web_rss),
        "",
        *decisions_report,
        "",
        "## Block for all groups",
        "",
        "Queries of one block for all groups by the Main Access Manager (rolled back), for a person in "
        "two groups and for a person in every group:",
        "",
        "| users of the enterprise | person in 2 groups | person in 20 groups |",
        "|---:|---:|---:|",
        *[
            f"| {size:,} | {two} | {twenty} |"
            for size, (two, twenty) in zip(scale.sizes, block_queries.values(), strict=True)
        ],
        "",
        "## Notifications and memory",
        "",
        f"- {scale.notifications:,} e-mails committed at once, delivered through one Celery worker "
        f"(`{' '.join(WORKER_POOL)}`) to a local SMTP server in {notifications['seconds']:.1f} s: "
        f"**{notifications['per_second']:.0f} messages per second**; {notifications['sent']:.0f} marked sent.",
        f"- Resident memory after the run: gunicorn workers {', '.join(f'{mb:.0f} MB' for mb in web_rss)}; "
        f"Celery worker {notifications['worker_rss']:.0f} MB (main process and its pool).",
        f"- The whole run took {elapsed / 60:.1f} minutes.",
        "",
    ]
    return "\n".join(lines)


def targets(
    rows: list[Row],
    floor: Row,
    admin: Row,
    block_queries: dict[int, tuple[int, int]],
    notifications: dict[str, float],
    web_rss: list[float],
) -> list[str]:
    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    worst_floor = max(rows, key=lambda row: row.load.p50_ms / floor.load.p50_ms)
    worst_admin = max(rows, key=lambda row: row.load.p50_ms / admin.load.p50_ms)
    worst_rps = min(rows, key=lambda row: row.load.rps / floor.load.rps)
    most_queries = max(rows, key=lambda row: row.queries)
    constant = all(len(set(row.queries_by_size.values())) == 1 for row in rows)
    block_constant = len(set(block_queries.values())) == 1 and all(a == b for a, b in block_queries.values())
    return [
        f"- Median at most 3× the floor's: {verdict(worst_floor.load.p50_ms <= 3 * floor.load.p50_ms)} "
        f"(worst {worst_floor.page} as {worst_floor.persona}: "
        f"{worst_floor.load.p50_ms / floor.load.p50_ms:.2f}×).",
        f"- Median at most half the admin change list's: {verdict(worst_admin.load.p50_ms <= admin.load.p50_ms / 2)} "
        f"(worst {worst_admin.page} as {worst_admin.persona}: {worst_admin.load.p50_ms / admin.load.p50_ms:.2f}×).",
        f"- Throughput at least 30% of the floor's: {verdict(worst_rps.load.rps >= 0.3 * floor.load.rps)} "
        f"(lowest {worst_rps.page} as {worst_rps.persona}: {worst_rps.load.rps / floor.load.rps:.0%}).",
        f"- At most 12 queries per page: {verdict(most_queries.queries <= 12)} "
        f"(most {most_queries.page} as {most_queries.persona}: {most_queries.queries}).",
        f"- Queries constant in the number of users: {verdict(constant)}; "
        f"block for all groups constant: {verdict(block_constant)}.",
        f"- At least 100 notifications per second: {verdict(notifications['per_second'] >= 100)} "
        f"({notifications['per_second']:.0f}/s).",
        f"- A web worker under 150 MB resident: {verdict(max(web_rss) < 150)} ({max(web_rss):.0f} MB).",
    ]


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("[")[0].strip()
    gunicorn = subprocess.run([str(VENV_BIN / "gunicorn"), "--version"], capture_output=True, text=True).stdout
    return [
        f"{os.cpu_count()} cores: {cpu}; {memory_kb / 1024 / 1024:.0f} GiB of memory",
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, Django {django.__version__}",
        f"PostgreSQL {postgres} and Redis on the same machine; {gunicorn.strip()}; {wrk}",
        f"Run on {time.strftime('%Y-%m-%d')}",
    ]
