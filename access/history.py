"""Who could act for an enterprise on a given day (docs/design.md §5.11): a question over the dated
rows of the access model, never a replay of the journal.

A person could act for the enterprise in an online service on day D, through a group, when at some
moment of that day (Europe/Brussels) all of these held at once:

- a grant of the service in their membership of the group: granted, not yet revoked, and not past
  its end date (a grant "until E" ends when E+1 begins, `policy.in_force`);
- the membership itself: created, not yet removed;
- no block for the group (`GroupBlock`) and no block for all groups (`EnterpriseBlock`), each from
  its start until it was lifted or its end date was over;
- the enterprise active: activated, and not within one of its closures (`EnterpriseClosure`);
- the group's role offers the service (the catalogue as it is now: it is not dated).

Each grant is a row of the answer. The blocks and closures of a day are few: the grants of the
people blocked that day are decided one by one, in Python; every other grant held at a moment the
enterprise was open is found by the database, which counts the rows and sorts them for the page
asked. A page costs the same queries, and the portal reads the 25 rows it shows, however many
grants the day has.
"""

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import overload

from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import get_language

from access.models import (
    Enterprise,
    EnterpriseBlock,
    EnterpriseClosure,
    Grant,
    GroupBlock,
    OnlineService,
    Person,
    RoleType,
)

# A period [start, end): None as its end is a period that has not ended.
Period = tuple[datetime, datetime | None]
# The online services each role type offers, by role type: the catalogue's pairs.
Offers = dict[int, set[int]]
NEVER = datetime.min.replace(tzinfo=UTC)


def start_of(day: date) -> datetime:
    """The moment a day begins in the portal's time zone (Europe/Brussels)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def end_of(until: date | None) -> datetime | None:
    """When something "until D" ends: as D+1 begins; None without an end date."""
    return start_of(until + timedelta(days=1)) if until else None


def earliest(*moments: datetime | None) -> datetime | None:
    """The first of these moments; None (no end) when none is given."""
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None


def gaps(start: datetime, end: datetime, covers: Iterable[Period]) -> list[tuple[datetime, datetime]]:
    """The moments of [start, end) outside every period of `covers`, as periods, in order."""
    found = []
    point = start
    for cover_start, cover_end in sorted(covers, key=lambda period: period[0]):
        if point >= end:
            break
        if cover_start > point:
            found.append((point, min(cover_start, end)))
        if cover_end is None:
            return found
        point = max(point, cover_end)
    if point < end:
        found.append((point, end))
    return found


@dataclass(frozen=True)
class CouldAct:
    """One grant through which a person could act for the enterprise on the day asked about."""

    grant: Grant

    @property
    def person(self) -> Person:
        return self.grant.membership.person

    @property
    def group_name(self) -> str:
        return self.grant.membership.group.name

    @property
    def service(self) -> OnlineService:
        return self.grant.service

    @property
    def granted_by(self) -> Person | None:
        return self.grant.granted_by


def inactive_periods(enterprise: Enterprise, closures: Iterable[EnterpriseClosure]) -> list[Period]:
    """When the enterprise was not active: before it was first activated, and each closure."""
    closures = list(closures)
    first = earliest(enterprise.activated_at, *(closure.closed_at for closure in closures))
    before = [(NEVER, first)] if first is not None else [(NEVER, None)]
    return before + [(closure.closed_at, closure.reopened_at) for closure in closures]


def _overlapping(day: date) -> tuple[datetime, datetime]:
    return start_of(day), start_of(day + timedelta(days=1))


def _grants_on(
    enterprise: Enterprise, groups: Collection[int], day: date, service_id: int | None, offers: Offers
) -> QuerySet[Grant]:
    """The grants of the groups whose periods, and their memberships', touch the day, in a service
    that their group's role offers (`offers`, the catalogue's pairs: asked of each row as a
    subquery, they were one more probe per grant of the enterprise)."""
    start, end = _overlapping(day)
    offered = Q(pk__in=[])
    for role_type_id, service_ids in offers.items():
        offered |= Q(membership__group__role_type_id=role_type_id, service_id__in=sorted(service_ids))
    grants = Grant.objects.filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=start),
        Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        Q(membership__removed_at__isnull=True) | Q(membership__removed_at__gt=start),
        offered,
        membership__group__enterprise=enterprise,
        membership__group_id__in=groups,
        granted_at__lt=end,
        membership__created_at__lt=end,
    )
    if service_id is not None:
        grants = grants.filter(service_id=service_id)
    return grants


def _in_order_of_names(field: str, names: dict[int, str]) -> Case:
    """The rank of `field` (an id) among the catalogue entries named `names` (by id), in the order
    of their names: the rows sort on a number, not on a name read from each row's entry."""
    ranks = {pk: rank for rank, pk in enumerate(sorted(names, key=lambda pk: (names[pk], pk)))}
    return Case(*(When(**{field: pk}, then=Value(rank)) for pk, rank in ranks.items()), default=Value(len(ranks)))


class CouldActRows(Sequence[CouldAct]):
    """The rows of the answer, in order: a page reads the ids of its own rows in that order, then
    those rows; the whole list, as the export reads it, is read in chunks."""

    RELATED = ("membership__person", "membership__group__role_type", "service", "granted_by")

    def __init__(self, grants: QuerySet[Grant]) -> None:
        self.grants = grants
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self.grants.count()
        return self._count

    @overload
    def __getitem__(self, index: int) -> CouldAct: ...

    @overload
    def __getitem__(self, index: slice) -> list[CouldAct]: ...

    def __getitem__(self, index: int | slice) -> CouldAct | list[CouldAct]:
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        # The order needs none of the rows' people: the ids first, then 25 rows with what they show.
        ids = list(self.grants.values_list("pk", flat=True)[index])
        by_id = Grant.objects.select_related(*self.RELATED).in_bulk(ids)
        return [CouldAct(by_id[pk]) for pk in ids]

    def __iter__(self) -> Iterator[CouldAct]:
        return (CouldAct(grant) for grant in self.grants.select_related(*self.RELATED).iterator(chunk_size=500))


def _held_while_open(day: date, open_: list[tuple[datetime, datetime]]) -> Q:
    """A grant (of `_grants_on(day)`) held at some moment of one of the `open_` periods of the day.

    Held from the latest of the day's start, the grant and its membership; until the earliest of
    the day's end, the revocation, the end date (E+1 begins) and the removal. Beside what
    `_grants_on` asks, each start must come before each end: before the open period's end, and
    after the period's start. (Each start comes before E+1: both start on or before the day, and
    E is the day or later.)"""
    consistent = Q()
    for ending in ("revoked_at", "membership__removed_at"):
        consistent &= Q(**{f"{ending}__isnull": True}) | (
            Q(**{f"{ending}__gt": F("granted_at")}) & Q(**{f"{ending}__gt": F("membership__created_at")})
        )
    held = Q(pk__in=[])
    for opened, closed in open_:
        held |= (
            Q(granted_at__lt=closed, membership__created_at__lt=closed)
            & (Q(revoked_at__isnull=True) | Q(revoked_at__gt=opened))
            & (Q(membership__removed_at__isnull=True) | Q(membership__removed_at__gt=opened))
            & (Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate(opened)))
        )
    return held & consistent


def blocks_touching(enterprise: Enterprise, groups: Collection[int], day: date) -> QuerySet:
    """The blocks that touch the day, in one query: for a group of `groups`, by membership, and
    for all groups, by person. They are read for the groups and the enterprise, not for the
    thousands of memberships and people found: the blocks of a day are few, and each row looks its
    own up."""
    start, end = _overlapping(day)
    touching = (Q(lifted_at__isnull=True) | Q(lifted_at__gt=start), Q(until__isnull=True) | Q(until__gte=day))
    periods = ("blocked_at", "lifted_at", "until")
    in_a_group = GroupBlock.objects.filter(
        *touching, membership__group__enterprise=enterprise, membership__group_id__in=groups, blocked_at__lt=end
    ).values_list(Value(False), "membership_id", *periods)
    everywhere = EnterpriseBlock.objects.filter(*touching, enterprise=enterprise, blocked_at__lt=end).values_list(
        Value(True), "person_id", *periods
    )
    # Neither part keeps its model's order: SQLite (`make run`) refuses an ORDER BY inside a UNION.
    return in_a_group.order_by().union(everywhere.order_by(), all=True).order_by()


def _blocks_on(
    enterprise: Enterprise, groups: Collection[int], day: date
) -> tuple[dict[int, list[Period]], dict[int, list[Period]]]:
    """The blocks that touch the day (`blocks_touching`): for a group, by membership, and for all
    groups, by person."""
    by_membership: dict[int, list[Period]] = {}
    by_person: dict[int, list[Period]] = {}
    for for_all_groups, key, blocked_at, lifted_at, until in blocks_touching(enterprise, groups, day):
        blocks = by_person if for_all_groups else by_membership
        blocks.setdefault(key, []).append((blocked_at, earliest(lifted_at, end_of(until))))
    return by_membership, by_person


def who_could_act(
    enterprise: Enterprise, groups: Collection[int], day: date, service_id: int | None = None
) -> CouldActRows:
    """Every grant of the `groups` through which its holder could act for the enterprise at some
    moment of `day`, in the service asked about or in any; by service, person and group."""
    start, end = _overlapping(day)
    # The catalogue's pairs of a role and a service it offers, with their names, in one query
    # (a service no role offers is never a row).
    offers: Offers = {}
    services, roles = {}, {}
    for offer in RoleType.services.through.objects.select_related("roletype", "onlineservice"):
        offers.setdefault(offer.roletype_id, set()).add(offer.onlineservice_id)
        services[offer.onlineservice_id] = offer.onlineservice.name
        roles[offer.roletype_id] = offer.roletype.name
    grants = _grants_on(enterprise, groups, day, service_id, offers)
    group_blocks, person_blocks = _blocks_on(enterprise, groups, day)
    closed = inactive_periods(enterprise, EnterpriseClosure.objects.filter(enterprise=enterprise))
    blocked = Q(membership_id__in=list(group_blocks)) | Q(membership__person_id__in=list(person_blocks))
    # The grants of the people blocked that day, each decided on its own periods.
    through_blocks = [
        pk
        for pk, membership_id, person_id, granted_at, revoked_at, valid_until, created_at, removed_at in (
            grants.filter(blocked).values_list(
                "pk",
                "membership_id",
                "membership__person_id",
                "granted_at",
                "revoked_at",
                "valid_until",
                "membership__created_at",
                "membership__removed_at",
            )
        )
        if gaps(
            max(start, granted_at, created_at),
            min(moment for moment in (end, revoked_at, end_of(valid_until), removed_at) if moment is not None),
            [*closed, *group_blocks.get(membership_id, ()), *person_blocks.get(person_id, ())],
        )
    ]
    found = grants.filter((_held_while_open(day, gaps(start, end, closed)) & ~blocked) | Q(pk__in=through_blocks))
    return CouldActRows(
        found.order_by(
            _in_order_of_names("service_id", services),
            "membership__person_surname",
            "membership__person_given_name",
            _in_order_of_names("membership__group__role_type_id", roles),
            "granted_at",
            "pk",
        )
    )


def services_offered(groups: Collection[int]) -> QuerySet[OnlineService]:
    """The online services that a manager may grant in some of these groups: those one could act
    in through a grant, by name in the reader's language."""
    return (
        OnlineService.objects.filter(delegatable=True, role_types__groups__in=groups)
        .distinct()
        .order_by(f"names__{get_language() or 'en'}", "code")
    )
