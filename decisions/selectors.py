"""The reads of the decision point, each a constant number of queries whatever the number of
questions asked together (docs/decisions-api.md §5)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from access import selectors
from access.models import Enterprise, Group, Membership, OnlineService, Person
from decisions.requests import ACCOUNT, PERSON, Subject


def people(subjects: Iterable[Subject]) -> dict[Subject, Person]:
    """The people the subjects name: by national register number, or by the username of their
    login (two queries at most)."""
    wanted = set(subjects)
    found: dict[Subject, Person] = {}
    niss = {subject.id for subject in wanted if subject.type == PERSON}
    if niss:
        for person in Person.objects.filter(niss__in=niss):
            found[Subject(PERSON, person.niss or "")] = person
    usernames = {subject.id for subject in wanted if subject.type == ACCOUNT}
    if usernames:
        for person in Person.objects.filter(user__username__in=usernames).select_related("user"):
            found[Subject(ACCOUNT, person.user.username if person.user else "")] = person
    return found


def enterprises(numbers: Iterable[str]) -> dict[str, Enterprise]:
    return {enterprise.number: enterprise for enterprise in Enterprise.objects.filter(number__in=set(numbers))}


def services(codes: Iterable[str]) -> dict[str, OnlineService]:
    return {service.code: service for service in OnlineService.objects.filter(code__in=set(codes))}


@dataclass(frozen=True)
class Held:
    """A person's current membership of a group that offers a service, as a denial explains it."""

    enterprise_id: int
    group_id: int
    service_id: int
    blocked: bool
    # The grants of the service in that membership: (revoked, valid until).
    grants: tuple[tuple[bool, date | None], ...]


@dataclass(frozen=True)
class Facts:
    """What explains a person's denials in some enterprises for some services."""

    offered: set[tuple[int, int]]  # (enterprise, service) offered by a group of the enterprise
    held: list[Held]


def facts(person: Person, enterprise_ids: set[int], service_ids: set[int]) -> Facts:
    """Read only for denials: which groups of these enterprises offer these services, and the
    person's current memberships of them with their grants of these services (two queries)."""
    offers = set(
        Group.objects.filter(enterprise_id__in=enterprise_ids, role_type__services__in=service_ids).values_list(
            "enterprise_id", "pk", "role_type__services"
        )
    )
    offering_groups: dict[int, set[int]] = {}
    for _enterprise_id, group_id, service_id in offers:
        offering_groups.setdefault(group_id, set()).add(service_id)
    grants: dict[tuple[int, int], list[tuple[bool, date | None]]] = {}
    memberships: dict[int, tuple[int, bool]] = {}
    rows = (
        selectors.current_memberships()
        .filter(person=person, group_id__in=offering_groups)
        .values_list("pk", "group_id", "status", "grants__service_id", "grants__revoked_at", "grants__valid_until")
    )
    for pk, group_id, status, service_id, revoked_at, valid_until in rows:
        memberships[pk] = (group_id, status == Membership.Status.BLOCKED)
        if service_id is not None:
            grants.setdefault((pk, service_id), []).append((revoked_at is not None, valid_until))
    enterprise_of = {group_id: enterprise_id for enterprise_id, group_id, _service in offers}
    held = [
        Held(enterprise_of[group_id], group_id, service_id, blocked, tuple(grants.get((pk, service_id), ())))
        for pk, (group_id, blocked) in memberships.items()
        for service_id in offering_groups[group_id]
    ]
    return Facts(offered={(e, s) for e, _g, s in offers}, held=held)


def enterprises_with_services_of(person: Person) -> QuerySet[Enterprise]:
    """The active enterprises where a person may hold an online service: those where they hold a
    current designation or membership (a legal representation alone gives none), by number."""
    return Enterprise.objects.filter(
        Q(pk__in=selectors.current_designations().filter(person=person).values("enterprise_id"))
        | Q(pk__in=selectors.current_memberships().filter(person=person).values("group__enterprise_id")),
        status=Enterprise.Status.ACTIVE,
    ).order_by("number")
