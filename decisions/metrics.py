"""What the decision point tells Prometheus (portal.metrics serves it at /metrics).

Every decision given is counted by outcome (`permit`, `deny`), the reason of a denial (a code of
`decisions.reasons.Reason`; `none` for a permit) and the client that asked (its client id). The
labels are bounded: two outcomes, the reasons of one enum, and the clients staff registered, a few
dozen online services; an unauthenticated caller gets no decision, so it adds no label value.
Token requests refused by the rate limits are counted by the limit they exceeded (`ip`, `key`).

The counters are prometheus_client's, in the process's registry: with PROMETHEUS_MULTIPROC_DIR
each process writes them to the shared directory and a scrape adds them up.
"""

from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import Counter

PERMIT, DENY = "permit", "deny"
NO_REASON = "none"

DECISIONS = Counter(
    "portal_decisions",
    "Decisions given by the decision point, by outcome, reason of a denial (none for a permit) and client id.",
    ["outcome", "reason", "client"],
)
TOKEN_REQUESTS_LIMITED = Counter(
    "portal_decision_token_requests_limited",
    "Token requests refused by the rate limits of the token endpoint, by limit (ip: per address, key: per client id).",
    ["limit"],
)
for _limit in ("ip", "key"):
    TOKEN_REQUESTS_LIMITED.labels(_limit)  # each limit is shown from 0, before its first refusal


def decided(client: str, reasons: Iterable[str | None]) -> None:
    """Count the decisions given to a client: the reason code of each denial, None for each permit."""
    for (outcome, reason), count in Tally(
        (DENY, reason) if reason is not None else (PERMIT, NO_REASON) for reason in reasons
    ).items():
        DECISIONS.labels(outcome, reason, client).inc(count)


def token_request_limited(limit: str) -> None:
    TOKEN_REQUESTS_LIMITED.labels(limit).inc()
