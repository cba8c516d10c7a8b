"""The metrics that /metrics serves to Prometheus (the view is portal.views.metrics).

Requests by view, method and status, and their latency, come from django-prometheus's middleware;
refused logins from accounts.metrics. Read at each scrape: the outbox's backlog (accounts.metrics),
the tasks waiting in the Celery queue and the age of the worker's heartbeat.

A process counts its own requests, so a scrape answers for the gunicorn process that serves it.
With PROMETHEUS_MULTIPROC_DIR (an empty directory, the same for every process of the machine) each
process writes its counts there and a scrape adds them up: prometheus_client's multiprocess mode.
"""

import os
from collections.abc import Iterator

import redis
from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily

from accounts.metrics import OutboxCollector
from portal import worker


class BrokerCollector:
    """The Celery queue's length and the worker's heartbeat, when there is a broker (Redis)."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if not settings.REDIS_URL:
            return
        try:
            queued, heartbeat_age = worker.queue_length(), worker.heartbeat_age()
        except redis.RedisError:
            return  # Redis is down: /health/ says so; the other metrics are still served
        queue, heartbeat = self._families()
        queue.add_metric([], queued)
        yield queue
        if heartbeat_age is not None:
            heartbeat.add_metric([], heartbeat_age)
            yield heartbeat

    def _families(self) -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily("portal_celery_queue_length", "Tasks waiting in the Celery queue."),
            GaugeMetricFamily(
                "portal_worker_heartbeat_age_seconds", "Seconds since a Celery worker last ran its heartbeat."
            ),
        )


READ_WHEN_SCRAPED = (OutboxCollector(), BrokerCollector())


def register() -> None:
    """Once per process, when the apps are ready."""
    for collector in READ_WHEN_SCRAPED:
        REGISTRY.register(collector)


def registry() -> CollectorRegistry:
    """What a scrape reads: this process's metrics, or every process's in multiprocess mode."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    every_process = CollectorRegistry()
    multiprocess.MultiProcessCollector(every_process)
    for collector in READ_WHEN_SCRAPED:
        every_process.register(collector)
    return every_process
