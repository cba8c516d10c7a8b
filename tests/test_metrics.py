"""/metrics for Prometheus: for the bearer of METRICS_TOKEN only (nothing there without one);
requests by view and status with their latency, refused logins, and read at each scrape the
outbox's backlog, the Celery queue and the worker's heartbeat."""

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
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import OutboundMessage
from portal import worker
from portal.celery import app as celery_app
from portal.tasks import record_heartbeat
from tests import factories
from tests.staff import create_staff, one_time_code
from tests.test_production import production_env

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "a-metrics-token-of-the-tests-0123456789"
pytestmark = pytest.mark.django_db


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client: Client | None = None) -> dict[tuple[str, frozenset], float]:
    """Every sample of the metrics, by name and labels."""
    response = (client or Client()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def test_without_a_token_there_are_no_metrics(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "", f"Basic {TOKEN}", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer", f"Bearer  {TOKEN}"],
)
def test_anyone_without_the_token_is_refused(client, token, authorization):
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = client.get("/metrics", **headers)
    assert response.status_code == 403
    assert b"django_http" not in response.content


def test_a_person_logged_in_is_refused_too(world, login, token):
    assert login(world.main).get("/metrics").status_code == 403


def test_the_bearer_of_the_token_reads_the_metrics_over_plain_http(token, settings):
    # Prometheus scrapes each machine on the private network, like the load balancer's health check.
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert Client().get("/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 301


def test_requests_are_counted_by_view_and_status_with_their_latency(token):
    labels = {"view": "home", "method": "GET"}
    before = scrape()
    browser = Client()
    browser.get("/")
    browser.get("/")
    browser.get("/health/")
    after = scrape()
    responses = "django_http_responses_total_by_status_view_method_total"
    ok = {"status": "200", **labels}
    assert (value(after, responses, **ok) or 0) - (value(before, responses, **ok) or 0) == 2
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert (value(after, latency, **labels) or 0) - (value(before, latency, **labels) or 0) == 2
    assert value(after, "django_http_requests_latency_seconds_by_view_method_bucket", le="+Inf", **labels)
    assert value(after, responses, status="200", view="health", method="GET")


def test_refused_logins_are_counted_by_reason(world, token):
    failures = "portal_login_failures_total"
    before = scrape()
    user = world.member.user
    for _ in range(5):
        Client().post("/accounts/login/", {"login": user.username, "password": "wrong-password"})
    Client().post("/accounts/login/", {"login": user.username, "password": factories.PASSWORD})  # locked now
    staff, secret = create_staff()
    browser = Client()
    password = {"login": staff.username, "password": factories.PASSWORD}
    assert browser.post("/accounts/login/", password).status_code == 302  # on to the one-time code
    wrong = "000000" if one_time_code(secret) != "000000" else "111111"
    assert browser.post("/accounts/2fa/authenticate/", {"code": wrong}).status_code == 200
    after = scrape()
    counted = {
        reason: value(after, failures, reason=reason) - value(before, failures, reason=reason)  # type: ignore[operator]
        for reason in ("password", "locked", "one_time_code")
    }
    assert counted == {"password": 5, "locked": 1, "one_time_code": 1}


def test_the_outbox_backlog_is_read_when_scraped(token):
    assert value(scrape(), "portal_outbox_undelivered_messages") == 0
    assert value(scrape(), "portal_outbox_oldest_undelivered_age_seconds") == 0
    user = get_user_model().objects.create_user(username="notified")
    for status in ("pending", "waiting", "sent", "failed", "cancelled"):
        OutboundMessage.objects.create(
            user=user,
            channel="email",
            purpose="username",
            recipient="someone@example.be",
            status=status,
            sent_at=timezone.now() if status == "sent" else None,
        )
    with time_machine.travel(timezone.now() + timedelta(seconds=600), tick=False):
        samples = scrape()
    assert value(samples, "portal_outbox_undelivered_messages") == 2
    assert 600 <= value(samples, "portal_outbox_oldest_undelivered_age_seconds") < 605  # type: ignore[operator]


def test_the_celery_queue_and_the_heartbeat_are_read_when_scraped(token, settings):
    broker = redis.Redis.from_url(settings.REDIS_URL)
    queue = celery_app.conf.task_default_queue
    broker.delete(queue, worker.HEARTBEAT_KEY)
    samples = scrape()
    assert value(samples, "portal_celery_queue_length") == 0
    assert value(samples, "portal_worker_heartbeat_age_seconds") is None  # no worker ever ran it
    try:
        for _ in range(3):
            record_heartbeat.delay()  # no worker runs beside the suite: they wait in the queue
        worker.record_heartbeat()
        with time_machine.travel(time.time() + 42, tick=False):
            samples = scrape()
    finally:
        broker.delete(queue)
    assert value(samples, "portal_celery_queue_length") == 3
    assert 42 <= value(samples, "portal_worker_heartbeat_age_seconds") < 43  # type: ignore[operator]


def test_with_redis_down_the_other_metrics_are_still_served(token, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    samples = scrape()
    assert value(samples, "portal_celery_queue_length") is None
    assert value(samples, "portal_login_failures_total", reason="password") is not None
    assert value(samples, "portal_outbox_undelivered_messages") is not None


MULTIPROCESS = """
import sys
import django
django.setup()
from django.test import Client
Client().get("/health/")
response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer " + sys.argv[1])
sys.stdout.write(response.content.decode())
"""


def test_with_a_multiprocess_directory_a_scrape_adds_up_every_process(tmp_path):
    """Two processes count their requests in the directory; the second's scrape holds both."""
    database = connection.settings_dict
    env = {
        **production_env(
            DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            DJANGO_SETTINGS_MODULE="portal.settings",
            ALLOWED_HOSTS="testserver",
            SECURE_SSL_REDIRECT="0",
            METRICS_TOKEN=TOKEN,
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
        )
    }
    scrapes = []
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-c", MULTIPROCESS, TOKEN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        scrapes.append(result.stdout)
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(scrapes[-1])
        for sample in family.samples
    }
    health = {"status": "200", "view": "health", "method": "GET"}
    assert value(samples, "django_http_responses_total_by_status_view_method_total", **health) == 2
    assert value(samples, "portal_outbox_undelivered_messages") == 0
