"""The decision: may this person use this online service for this enterprise now?

One rule decides (docs/design.md §3.6): the service is among `access.selectors.effective_services`
of the person in the enterprise, the very selector that the portal's pages show. Questions asked
together are grouped by person, and each person's standings and services in all the enterprises
asked about are read at once (`standings_across`, `effective_services_across`): a batch costs a
constant number of queries per person, not per question.

Only a denial reads more, to say why (`explain`); what it reads never changes the decision, so the
reason can be wrong only in the way a late answer is (the data changed in between), never the
decision (docs/decisions-api.md §5).
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from access import policy
from access import selectors as access_selectors
from access.models import Enterprise, OnlineService, Person
from decisions import reasons, selectors
from decisions.reasons import Reason
from decisions.requests import Question

Use = tuple[int, int, int]  # (person, enterprise, service) ids


@dataclass(frozen=True)
class Answer:
    decision: bool
    context: dict[str, Any] | None = None  # a denial's reason
    use: Use | None = None  # what a permit lets the person use

    def as_json(self) -> dict[str, Any]:
        return {"decision": True} if self.decision else {"decision": False, "context": self.context}


def denial(reason: Reason, **details: Any) -> Answer:
    return Answer(False, reasons.context(reason, **details))


def answer(questions: Sequence[Question], catalogue: Mapping[str, OnlineService]) -> list[Answer]:
    """The answers to the questions, in their order. `catalogue` holds the online services asked
    about, by code (those it lacks are unknown)."""
    people = selectors.people(question.subject for question in questions)
    enterprises = selectors.enterprises(question.enterprise for question in questions)
    asked: dict[int, set[int]] = defaultdict(set)  # person -> enterprises
    for question in questions:
        person, enterprise = people.get(question.subject), enterprises.get(question.enterprise)
        if person is not None and enterprise is not None and question.service in catalogue:
            asked[person.pk].add(enterprise.pk)
    persons = {person.pk: person for person in people.values()}
    standings: dict[int, dict[int, policy.Standing]] = {}
    usable: dict[int, dict[int, set[str]]] = {}
    for person_id, enterprise_ids in asked.items():
        standings[person_id] = access_selectors.standings_across(person_id, enterprise_ids)
        usable[person_id] = access_selectors.effective_services_across(persons[person_id], standings[person_id])

    answers: list[Answer | None] = []
    denied: dict[int, list[tuple[int, Question, Enterprise, OnlineService]]] = defaultdict(list)
    for index, question in enumerate(questions):
        person, enterprise = people.get(question.subject), enterprises.get(question.enterprise)
        service = catalogue.get(question.service)
        if person is None:
            answers.append(denial(Reason.UNKNOWN_SUBJECT))
        elif enterprise is None:
            answers.append(denial(Reason.UNKNOWN_RESOURCE))
        elif service is None:
            answers.append(denial(Reason.UNKNOWN_ACTION))
        elif service.code in usable[person.pk][enterprise.pk]:
            answers.append(Answer(True, use=(person.pk, enterprise.pk, service.pk)))
        else:
            answers.append(None)
            denied[person.pk].append((index, question, enterprise, service))
    for person_id, denials in denied.items():
        facts = selectors.facts(
            persons[person_id], {enterprise.pk for _i, _q, enterprise, _s in denials}, {s.pk for *_, s in denials}
        )
        for index, _question, enterprise, service in denials:
            answers[index] = explain(standings[person_id][enterprise.pk], enterprise, service, facts)
    return [answer for answer in answers if answer is not None]


def explain(
    standing: policy.Standing, enterprise: Enterprise, service: OnlineService, facts: selectors.Facts
) -> Answer:
    """Why `effective_services` left the service out: the first reason that holds, in the order of
    `Reason` (docs/decisions-api.md §4)."""
    if enterprise.status != Enterprise.Status.ACTIVE:
        return denial(Reason.ENTERPRISE_NOT_ACTIVE, enterprise_status=enterprise.status)
    if standing.level == policy.Level.NONE:
        return denial(Reason.NO_STANDING)
    if standing.blocked_everywhere:
        return denial(Reason.BLOCKED_EVERYWHERE)
    if (enterprise.pk, service.pk) not in facts.offered:
        return denial(Reason.NOT_OFFERED)
    today = timezone.localdate()
    held = [h for h in facts.held if h.enterprise_id == enterprise.pk and h.service_id == service.pk]
    if any(h.blocked and any(_current(grant, today) for grant in h.grants) for h in held):
        return denial(Reason.BLOCKED_IN_GROUP)
    active = [h for h in held if not h.blocked]
    if active:
        expired = [until for h in active for revoked, until in h.grants if not revoked and until and until < today]
        if expired:
            return denial(Reason.GRANT_EXPIRED, expired_on=max(expired).isoformat())
        if any(revoked for h in active for revoked, _until in h.grants):
            return denial(Reason.GRANT_REVOKED)
        return denial(Reason.NOT_GRANTED)
    if held:
        return denial(Reason.BLOCKED_IN_GROUP)
    return denial(Reason.NO_MEMBERSHIP)


def _current(grant: tuple[bool, date | None], today: date) -> bool:
    revoked, until = grant
    return not revoked and (until is None or until >= today)


def search_page(person: Person, service: str, after: str, limit: int) -> tuple[list[str], str | None]:
    """One page of the enterprises where the person may use the service, by number: the next
    `limit` candidates after the number `after` are examined and those where the service is
    effective returned, with where the next page starts (None when no candidate is left). A page
    costs the same queries however many it examines (docs/decisions-api.md §2.4)."""
    candidates = list(
        selectors.enterprises_with_services_of(person).filter(number__gt=after).values_list("pk", "number")[: limit + 1]
    )
    examined, more = candidates[:limit], len(candidates) > limit
    if not examined:
        return [], after if more else None
    standings = access_selectors.standings_across(person.pk, {pk for pk, _number in examined})
    usable = access_selectors.effective_services_across(person, standings)
    found = [number for pk, number in examined if service in usable[pk]]
    return found, examined[-1][1] if more else None
