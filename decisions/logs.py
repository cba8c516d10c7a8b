"""The decision point's log: one line for each denial given, which names no person.

A denial says which client asked, about which online service and enterprise, and why (the reason's
code). The person is named by a pseudonym: a keyed hash (HMAC-SHA256 under SECRET_KEY) of the
subject's type and identifier, the first 80 bits in base 32, so that the lines about one person
can be found together, and found from the person's national register number by whoever holds the
key (`pseudonym`), while the log itself holds neither the number nor anything to reverse it with.
A mask such as 85.07.30-***.** would keep the birth date, which is personal data too, and would
not tell two people born the same day apart. The enterprise number stays: it is the enterprise's
public identifier, and the first thing the helpdesk of an online service asks about.

Permits are not logged one by one (the metrics count them): they are the bulk of the traffic, and
the last use of a service (docs/decisions-api.md §6) keeps what the pages need.
"""

import base64
import logging

from django.utils.crypto import salted_hmac

from decisions.requests import Subject

logger = logging.getLogger("decisions")
PSEUDONYM_SALT = "decisions.logs.subject"


def pseudonym(subject: Subject) -> str:
    """The subject's name in the log: `person:` or `account:` and 16 letters and digits of base 32
    (mostly letters: never a run of 11 digits that a scrubber would take for a national number)."""
    digest = salted_hmac(PSEUDONYM_SALT, f"{subject.type}:{subject.id}", algorithm="sha256").digest()
    return f"{subject.type}:{base64.b32encode(digest[:10]).decode().lower()}"


def denied(*, client: str, subject: Subject, enterprise: str, service: str, reason: str) -> None:
    named = pseudonym(subject)
    logger.info(
        "Decision: deny %s for enterprise %s to %s, asked by client %s: %s",
        service,
        enterprise,
        named,
        client,
        reason,
        extra={
            "decision": "deny",
            "reason": reason,
            "client": client,
            "service": service,
            "enterprise": enterprise,
            "subject": named,
        },
    )
