"""`make bench` on tiny data, so that the benchmark cannot rot: every step runs (gunicorn, wrk,
the Celery worker, the SMTP server, a client of the decision point), the tables have every row,
and the number of queries of each page and of each request to the decision point is the same in
enterprises of 10, 30 and 100 users."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from bench import load
from bench.decision_point import BATCH, BATCH_50, CONNECTIONS, FEW, ONE, SCENARIOS
from bench.run import ADMIN, FLOOR, KEY_PAGES
from tests.servers import PageServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    output = tmp_path_factory.mktemp("bench") / "benchmarks.md"
    # A database of its own beside the suite's, and the suite's Redis, so that suites run side by
    # side on other services share neither with this one.
    database = "test_{}_bench_smoke".format(settings.DATABASES["default"]["NAME"].removeprefix("test_"))
    command = ["--smoke", "--output", str(output), "--database", database, "--redis", settings.REDIS_URL]
    result = subprocess.run(
        [sys.executable, "-m", "bench", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return output.read_text()


def section(report: str, heading: str) -> str:
    return report.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def table_rows(report: str) -> dict[tuple[str, str], list[str]]:
    rows = {}
    for line in section(report, "Pages").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 10 and re.fullmatch(r"[\d.]+", cells[2]):
            rows[(cells[0], cells[1])] = cells
    return rows


def test_every_page_is_measured_for_every_manager(report):
    rows = table_rows(report)
    expected = {(FLOOR.name, "main"), (ADMIN.name, "staff")}
    expected |= {(page.name, persona) for page in KEY_PAGES for persona in page.personas}
    assert set(rows) == expected
    for page, persona in expected:
        median, p95, per_second = (float(rows[(page, persona)][index]) for index in (2, 3, 4))
        assert 0 < median <= p95, (page, persona)
        assert per_second > 0, (page, persona)


def test_queries_do_not_grow_with_the_number_of_users(report):
    for (page, persona), cells in table_rows(report).items():
        by_size = cells[6].split(" / ")
        assert len(by_size) == 3 and len(set(by_size)) == 1, (page, persona, by_size)
    block = re.findall(r"^\| (\d+) \| (\d+) \| (\d+) \|$", report, flags=re.MULTILINE)
    assert [size for size, _, _ in block] == ["10", "30", "100"]
    assert len({(two, twenty) for _, two, twenty in block}) == 1
    assert all(two == twenty for _, two, twenty in block)


def test_notifications_and_memory_are_reported(report):
    assert re.search(r"20 e-mails committed at once, .* \*\*\d+ messages per second\*\*; 20 marked sent", report)
    assert re.search(r"gunicorn workers \d+ MB, \d+ MB; Celery worker \d+ MB", report)
    assert "## Machine" in report and "## Targets" in report


def test_the_decision_point_is_measured_beside_the_floor(report):
    text = section(report, "Decision point")
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 9 and re.fullmatch(r"[\d.]+", cells[1]):
            rows[cells[0]] = cells
    floors = {f"floor (trivial page), {connections} connections" for connections in (CONNECTIONS, FEW)}
    assert set(rows) == floors | {scenario.name for scenario in SCENARIOS}
    for name, cells in rows.items():
        median, p95, p99, per_second = (float(cells[index]) for index in (1, 2, 3, 4))
        assert 0 < median <= p95 <= p99 and per_second > 0, name
    for scenario in SCENARIOS:
        cells = rows[scenario.name]
        # req/s is rounded: the decisions per second are within half a request of it.
        assert float(cells[5]) == pytest.approx(float(cells[4]) * scenario.decisions, abs=scenario.decisions), (
            scenario.name
        )
        by_size = cells[6].split(" / ")
        assert len(by_size) == 3 and len(set(by_size)) == 1, (scenario.name, by_size)
    # A batch of fifty costs the queries of one decision.
    assert rows[BATCH_50.name][6] == rows[ONE.name][6]
    assert BATCH == 50
    assert re.search(r"One decision's throughput at least 50% of the floor's: (met|\*\*missed\*\*) \(\d+%", text)
    assert re.search(r"One decision's p99 at most 10 ms: (met|\*\*missed\*\*) \([\d.]+ ms", text)
    assert re.search(r"A batch of 50's median at most 5× one decision's: (met|\*\*missed\*\*) \([\d.]+×\)", text)
    assert "Queries constant in the number of users and of decisions per request: met." in text


def test_an_import_is_checked_and_carried_out_by_a_worker(report):
    text = section(report, "Import of users")
    found = re.search(
        r"^\| 100 \| (\d+) \| [\d.]+ \| (\d+) \| (\d+) / (\d+) \| (\d+) \| [\d.]+ \| \d+ \| (\d+) \|$",
        text,
        re.MULTILINE,
    )
    assert found, text
    changes, queries, smaller, larger, page, carried_out = (int(value) for value in found.groups())
    assert changes == carried_out == 100  # every row of the file changes something, and is done
    assert queries == smaller == larger
    assert 0 < page <= 12
    assert "Queries of the check constant in the number of rows: met." in text


def test_an_hr_system_creates_users_through_scim(report):
    text = section(report, "Provisioning through SCIM")
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"[\d,]+", cells[1]):
            rows[cells[0].split(" (`")[0]] = [float(cell.replace(",", "")) for cell in cells[1:]]
    assert set(rows) == {
        "create a user",
        "add 100 members with a service to a group of 120",
        "read every user, 100 a page",
    }
    assert rows["create a user"][0] == 20
    assert rows["add 100 members with a service to a group of 120"][0] == 1  # the 20 hired, in one request
    for requests, seconds, per_second, median, p95 in rows.values():
        assert requests >= 1
        assert seconds > 0 and per_second > 0 and 0 < median <= p95
    every_user = re.search(r"read every user, 100 a page \(`GET /Users`\), (\d+) users", text)
    assert every_user and int(every_user[1]) >= 120  # the hundred users of the enterprise and the twenty hired


def test_costs_that_do_not_grow_are_measured(report):
    """A block for all groups among many other live sessions, the end of a mandate of many people,
    and the journal's export of each enterprise: the same queries at either size, and a ratio."""
    text = section(report, "Costs that do not grow")
    block = re.search(
        r"^\| block for all groups, .* \| 10 other sessions \| (\d+) \| [\d.]+ \| 200 other sessions \| (\d+) "
        r"\| [\d.]+ \| [\d.]+ \|$",
        text,
        re.MULTILINE,
    )
    assert block and block[1] == block[2], text
    mandate = re.search(
        r"^\| end a mandate \| 3 people acting \| (\d+) \| [\d.]+ \| 30 people acting \| (\d+) \| [\d.]+ \| [\d.]+ \|$",
        text,
        re.MULTILINE,
    )
    assert mandate and mandate[1] == mandate[2], text
    assert "- the person's sessions (usersessions_usersession): " in text
    assert "- their sessions' rows (django_session): " in text
    exports = re.findall(r"^\| (\d+) \| ([\d,]+) \| (\d+) \| [\d.]+ \| [\d,]+ \| ([\d.]+) \|$", text, re.MULTILINE)
    assert [size for size, *_ in exports] == ["10", "30", "100"]
    assert len({queries for _, _, queries, _ in exports}) == 1
    assert all(float(peak) > 0 for *_, peak in exports)
    assert text.count("queries the same") == 3
    assert re.search(r"peak memory ×[\d.]+ for [\d,]+ rows against [\d,]+\.", text)


@pytest.fixture
def page_server():
    server = PageServer()
    yield server.url
    server.stop()


def test_a_load_shorter_than_a_second_is_cut_short_and_measured(page_server):
    """The smoke run's loads last 0.3 s, which wrk, counting whole seconds, cannot be told."""
    environment = {**os.environ, "BENCH_ORIGIN": page_server.rstrip("/")}
    script = str(ROOT / "bench" / "report.lua")
    figures = load.wrk(page_server, environment, script=script, name="trivial", seconds=0.3, warm_up=False)
    assert figures.requests >= 10 and 0 < figures.p50_ms <= figures.p95_ms
    ran = figures.requests / figures.rps  # the seconds wrk says it ran: stopped on its next tick after 0.3 s
    assert 0.2 < ran < 1, ran  # not the whole second it was started for
