"""What the accounts tell Prometheus: refused logins as they happen, and the outbox's backlog as it
stands at each scrape (portal.metrics serves them)."""

from collections.abc import Iterator

from django.db import DatabaseError
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

from accounts import outbox

# A wrong username or password (an expired temporary password too), a username refused by the
# limit of failed logins before its password is read, a wrong one-time code.
LOGIN_FAILURE_REASONS = ("password", "locked", "one_time_code")
# A confirmation of identity before an action counts as a login here.
LOGIN_FAILURES = Counter("portal_login_failures", "Logins refused, by reason.", ["reason"])
for _reason in LOGIN_FAILURE_REASONS:
    LOGIN_FAILURES.labels(_reason)  # each reason is shown from 0, before its first failure


def login_failed(reason: str) -> None:
    LOGIN_FAILURES.labels(reason).inc()


def one_time_code_failed(sender: object, **kwargs: object) -> None:
    """Receives allauth's signal of a wrong one-time code."""
    login_failed("one_time_code")


class OutboxCollector:
    """The e-mails and SMS not delivered yet, and the age of the oldest, read when scraped."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            backlog = outbox.backlog()
        except DatabaseError:
            return  # the database is down: /health/ says so; the other metrics are still served
        undelivered, oldest = self._families()
        undelivered.add_metric([], backlog.count)
        oldest.add_metric([], backlog.age())
        yield undelivered
        yield oldest

    def _families(self) -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "portal_outbox_undelivered_messages",
                "E-mails and SMS not delivered yet (pending, or waiting for an earlier one).",
            ),
            GaugeMetricFamily(
                "portal_outbox_oldest_undelivered_age_seconds",
                "Seconds since the oldest message not delivered yet was written (0 when there is none).",
            ),
        )
