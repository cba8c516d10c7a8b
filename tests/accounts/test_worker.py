"""A real Celery worker on Redis, and Redis down at the moment the designation commits: the
designation stands, the messages wait, and once Redis is back the worker delivers each once."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from access import selectors
from accounts.models import OutboundMessage
from accounts.tasks import deliver_message, flush_outbox
from tests import factories
from tests.accounts.test_outbox_retries import time_passes

pytestmark = pytest.mark.serial

ROOT = Path(__file__).resolve().parents[2]
REDIS_START = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
    "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
]  # fmt: skip


def redis_is_up() -> bool:
    return subprocess.run(["redis-cli", "ping"], capture_output=True, text=True).stdout.strip() == "PONG"


def wait_for(condition, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def redis_outage():
    """Stop the real Redis server; start it again afterwards whatever happens."""
    subprocess.run(["redis-cli", "shutdown", "nosave"], capture_output=True)
    assert wait_for(lambda: not redis_is_up(), 10)

    def restore():
        if not redis_is_up():
            Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
            Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
            subprocess.run(REDIS_START, check=True, capture_output=True)
        assert wait_for(redis_is_up, 10)

    yield restore
    restore()


@pytest.mark.django_db(transaction=True)
def test_redis_down_when_the_designation_commits_then_a_real_worker_delivers_once(
    world, redis_outage, smtp_server, sms_gateway, tmp_path
):
    factories.foreign_main(world)
    # The designation stands; the messages wait for the broker.
    assert selectors.main_manager_of(world.enterprise).designation.person.surname == "Silva"
    assert sorted(OutboundMessage.objects.values_list("channel", "status")) == [
        ("email", "pending"),
        ("sms", "waiting"),
    ]

    redis_outage()  # Redis is back
    log = tmp_path / "worker.log"
    process = _start_worker(log, smtp_server, sms_gateway)
    try:
        assert flush_outbox() == 0  # not due yet: the designation's own task may still come
        time_passes(60)
        assert flush_outbox() == 1
        assert wait_for(lambda: set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}, 60)
        # Once each, even when the sweeper runs again and the task is queued twice more.
        time_passes(60)
        assert flush_outbox() == 0
        for message in OutboundMessage.objects.all():
            deliver_message.delay(message.pk)
        assert wait_for(lambda: log.read_text().count("succeeded") >= 4, 30), log.read_text()
        assert len(smtp_server.messages) == 1
        assert len(sms_gateway.accepted) == 1
        assert "Your username is:" in smtp_server.bodies()[0]
        assert OutboundMessage.objects.get(channel="email").attempts == 1
        # The worker's log and the task results name statuses, never the password.
        password = sms_gateway.accepted[0]["text"].strip().splitlines()[-1]
        assert password not in log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=20)


def _start_worker(log: Path, smtp_server, sms_gateway) -> subprocess.Popen:
    """A real `celery worker` process on the test database, logging to a file."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "SMS_BACKEND": "accounts.sms.HttpGatewayBackend",
        "SMS_GATEWAY_URL": sms_gateway.url,
        "SMS_GATEWAY_TOKEN": sms_gateway.token,
    }
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--purge", "--loglevel=INFO",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    assert wait_for(lambda: "ready" in log.read_text() or process.poll() is not None, 60), log.read_text()
    assert process.poll() is None, log.read_text()
    return process
