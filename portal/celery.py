"""The Celery application: the broker is Redis in production; with none, tasks run inline."""

import logging.config
import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def use_the_portals_logging(**kwargs: Any) -> None:
    """The worker writes its lines as the web processes do (settings.LOGGING: JSON in production,
    with the task's id), not in Celery's own format. LOG_LEVEL sets the level, not --loglevel."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.worker_ready.connect
def first_heartbeat(**kwargs: Any) -> None:
    """A worker that has just started is alive before beat's first heartbeat task comes."""
    from portal import worker

    worker.record_heartbeat()
