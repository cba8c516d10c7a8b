"""The settings the suite runs on: the portal's own, read from the environment as in production,
with the test environment filled in where a variable is not set (an explicit variable still wins).

The variables go into the process's environment, not only into these settings, so that what the
tests start (gunicorn, the Celery worker, `manage.py`) runs on the same database and Redis.
"""

import os

TEST_ENVIRONMENT = {
    "DEBUG": "1",
    "DEV_IDP_ENABLED": "1",
    "SECRET_KEY": "test-only",
    "SMS_BACKEND": "accounts.sms.LocmemBackend",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portal",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
    # No worker runs beside the suite, but in the tests that start one (and check its heartbeat).
    "WORKER_HEARTBEAT_MAX_AGE": "0",
}
for name, value in TEST_ENVIRONMENT.items():
    os.environ.setdefault(name, value)

# `make test` runs the suite in two processes (pytest-xdist): pytest-django gives each its own test
# database, and here each takes its own Redis database (the next number for the second), since every
# test empties the cache and the tests that start a Celery worker read its queue. What a test starts
# inherits both variables, and so finds the same database.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and _worker[2:].isdigit():
    _base, _, _number = os.environ.setdefault("REDIS_URL_OF_THE_RUN", os.environ["REDIS_URL"]).rpartition("/")
    os.environ["REDIS_URL"] = f"{_base}/{int(_number or 0) + int(_worker[2:])}"

from portal.settings import *  # noqa: E402, F403
