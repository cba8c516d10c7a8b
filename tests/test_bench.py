"""`make bench` on tiny data, so that the benchmark cannot rot: every step runs (gunicorn, wrk,
the Celery worker, the SMTP server), the table has every row, and the number of queries of each
page is the same in enterprises of 10, 30 and 100 users."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import ADMIN, FLOOR, KEY_PAGES, MANAGERS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    output = tmp_path_factory.mktemp("bench") / "benchmarks.md"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--output", str(output), "--database", "test_portal_bench_smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return output.read_text()


def table_rows(report: str) -> dict[tuple[str, str], list[str]]:
    rows = {}
    for line in report.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 10 and re.fullmatch(r"[\d.]+", cells[2]):
            rows[(cells[0], cells[1])] = cells
    return rows


def test_every_page_is_measured_for_every_manager(report):
    rows = table_rows(report)
    expected = {(FLOOR.name, "main"), (ADMIN.name, "staff")}
    expected |= {(page.name, persona) for page in KEY_PAGES for persona in MANAGERS}
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
