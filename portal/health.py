"""What /health/ checks: each check answers "ok" or what is wrong."""

import redis
from django.conf import settings
from django.db import DatabaseError, connection

from accounts import outbox
from portal import worker


def database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "unavailable"
    return "ok"


def redis_server() -> str:
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        return "unavailable"
    return "ok"


def worker_heartbeat() -> str:
    """Stale when no worker ran its heartbeat within WORKER_HEARTBEAT_MAX_AGE seconds."""
    try:
        age = worker.heartbeat_age()
    except redis.RedisError:
        return "unknown"
    return "ok" if age is not None and age <= settings.WORKER_HEARTBEAT_MAX_AGE else "stale"


def outbox_backlog() -> str:
    """A backlog when a message not delivered yet was written more than OUTBOX_BACKLOG_MAX_AGE
    seconds ago: the worker, a provider or the sweeper is not keeping up."""
    try:
        age = outbox.backlog().age()
    except DatabaseError:
        return "unknown"
    return "ok" if age <= settings.OUTBOX_BACKLOG_MAX_AGE else "backlog"
