"""A real Celery worker for the tests of imports: a process on the test database and the suite's
Redis, logging to a file, stopped when the test is over."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@contextmanager
def celery_worker(log: Path, **environment: str) -> Iterator[Path]:
    """`celery worker` with the test process's environment, on the test database; notices are
    gathered as soon as their batch closes (a batch of 0) unless told otherwise."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "NOTICE_BATCH_SECONDS": "0",
        **environment,
    }
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--purge", "--loglevel=INFO",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: "ready" in log.read_text() or process.poll() is not None), log.read_text()
        assert process.poll() is None, log.read_text()
        yield log
    finally:
        process.terminate()
        process.wait(timeout=20)
