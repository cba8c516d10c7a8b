"""The worker's heartbeat: a time in Redis that a Celery worker writes when it starts and whenever
it runs the heartbeat task, which beat queues every minute. A recent one shows that beat queues
tasks, the broker carries them and a worker runs them; /health/ and the metrics read its age."""

import time

import redis
from django.conf import settings

HEARTBEAT_KEY = "portal:worker-heartbeat"


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)


def record_heartbeat() -> None:
    _redis().set(HEARTBEAT_KEY, repr(time.time()))


def heartbeat_age() -> float | None:
    """Seconds since a worker last wrote its heartbeat; None when none ever did."""
    value = _redis().get(HEARTBEAT_KEY)
    return None if value is None else max(0.0, time.time() - float(value))


def queue_length() -> int:
    """The tasks waiting in the Celery queue (the broker's list of that name)."""
    return int(_redis().llen(settings.CELERY_TASK_DEFAULT_QUEUE))
