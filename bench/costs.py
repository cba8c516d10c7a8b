"""Costs that do not grow with the system: blocking a person for all groups among many other live
sessions, ending a mandate of many people, and the journal's export of many rows (its memory).

Each is measured in the process, through Django's test client, beside the same action on small
data, and reported as a ratio. What is written to the database for it is rolled back."""

import re
import secrets
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import QuerySet
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.models import FourEyesSetting, Membership, OnlineService, Person
from bench import dataset
from mandates.models import Mandate, MandateAccess


@dataclass(frozen=True)
class Counts:
    """How much each cost is measured against: the small and the large figure."""

    sessions: tuple[int, int]  # other people's live sessions in the database
    mandate_people: tuple[int, int]  # people acting under the mandate ended
    repeats: int  # requests timed for a median

    @classmethod
    def full(cls) -> "Counts":
        return cls(sessions=(10, 100_000), mandate_people=(3, 1_000), repeats=30)

    @classmethod
    def smoke(cls) -> "Counts":
        return cls(sessions=(10, 200), mandate_people=(3, 30), repeats=3)


@dataclass(frozen=True)
class Timed:
    count: int  # the sessions, or the people
    queries: int
    median_ms: float


@dataclass(frozen=True)
class Export:
    rows: int
    queries: int
    seconds: float
    peak_mb: float  # what Python allocated at most while the file was streamed (tracemalloc)


@dataclass(frozen=True)
class Measured:
    block: list[Timed]
    plans: dict[str, str]  # the reads of the block that find the person's sessions: their plan
    mandate: list[Timed]
    exports: list[Export]


def measure(client: Client, loaded: dataset.Managers, built: list[dataset.Managers], counts: Counts) -> Measured:
    """`client` is the loaded enterprise's Main Access Manager; `built` the enterprises of every size."""
    block, plans = block_among_sessions(client, loaded, counts)
    mandate = mandate_end(client, loaded, counts)
    exports = [journal_export(client_of(managers), managers) for managers in built]
    return Measured(block, plans, mandate, exports)


def client_of(managers: dataset.Managers) -> Client:
    from bench.run import logged_in

    return logged_in(managers.usernames["main"])


def timed(action: Callable[[], int], repeats: int) -> tuple[int, float]:
    """The queries of the action (the same each time) and its median duration in ms; each run is
    rolled back. The first run, which reads what a process reads once, is not counted."""
    durations, queries = [], set()
    for index in range(repeats + 1):
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                status = action()
                elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        assert status == 302, status
        if index:
            durations.append(elapsed * 1000)
            queries.add(len(captured))
    assert len(queries) == 1, queries
    return queries.pop(), statistics.median(durations)


# --- Blocking among many sessions ------------------------------------------------------------


def block_among_sessions(
    client: Client, loaded: dataset.Managers, counts: Counts
) -> tuple[list[Timed], dict[str, str]]:
    """The block for all groups of a person logged in on two browsers, with few and with many other
    people's live sessions in the database (as their logins leave them: a session and its listing
    under its person); the plans of the reads that find the person's sessions, at the larger."""
    path = f"/e/{loaded.enterprise_id}/users/{loaded.member_in_one_group}/block/"
    figures = []
    with transaction.atomic():
        person = Person.objects.get(pk=loaded.member_in_one_group)
        user = get_user_model().objects.create_user(username="bench-blocked", password=None)
        person.user = user
        person.save(update_fields=["user"])
        keys = live_sessions([user.pk, user.pk])
        present = 0
        for others in counts.sessions:
            live_sessions(other_users(others - present))
            present = others
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE django_session; ANALYZE usersessions_usersession")
            queries, median = timed(
                lambda: client.post(path, {"reason": "Benchmark"}, secure=True).status_code, counts.repeats
            )
            figures.append(Timed(others, queries, median))
        plans = {
            "the person's sessions (usersessions_usersession)": plan(
                UserSession.objects.filter(user_id=user.pk).values_list("session_key", flat=True)
            ),
            "their sessions' rows (django_session)": plan(Session.objects.filter(session_key__in=keys)),
        }
        transaction.set_rollback(True)
    return figures, plans


def other_users(count: int) -> list[int]:
    stamp = time.time_ns()
    users = get_user_model().objects.bulk_create(
        (get_user_model()(username=f"bench-session-{stamp}-{index}") for index in range(count)), batch_size=5000
    )
    return [user.pk for user in users]


def live_sessions(user_ids: list[int]) -> list[str]:
    """A live session for each user id, listed under its user; their keys."""
    keys = [secrets.token_hex(16) for _ in user_ids]
    expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    Session.objects.bulk_create(
        (
            Session(
                session_key=key,
                session_data=SessionStore().encode({"_auth_user_id": str(user_id)}),
                expire_date=expires,
            )
            for key, user_id in zip(keys, user_ids, strict=True)
        ),
        batch_size=5000,
    )
    UserSession.objects.bulk_create(
        (
            UserSession(user_id=user_id, session_key=key, ip="192.0.2.1", user_agent="Firefox")
            for key, user_id in zip(keys, user_ids, strict=True)
        ),
        batch_size=5000,
    )
    return keys


def plan(queryset: QuerySet) -> str:  # type: ignore[type-arg]
    """The scans of the query's plan, without their costs: "Index Scan using … on …"."""
    scans = re.findall(r"((?:Bitmap Heap|Bitmap Index|Index Only|Index|Seq) Scan[^(\n]*)", queryset.explain())
    return "; ".join(scan.strip() for scan in scans)


# --- Ending a mandate of many people ---------------------------------------------------------


def mandate_end(client: Client, loaded: dataset.Managers, counts: Counts) -> list[Timed]:
    """The loaded enterprise, provider of a small neighbour, ends the mandate (its four eyes off, so
    that the end is carried out at once), with few and with many of its people acting under it."""
    figures = []
    with transaction.atomic():
        FourEyesSetting.objects.create(enterprise_id=loaded.enterprise_id, enabled=False)
        principal = Membership.objects.exclude(group__enterprise_id=loaded.enterprise_id).values_list(
            "group__enterprise_id", flat=True
        )[0]
        people = list(
            Membership.objects.filter(group_id=loaded.group_id).values_list("person_id", flat=True)[
                : max(counts.mandate_people)
            ]
        )
        dimona = OnlineService.objects.get(code="dimona")
        main = Person.objects.get(user__username=loaded.usernames["main"])
        for count in counts.mandate_people:
            mandate = Mandate.objects.create(
                principal_id=principal,
                provider_id=loaded.enterprise_id,
                starts_on=timezone.localdate().replace(day=1, month=1),
                status=Mandate.Status.ACCEPTED,
                offered_by=main,
            )
            mandate.services.set([dimona])
            MandateAccess.objects.bulk_create(
                (
                    MandateAccess(mandate=mandate, person_id=person, service=dimona, granted_by=main)
                    for person in people[:count]
                ),
                batch_size=5000,
            )
            end = f"/e/{loaded.enterprise_id}/mandates/{mandate.pk}/end/"

            def ended(path: str = end) -> int:
                return client.post(path, secure=True).status_code

            queries, median = timed(ended, counts.repeats)
            figures.append(Timed(count, queries, median))
        transaction.set_rollback(True)
    return figures


# --- The journal's export --------------------------------------------------------------------


def journal_export(client: Client, managers: dataset.Managers) -> Export:
    """The whole journal of the enterprise, as its Main Access Manager downloads it: streamed once
    for its queries and time, once under tracemalloc for the most memory it held."""
    path = reverse("access:journal_export", args=[managers.enterprise_id])
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        rows = streamed(client, path)
        seconds = time.perf_counter() - started
    queries = len(captured)  # read before the next request clears the log
    tracemalloc.start()
    try:
        assert streamed(client, path) == rows
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return Export(rows - 1, queries, seconds, peak / 1024 / 1024)


def streamed(client: Client, path: str) -> int:
    """The lines of the file, read as the browser would, a chunk at a time."""
    response = client.get(path, secure=True)
    assert response.status_code == 200 and response.streaming, (path, response.status_code)
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)  # type: ignore[attr-defined]
    response.close()
    return lines


# --- The report ------------------------------------------------------------------------------


def report(measured: Measured, sizes: tuple[int, ...]) -> list[str]:
    few, many = measured.block
    small, large = measured.mandate
    exports = measured.exports
    reference = next((export for export in exports if export.rows >= 10_000), exports[-2])
    largest = exports[-1]
    lines = [
        "## Costs that do not grow",
        "",
        "Measured in the process (Django's test client, the production settings), each action rolled "
        "back and repeated for its median, the first run not counted.",
        "",
        "| action | with | queries | median ms | with | queries | median ms | ÷ (median) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| block for all groups, a person with 2 sessions | {few.count:,} other sessions | {few.queries} "
        f"| {few.median_ms:.1f} | {many.count:,} other sessions | {many.queries} | {many.median_ms:.1f} "
        f"| {many.median_ms / few.median_ms:.2f} |",
        f"| end a mandate | {small.count:,} people acting | {small.queries} | {small.median_ms:.1f} "
        f"| {large.count:,} people acting | {large.queries} | {large.median_ms:.1f} "
        f"| {large.median_ms / small.median_ms:.2f} |",
        "",
        f"How the block finds the person's sessions among {many.count:,} others (EXPLAIN):",
        "",
        *[f"- {what}: {scans}" for what, scans in measured.plans.items()],
        "",
        "The journal's export (CSV, streamed) of the whole journal of each enterprise, by its Main "
        "Access Manager; the peak is what Python allocated at most while the file was streamed "
        "(tracemalloc):",
        "",
        "| users of the enterprise | rows | queries | seconds | rows/s | peak MB |",
        "|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {size:,} | {export.rows:,} | {export.queries} | {export.seconds:.2f} "
            f"| {export.rows / export.seconds:,.0f} | {export.peak_mb:.2f} |"
            for size, export in zip(sizes, exports, strict=True)
        ],
        "",
        f"- Block for all groups: queries {verdict(few.queries == many.queries)} "
        f"({few.queries} and {many.queries}); median ×{many.median_ms / few.median_ms:.2f} "
        f"with {many.count // few.count:,}× the sessions.",
        f"- End of a mandate: queries {verdict(small.queries == large.queries)} "
        f"({small.queries} and {large.queries}); median ×{large.median_ms / small.median_ms:.2f} "
        f"with {large.count // small.count:,}× the people.",
        f"- Export: queries {verdict(len({export.queries for export in exports}) == 1)}; "
        f"peak memory ×{largest.peak_mb / reference.peak_mb:.2f} "
        f"for {largest.rows:,} rows against {reference.rows:,}.",
        "",
    ]
    return lines


def verdict(constant: bool) -> str:
    return "the same" if constant else "**grow**"
