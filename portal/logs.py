"""How the portal writes its log: one line a record, JSON in production, each naming the request
or the Celery task it was written for.

A module of its own, without models: the settings build the logging configuration from it before
the apps are loaded, in the web processes and in the worker alike.
"""

import logging
from typing import Any

from celery import current_task
from pythonjsonlogger.core import RESERVED_ATTRS

# What a line says beyond the message, in this order; a record's other attributes (a status code,
# say) follow. Django's `request` object is left out: the message already names the path.
JSON_FIELDS = ["levelname", "name", "request_id", "task_id", "message"]
JSON_LEFT_OUT = [*RESERVED_ATTRS, "request", "server_time"]


class TaskIdFilter(logging.Filter):
    """Gives every log record the id of the Celery task being run (None outside a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        task = current_task
        record.task_id = task.request.id if task else None
        return True


class ClientErrorFilter(logging.Filter):
    """An answer of 4xx is one line, never a traceback. Django logs a refused page (403) with the
    traceback of its PermissionDenied, and a suspicious request (400) with its exception's: the
    client's doing, which the line says. A traceback is for the portal's own faults (5xx)."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


def configuration(*, json: bool, level: str) -> dict[str, Any]:
    """The logging configuration: JSON lines on standard output (production), or a line for people
    to read on standard error (development)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        # Each line names the request it was written for: the id a person reads on the 500 page.
        "filters": {
            "request_id": {"()": "portal.request_id.RequestIdFilter"},
            "task_id": {"()": "portal.logs.TaskIdFilter"},
            "client_errors": {"()": "portal.logs.ClientErrorFilter"},
        },
        "formatters": {
            "console": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": JSON_FIELDS,
                "rename_fields": {"levelname": "level", "name": "logger"},
                "reserved_attrs": JSON_LEFT_OUT,
                "timestamp": "time",
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id", "task_id", "client_errors"],
                "formatter": "json" if json else "console",
                **({"stream": "ext://sys.stdout"} if json else {}),
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # Django gives its loggers handlers of their own (a second copy of every line on standard
        # error with DEBUG, e-mail to ADMINS without); here they write through the root's alone.
        "loggers": {"django": {"handlers": [], "propagate": True}},
    }
