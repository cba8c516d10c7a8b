"""The decision: may this person use this online service for this enterprise now?

One rule decides (docs/design.md §3.6): the service is among `access.selectors.effective_services`
of the person in the enterprise, the very selector that the portal's pages show. The standings
and services of every person in every enterprise asked about together are read at once
(`standings_across`, `effective_services_across`): a batch costs the queries of one question,
whatever the number of questions, people and enterprises.

Only a denial reads more, to say why (`explain`); what it reads never changes the decision, so the
reason can be wrong only in the way a late answer is (the data changed in between), never the
decision (docs/decisions-api.md §5).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from access import policy
from access import selectors as access_selectors
from access.models import Enterprise
from access.selectors import Pair
from decisions import reasons, selectors
from decisions.reasons import Reason
from decisions.requests import Question
from mandates import selectors as mandate_selectors

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


def answer(questions: Sequence[Question], known: selectors.Known) -> list[Answer]:
    """The answers to the questions, in their order, from what the portal knows of the people,
    enterprises and services they name (those it does not know are unknown)."""
    asked: dict[Pair, tuple[int, selectors.KnownEnterprise, int] | None] = {}
    resolved: list[tuple[int, selectors.KnownEnterprise, int] | Reason] = []
    for question in questions:
        person_id = known.people.get(question.subject)
        enterprise = known.enterprises.get(question.enterprise)
        service_id = known.services.get(question.service)
        if person_id is None:
            resolved.append(Reason.UNKNOWN_SUBJECT)
        elif enterprise is None:
            resolved.append(Reason.UNKNOWN_RESOURCE)
        elif service_id is None:
            resolved.append(Reason.UNKNOWN_ACTION)
        else:
            resolved.append((person_id, enterprise, service_id))
            asked[(person_id, enterprise.pk)] = None
    standings = access_selectors.standings_across(asked)
    usable = access_selectors.effective_services_across(standings)
    codes = {pk: code for code, pk in known.services.items()}
    mandated = _under_mandates(
        [
            item
            for item in resolved
            if not isinstance(item, Reason) and codes[item[2]] not in usable[(item[0], item[1].pk)]
        ],
        standings,
    )

    answers: list[Answer | None] = []
    denied: list[tuple[int, int, selectors.KnownEnterprise, int]] = []  # (index, person, enterprise, service)
    for index, item in enumerate(resolved):
        if isinstance(item, Reason):
            answers.append(denial(item))
            continue
        person_id, enterprise, service_id = item
        if (
            codes[service_id] in usable[(person_id, enterprise.pk)]
            or (person_id, enterprise.pk, service_id) in mandated
        ):
            answers.append(Answer(True, use=(person_id, enterprise.pk, service_id)))
        else:
            answers.append(None)
            denied.append((index, person_id, enterprise, service_id))
    if denied:
        facts = selectors.facts(
            {person_id for _i, person_id, _e, _s in denied},
            {enterprise.pk for _i, _p, enterprise, _s in denied},
            {service_id for *_, service_id in denied},
        )
        for index, person_id, enterprise, service_id in denied:
            answers[index] = explain(standings[(person_id, enterprise.pk)], enterprise, service_id, facts)
    return [answer for answer in answers if answer is not None]


def _under_mandates(
    refused: Sequence[tuple[int, selectors.KnownEnterprise, int]], standings: dict[Pair, policy.Standing]
) -> set[Use]:
    """Of the questions the person's own access does not answer yes, those a mandate in force
    answers yes (docs/design.md §5.16): the person was given the service under a mandate of the
    enterprise to a provider where they are still a user or manager, not blocked for all its
    groups, both enterprises active. Read at each question, like everything else here: an ended
    mandate is never answered yes, not even before any sweep (two queries, none when every
    question is answered already)."""
    acting = mandate_selectors.accesses_in_force(
        {person_id for person_id, _e, _s in refused},
        {enterprise.pk for _p, enterprise, _s in refused},
        {service_id for *_, service_id in refused},
    )
    providers = access_selectors.standings_across({(row.person_id, row.provider_id) for row in acting})
    return {
        (row.person_id, row.principal_id, row.service_id)
        for row in acting
        if (row.person_id, row.principal_id) in standings
        and policy.acts_under_mandate(
            standings[(row.person_id, row.principal_id)], providers[(row.person_id, row.provider_id)]
        )
    }


def explain(
    standing: policy.Standing, enterprise: selectors.KnownEnterprise, service_id: int, facts: selectors.Facts
) -> Answer:
    """Why `effective_services` left the service out: the first reason that holds, in the order of
    `Reason` (docs/decisions-api.md §4)."""
    if enterprise.status != Enterprise.Status.ACTIVE:
        return denial(Reason.ENTERPRISE_NOT_ACTIVE, enterprise_status=enterprise.status)
    if standing.level == policy.Level.NONE:
        return denial(Reason.NO_STANDING)
    if standing.blocked_everywhere:
        return denial(Reason.BLOCKED_EVERYWHERE)
    if (enterprise.pk, service_id) not in facts.offered:
        return denial(Reason.NOT_OFFERED)
    today = timezone.localdate()
    held = [
        h
        for h in facts.held
        if h.person_id == standing.person_id and h.enterprise_id == enterprise.pk and h.service_id == service_id
    ]
    if any(h.blocked and any(_current(grant, today) for grant in h.grants) for h in held):
        return denial(Reason.BLOCKED_IN_GROUP)
    active = [h for h in held if not h.blocked]
    if active:
        expired = [
            until
            for h in active
            for revoked, until in h.grants
            if not revoked and until is not None and not policy.in_force(until, today)
        ]
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
    return not revoked and policy.in_force(until, today)


def search_page(person_id: int, service: str, after: str, limit: int) -> tuple[list[str], str | None]:
    """One page of the enterprises where the person may use the service, by number: the next
    `limit` candidates after the number `after` are examined and those where the service is
    effective returned, with where the next page starts (None when no candidate is left). A page
    costs the same queries however many it examines (docs/decisions-api.md §2.4)."""
    candidates = list(
        selectors.enterprises_with_services_of(person_id)
        .filter(number__gt=after)
        .values_list("pk", "number")[: limit + 1]
    )
    examined, more = candidates[:limit], len(candidates) > limit
    if not examined:
        return [], after if more else None
    standings = access_selectors.standings_across({(person_id, pk) for pk, _number in examined})
    usable = access_selectors.effective_services_across(standings)
    found = [number for pk, number in examined if service in usable[(person_id, pk)]]
    return found, examined[-1][1] if more else None
