"""/health/ beyond the database and Redis: a Celery worker ran its heartbeat lately (when a worker is
expected), and the outbox holds no message older than its limit. A real worker keeps the check
green, and writes its log lines as JSON with the id of the task they belong to."""

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from accounts import outbox
from accounts.models import OutboundMessage
from portal import worker
from portal.tasks import record_heartbeat
from tests.test_production import production_env

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db


@pytest.fixture
def no_heartbeat(settings):
    """A worker is expected (as with a broker in production), and none has been heard from."""
    settings.WORKER_HEARTBEAT_MAX_AGE = 300
    redis.Redis.from_url(settings.REDIS_URL).delete(worker.HEARTBEAT_KEY)


def message(**fields) -> OutboundMessage:
    user = get_user_model().objects.create_user(username=f"notified-{time.time_ns()}")
    return OutboundMessage.objects.create(
        user=user, channel="email", purpose="username", recipient="someone@example.be", **fields
    )


def test_a_worker_heard_from_lately_is_ok_and_one_silent_too_long_is_stale(client, no_heartbeat):
    worker.record_heartbeat()
    response = client.get("/health/")
    assert (response.status_code, response.json()["worker"]) == (200, "ok")
    with time_machine.travel(timezone.now() + timedelta(seconds=299)):
        assert client.get("/health/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=301)):
        stale = client.get("/health/")
    # Reported, but the machine still serves: a load balancer keeps it.
    assert stale.status_code == 200
    assert stale.json() == {"database": "ok", "redis": "ok", "worker": "stale", "outbox": "ok"}


def test_a_worker_never_heard_from_is_stale(client, no_heartbeat):
    response = client.get("/health/")
    assert (response.status_code, response.json()["worker"]) == (200, "stale")


def test_the_heartbeat_task_refreshes_the_heartbeat(client, no_heartbeat, eager_tasks):
    with time_machine.travel(timezone.now() - timedelta(seconds=600)):
        worker.record_heartbeat()
    assert client.get("/health/").json()["worker"] == "stale"
    record_heartbeat.delay()
    assert client.get("/health/").json()["worker"] == "ok"


def test_with_redis_down_the_worker_is_unknown(client, no_heartbeat, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "unavailable", "worker": "unknown", "outbox": "ok"}


def test_without_a_worker_expected_there_is_no_worker_check(client, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE = 0  # tasks inline (`make run`), or a deployment that says so
    redis.Redis.from_url(settings.REDIS_URL).delete(worker.HEARTBEAT_KEY)
    response = client.get("/health/")
    assert response.status_code == 200
    assert "worker" not in response.json()


@pytest.mark.parametrize(
    "variables, expected",
    [
        ({"REDIS_URL": ""}, 0),  # tasks inline: no worker to hear from
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, 300),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0", "WORKER_HEARTBEAT_MAX_AGE": "120"}, 120),
    ],
)
def test_a_worker_is_expected_where_there_is_a_broker(variables, expected):
    env = {**production_env(**variables), "DJANGO_SETTINGS_MODULE": "portal.settings"}
    if "WORKER_HEARTBEAT_MAX_AGE" not in variables:
        del env["WORKER_HEARTBEAT_MAX_AGE"]  # the suite's own 0
    command = [sys.executable, "-c", "from django.conf import settings; print(settings.WORKER_HEARTBEAT_MAX_AGE)"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == expected


def test_an_old_undelivered_message_is_a_backlog(client):
    pending = message()
    message(status="waiting")
    assert client.get("/health/").json()["outbox"] == "ok"
    with time_machine.travel(timezone.now() + timedelta(seconds=899)):
        assert client.get("/health/").status_code == 200
        assert outbox.backlog().count == 2
    with time_machine.travel(timezone.now() + timedelta(seconds=901)):
        backlog = client.get("/health/")
    assert backlog.status_code == 200
    assert backlog.json() == {"database": "ok", "redis": "ok", "outbox": "backlog"}
    # Delivered, failed or cancelled messages are no backlog.
    OutboundMessage.objects.filter(pk=pending.pk).update(status="sent", sent_at=timezone.now())
    OutboundMessage.objects.filter(status="waiting").update(status="failed")
    message(status="cancelled")
    with time_machine.travel(timezone.now() + timedelta(seconds=901)):
        assert client.get("/health/").json() == {"database": "ok", "redis": "ok", "outbox": "ok"}


def test_the_backlog_limit_follows_its_setting_and_0_turns_it_off(client, settings):
    message()
    settings.OUTBOX_BACKLOG_MAX_AGE = 60
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert client.get("/health/").json()["outbox"] == "backlog"
        settings.OUTBOX_BACKLOG_MAX_AGE = 0
        assert client.get("/health/").json() == {"database": "ok", "redis": "ok"}


# --- A real worker --------------------------------------------------------------------------------


def wait_for(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_running_worker_keeps_the_health_check_green_and_logs_json_lines(client, no_heartbeat, settings, tmp_path):
    assert client.get("/health/").json()["worker"] == "stale"
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "LOG_FORMAT": "json",
    }
    log = tmp_path / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "portal", "--quiet", "worker", "--pool=solo", "--purge",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        # The worker writes its first heartbeat as soon as it is ready.
        assert wait_for(lambda: client.get("/health/").json()["worker"] == "ok"), log.read_text()
        heartbeat = redis.Redis.from_url(settings.REDIS_URL)
        first = float(heartbeat.get(worker.HEARTBEAT_KEY))  # type: ignore[arg-type]
        task = record_heartbeat.delay()
        assert wait_for(lambda: float(heartbeat.get(worker.HEARTBEAT_KEY)) > first), log.read_text()  # type: ignore[arg-type]
        assert wait_for(lambda: "succeeded" in log.read_text()), log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=20)
    # Every log record is a JSON line; Celery also prints a few words of its own (its shutdown,
    # and a warning when it runs as root, as here), which are not records.
    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert any(record["message"].endswith("ready.") for record in records)
    of_the_task = [record for record in records if record["task_id"] == task.id]
    assert [record["logger"] for record in of_the_task] == ["celery.app.trace"]
    assert "succeeded" in of_the_task[0]["message"] and of_the_task[0]["level"] == "INFO"
