"""The reads of the decision point, each a constant number of queries whatever the number of
questions asked together (docs/decisions-api.md §5)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from access import policy, selectors
from access.models import Enterprise, Group, Membership
from decisions.requests import ACCOUNT, PERSON, Subject


@dataclass(frozen=True)
class KnownEnterprise:
    pk: int
    status: str


@dataclass(frozen=True)
class TokenRow:
    """An access token by its row and the checksum of its value."""

    pk: int
    checksum: str


@dataclass
class Known:
    """What the portal knows of the identifiers asked about (those it does not know are absent),
    and of the caller's token."""

    people: dict[Subject, int]  # person ids, by subject
    enterprises: dict[str, KnownEnterprise]  # by enterprise number
    services: dict[str, int]  # online service ids of the catalogue, by code
    # The services the token's client has now; None when the token is not usable (or not asked).
    token_services: set[str] | None = None


# The caller's token, the online services, people (by national register number and by username)
# and enterprises asked about, in one query: built by Django, the five queries cost more than the
# database's answers. Each part is there when something is asked of it; {...} become one
# placeholder per value.
_KNOWN_SQL = {
    # The token by its row and checksum, not expired, of an active client (what `Client.is_usable`
    # asks), with the services its client has now: no row when it is not usable, one row without a
    # service when the client has none.
    "token": (
        "SELECT 'token', token.id, service.code, NULL FROM oauth2_provider_accesstoken token"
        " JOIN decisions_client client ON client.id = token.application_id"
        " LEFT JOIN decisions_client_services held ON held.client_id = client.id"
        " LEFT JOIN access_onlineservice service ON service.id = held.onlineservice_id"
        " WHERE token.id = %s AND token.token_checksum = %s AND token.expires > %s AND client.active"
    ),
    "services": "SELECT 'service', id, code, NULL FROM access_onlineservice WHERE code IN ({})",
    "niss": "SELECT 'person', id, niss, NULL FROM access_person WHERE niss IN ({})",
    "usernames": (
        "SELECT 'account', person.id, login.username, NULL FROM access_person person"
        " JOIN accounts_user login ON login.id = person.user_id WHERE login.username IN ({})"
    ),
    "numbers": "SELECT 'enterprise', id, number, status FROM access_enterprise WHERE number IN ({})",
}


def known(
    subjects: Iterable[Subject] = (),
    numbers: Iterable[str] = (),
    codes: Iterable[str] = (),
    *,
    token: TokenRow | None = None,
) -> Known:
    """The people the subjects name, the enterprises of these numbers, the catalogue's services of
    these codes, and whether the token is still usable with the services its client has now (one
    query)."""
    wanted = set(subjects)
    asked: dict[str, list[Any]] = {
        "token": [token.pk, token.checksum, connection.ops.adapt_datetimefield_value(timezone.now())] if token else [],
        "services": sorted(set(codes)),
        "niss": sorted({subject.id for subject in wanted if subject.type == PERSON}),
        "usernames": sorted({subject.id for subject in wanted if subject.type == ACCOUNT}),
        "numbers": sorted(set(numbers)),
    }
    parts = [
        _KNOWN_SQL[part] if part == "token" else _KNOWN_SQL[part].format(", ".join(["%s"] * len(values)))
        for part, values in asked.items()
        if values
    ]
    found = Known(people={}, enterprises={}, services={})
    if not parts:
        return found
    with connection.cursor() as cursor:
        cursor.execute("\nUNION ALL\n".join(parts), [value for values in asked.values() for value in values])
        rows = cursor.fetchall()
    for kind, pk, key, status in rows:
        if kind == "token":
            found.token_services = found.token_services or set()
            if key is not None:
                found.token_services.add(key)
        elif kind == "service":
            found.services[key] = pk
        elif kind == "enterprise":
            found.enterprises[key] = KnownEnterprise(pk, status)
        else:
            found.people[Subject(PERSON if kind == "person" else ACCOUNT, key)] = pk
    return found


@dataclass(frozen=True)
class Held:
    """A person's current membership of a group that offers a service, as a denial explains it."""

    person_id: int
    enterprise_id: int
    group_id: int
    service_id: int
    blocked: bool
    # The grants of the service in that membership: (revoked, valid until).
    grants: tuple[tuple[bool, date | None], ...]


@dataclass(frozen=True)
class Facts:
    """What explains some people's denials in some enterprises for some services."""

    offered: set[tuple[int, int]]  # (enterprise, service) offered by a group of the enterprise
    held: list[Held]


def facts(person_ids: set[int], enterprise_ids: set[int], service_ids: set[int]) -> Facts:
    """Read only for denials: which groups of these enterprises offer these services, and these
    people's current memberships of them with their grants of these services (two queries)."""
    offers = set(
        Group.objects.filter(enterprise_id__in=enterprise_ids, role_type__services__in=service_ids).values_list(
            "enterprise_id", "pk", "role_type__services"
        )
    )
    offering_groups: dict[int, set[int]] = {}
    for _enterprise_id, group_id, service_id in offers:
        offering_groups.setdefault(group_id, set()).add(service_id)
    grants: dict[tuple[int, int], list[tuple[bool, date | None]]] = {}
    memberships: dict[int, tuple[int, int, bool]] = {}
    rows = (
        selectors.current_memberships()
        .filter(person_id__in=person_ids, group_id__in=offering_groups)
        .values_list(
            "pk",
            "person_id",
            "group_id",
            "status",
            "blocked_until",
            "grants__service_id",
            "grants__revoked_at",
            "grants__valid_until",
        )
    )
    today = timezone.localdate()
    for pk, person_id, group_id, status, blocked_until, service_id, revoked_at, valid_until in rows:
        # A block past its end date blocks nothing (policy.in_force), as effective_services reads it.
        blocked = status == Membership.Status.BLOCKED and policy.in_force(blocked_until, today)
        memberships[pk] = (person_id, group_id, blocked)
        if service_id is not None:
            grants.setdefault((pk, service_id), []).append((revoked_at is not None, valid_until))
    enterprise_of = {group_id: enterprise_id for enterprise_id, group_id, _service in offers}
    held = [
        Held(person_id, enterprise_of[group_id], group_id, service_id, blocked, tuple(grants.get((pk, service_id), ())))
        for pk, (person_id, group_id, blocked) in memberships.items()
        for service_id in offering_groups[group_id]
    ]
    return Facts(offered={(e, s) for e, _g, s in offers}, held=held)


def enterprises_with_services_of(person_id: int) -> QuerySet[Enterprise]:
    """The active enterprises where a person may hold an online service: those where they hold a
    current designation or membership (a legal representation alone gives none), by number."""
    return Enterprise.objects.filter(
        Q(pk__in=selectors.current_designations().filter(person_id=person_id).values("enterprise_id"))
        | Q(pk__in=selectors.current_memberships().filter(person_id=person_id).values("group__enterprise_id")),
        status=Enterprise.Status.ACTIVE,
    ).order_by("number")
