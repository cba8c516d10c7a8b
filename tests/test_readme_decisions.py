"""The README's walk-through of the decision point, run as printed (only the port differs) with curl
against a portal started as `make run` starts it: SQLite, `migrate`, `load_demo` (twice: it may be
run again), `runserver` with DEBUG=1. The answers are those the README shows."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.settings import TEST_ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- decision point walk-through: start -->", "<!-- decision point walk-through: end -->"
MAKE_RUN_ORIGIN = "http://127.0.0.1:8000"
SEPARATOR = "--- the next command ---"


def readme_part() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8").split(START, 1)[1]


def walk_through() -> list[str]:
    """The commands of the walk-through, each on one line."""
    script = re.search(r"```sh\n(.*?)```", readme_part().split(END, 1)[0], re.DOTALL)
    assert script is not None
    commands, current = [], ""
    for line in script.group(1).splitlines():
        if not current and (not line.strip() or line.startswith("#")):
            continue
        current += line.removesuffix("\\").strip() + " " if line.endswith("\\") else line.strip()
        if not line.endswith("\\"):
            commands.append(current)
            current = ""
    return commands


def shown_answers() -> list[str]:
    """The answers the README shows after the walk-through, one a line."""
    shown = re.search(r"```\n(.*?)```", readme_part().split(END, 1)[1], re.DOTALL)
    assert shown is not None
    return shown.group(1).splitlines()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> Iterator[str]:
    """A portal as `make run` serves it, on a free port and a database of its own."""
    if shutil.which("curl") is None:
        pytest.fail("curl is missing: scripts/ensure-services installs it")
    database = tmp_path_factory.mktemp("make-run") / "db.sqlite3"
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in TEST_ENVIRONMENT and name not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")
    }
    environment |= {"DEBUG": "1", "DEV_IDP_ENABLED": "1", "DATABASE_URL": f"sqlite:///{database}"}

    def manage(*arguments: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "-v0")
    assert "Demo client of the decision point: demo-dimona" in manage("load_demo")
    again = manage("load_demo")
    assert "Demo data already present." in again
    assert "Demo client of the decision point already present: demo-dimona" in again

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/.well-known/authzen-configuration"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a loopback address
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def answers(origin) -> tuple[list[str], str]:
    """What the README's commands print, each command's standard output apart, and the standard
    error (where the first one shows the token endpoint's answer)."""
    commands = walk_through()
    assert len(commands) == 3 and all(MAKE_RUN_ORIGIN in command for command in commands)
    script = f"\nprintf '\\n{SEPARATOR}\\n'\n".join(command.replace(MAKE_RUN_ORIGIN, origin) for command in commands)
    done = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (done.stdout, done.stderr)
    return [part.strip() for part in done.stdout.split(SEPARATOR)], done.stderr.strip()


def test_the_token_endpoint_gives_the_demo_client_a_token(answers):
    outputs, stderr = answers
    token = json.loads(stderr)
    assert outputs[0] == ""  # the token is kept in TOKEN
    shown = json.loads(shown_answers()[0])
    assert set(token) == set(shown) == {"access_token", "expires_in", "token_type", "scope"}
    assert (token["expires_in"], token["token_type"]) == (shown["expires_in"], shown["token_type"]) == (300, "Bearer")
    assert (
        set(token["scope"].split())
        == set(shown["scope"].split())
        == {
            "service:dimona",
            "service:dmfa",
            "service:ebox",
        }
    )
    assert re.fullmatch(r"[A-Za-z0-9]{30}", token["access_token"])


def test_a_user_with_dimona_in_the_bakery_may_use_it(answers):
    outputs, _stderr = answers
    assert outputs[1] == shown_answers()[1] == '{"decision": true}'


def test_the_batch_answers_each_question_in_order(answers):
    outputs, _stderr = answers
    answer, shown = json.loads(outputs[2]), json.loads(shown_answers()[2])
    decisions = [item["decision"] for item in answer["evaluations"]]
    assert decisions == [item["decision"] for item in shown["evaluations"]] == [True, True, False]
    denial, shown_denial = answer["evaluations"][2]["context"], shown["evaluations"][2]["context"]
    assert denial["reason"] == shown_denial["reason"] == "no_membership"
    for words in ("reason_admin", "reason_user"):
        assert set(denial[words]) == set(shown_denial[words]) == {"fr", "nl", "de", "en"}
        assert denial[words]["en"] == shown_denial[words]["en"]
