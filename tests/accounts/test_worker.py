"""A real Celery worker on Redis, and Redis down at the moment the designation commits: the
designation stands, the messages wait, and once Redis is back the worker delivers each once."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from access import selectors
from accounts.models import OutboundMessage
from accounts.tasks import deliver_message, flush_outbox
from portal.celery import app
from tests import factories
from tests.accounts.test_outbox_retries import time_passes
from tests.servers import RedisServer

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def redis_server(settings, tmp_path):
    """A real Redis of the test's own as the portal's broker and cache, as production has one for
    both: the test stops it while the rest of the suite goes on with the shared one."""
    server = RedisServer(tmp_path)
    server.start()
    settings.REDIS_URL = server.url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    shared = app.conf.broker_url
    app.conf.broker_url = server.url
    forget_broker_connections()
    yield server
    app.conf.broker_url = shared
    forget_broker_connections()
    server.stop()


def forget_broker_connections() -> None:
    """The app keeps the pool of connections to the broker it met first: the next task takes the
    pool of the broker now configured (kombu keeps one per broker, left open for the next test)."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_redis_down_when_the_designation_commits_then_a_real_worker_delivers_once(
    world, redis_server, smtp_server, sms_gateway, tmp_path
):
    redis_server.stop()
    factories.foreign_main(world)
    # The designation stands; the messages wait for the broker.
    assert selectors.main_manager_of(world.enterprise).designation.person.surname == "Silva"
    assert sorted(OutboundMessage.objects.values_list("channel", "status")) == [
        ("email", "pending"),
        ("sms", "waiting"),
    ]

    redis_server.start()
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
    """A real `celery worker` process on the test database and the broker of the settings, logging to a file."""
    database = connection.settings_dict
    # Without pytest-xdist's name of the process, tests/settings.py takes REDIS_URL as given here.
    environment = {name: value for name, value in os.environ.items() if name != "PYTEST_XDIST_WORKER"}
    env = {
        **environment,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": django_settings.REDIS_URL,
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
