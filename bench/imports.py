"""The import of users in the benchmark (docs/design.md §5.14): a file of the loaded enterprise
checked in the web process, as the upload's request does it, at two sizes (the queries must not
grow with the rows); then the larger one carried out by one Celery worker, timed from the request
that starts it until its last row is done.

The file is what a Main Access Manager loads at the start of a year: half new people added to the
first group with two online services, a quarter of its users granted one more service, a quarter of
them blocked in it.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from access import selectors
from access.identifiers import make_niss
from access.models import FourEyesSetting, Group
from bench.dataset import Managers
from imports.models import Import

ROOT = Path(__file__).resolve().parent.parent
WORKER_POOL = os.environ.get("BENCH_WORKER_POOL", "--pool threads --concurrency 8").split()
HEADER = "National register number;Given name;Surname;E-mail address;Group;Online services;Action;Reason"


@dataclass(frozen=True)
class Figures:
    rows: int
    smaller: int  # the rows of the smaller file, checked to compare the queries
    changes: int
    check_seconds: float
    check_queries: int
    smaller_check_queries: int
    page_queries: int
    commit_seconds: float
    carried_out: int


def build_file(managers: Managers, rows: int) -> bytes:
    group = Group.objects.select_related("role_type").get(pk=managers.group_id)
    offered = sorted(group.role_type.services.filter(delegatable=True).values_list("code", flat=True))
    memberships = list(
        selectors.current_memberships()
        .filter(group=group, status="active")
        .select_related("person")
        .prefetch_related("grants__service")
        .order_by("pk")[: rows // 2]
    )
    lines = [HEADER]
    first_new = date(2001, 1, 1)
    for index in range(rows - len(memberships)):
        niss = make_niss(first_new + timedelta(days=index // 900), index % 900 + 1)
        services = ", ".join(offered[index % len(offered)] for index in (index, index + 1))
        lines.append(f"{niss};New;Person{index:05d};;{group.role_type.code};{services};add;")
    for index, membership in enumerate(memberships):
        if index % 2:
            lines.append(f"{membership.person.niss};;;;{group.role_type.code};;block;Left for the year")
            continue
        held = {grant.service.code for grant in membership.grants.all() if grant.revoked_at is None}
        missing = next((code for code in offered if code not in held), offered[0])
        lines.append(f"{membership.person.niss};;;;{group.role_type.code};{missing};add;")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def check(client: Client, managers: Managers, data: bytes) -> tuple[Import, float, int]:
    """Upload the file: read, weighed row by row, kept with its verdicts. (import, seconds, queries)."""
    upload = SimpleUploadedFile("bench.csv", data, content_type="text/csv")
    with CaptureQueriesContext(connection) as captured:
        started = time.monotonic()
        response = client.post(f"/e/{managers.enterprise_id}/import/", {"file": upload}, secure=True)
        elapsed = time.monotonic() - started
    if response.status_code != 302:
        raise RuntimeError(f"the check of the file answered {response.status_code}")
    return Import.objects.latest("pk"), elapsed, len(captured)


def measure(client: Client, managers: Managers, rows: int, worker_ready: Callable[[], None]) -> Figures:
    # The file blocks a quarter of its rows: with four eyes on (the enterprise has a co-MAM), the
    # blocks past the hour's threshold would wait for a second manager. Measured here is the import
    # itself, so its Main Access Manager turns four eyes off, as an enterprise loading its year may.
    FourEyesSetting.objects.update_or_create(enterprise_id=managers.enterprise_id, defaults={"enabled": False})
    smaller = max(10, rows // 100)
    _job, _seconds, smaller_queries = check(client, managers, build_file(managers, smaller))
    job, check_seconds, check_queries = check(client, managers, build_file(managers, rows))
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/e/{managers.enterprise_id}/import/{job.pk}/", secure=True)
    page_queries = len(captured)  # counted now: the next request empties the log it reads
    if page.status_code != 200:
        raise RuntimeError(f"the check's page answered {page.status_code}")
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "portal", "worker", *WORKER_POOL, "--loglevel", "WARNING"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        worker_ready()
        started = time.monotonic()
        response = client.post(f"/e/{managers.enterprise_id}/import/{job.pk}/commit/", secure=True)
        if response.status_code != 302:
            raise RuntimeError(f"starting the import answered {response.status_code}")
        deadline = started + 3600
        while Import.objects.filter(pk=job.pk).values_list("status", flat=True).get() != Import.Status.DONE:
            if time.monotonic() > deadline:
                raise RuntimeError("the import did not end within an hour")
            time.sleep(0.2)
        commit_seconds = time.monotonic() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    job.refresh_from_db()
    return Figures(
        rows=rows,
        smaller=smaller,
        changes=job.changes,
        check_seconds=check_seconds,
        check_queries=check_queries,
        smaller_check_queries=smaller_queries,
        page_queries=page_queries,
        commit_seconds=commit_seconds,
        carried_out=job.carried_out,
    )


def report(figures: Figures) -> list[str]:
    constant = "met" if figures.check_queries == figures.smaller_check_queries else "**missed**"
    return [
        "## Import of users",
        "",
        f"A file of {figures.rows:,} rows for the loaded enterprise, uploaded by its Main Access Manager: half new "
        "people added to a group with two online services, a quarter of its users granted one more service, a "
        f"quarter blocked. The check (the dry run) runs in the web process; the import in one Celery worker "
        f"(`{' '.join(WORKER_POOL)}`), timed from the request that starts it until its last row is done.",
        "",
        "| rows | changes foreseen | check s | queries of the check | queries at "
        f"{figures.smaller:,} / {figures.rows:,} rows | queries of its page | import s | rows/s | carried out |",
        "|---:|---:|---:|---:|---|---:|---:|---:|---:|",
        f"| {figures.rows:,} | {figures.changes:,} | {figures.check_seconds:.1f} | {figures.check_queries} "
        f"| {figures.smaller_check_queries} / {figures.check_queries} | {figures.page_queries} "
        f"| {figures.commit_seconds:.1f} | {figures.carried_out / figures.commit_seconds:.0f} "
        f"| {figures.carried_out:,} |",
        "",
        f"- Queries of the check constant in the number of rows: {constant}.",
        "",
    ]
