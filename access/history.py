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

Each grant is a row of the answer; the rows are decided in four queries whatever their number, and
a page of them read in one more.
"""

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import overload

from django.db.models import Exists, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, NullIf
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


def uncovered(start: datetime, end: datetime | None, covers: Iterable[Period]) -> bool:
    """Whether some moment of [start, end) lies outside every period of `covers`."""
    if end is not None and end <= start:
        return False
    point = start
    for cover_start, cover_end in sorted(covers, key=lambda period: period[0]):
        if cover_start > point:
            return True  # a gap from `point`, which lies before `end`
        if cover_end is None:
            return False
        point = max(point, cover_end)
        if end is not None and point >= end:
            return False
    return True


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


def _grants_on(enterprise: Enterprise, groups: Collection[int], day: date, service_id: int | None) -> QuerySet[Grant]:
    """The grants of the groups whose periods, and their memberships', touch the day."""
    start, end = _overlapping(day)
    offered = RoleType.services.through.objects.filter(
        roletype_id=OuterRef("membership__group__role_type_id"), onlineservice_id=OuterRef("service_id")
    )
    grants = Grant.objects.filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=start),
        Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        Q(membership__removed_at__isnull=True) | Q(membership__removed_at__gt=start),
        Exists(offered),
        membership__group__enterprise=enterprise,
        membership__group_id__in=groups,
        granted_at__lt=end,
        membership__created_at__lt=end,
    )
    if service_id is not None:
        grants = grants.filter(service_id=service_id)
    return grants


def _named(field: str, language: str) -> NullIf:
    """A catalogue entry's name in `language` as SQL text; NULL where it has none (or an empty one)."""
    return NullIf(KeyTextTransform(language, f"{field}__names"), Value(""))


class CouldActRows(Sequence[CouldAct]):
    """The rows of the answer, in order, read from the database a slice at a time: a page reads its
    own rows, not every row the day has (the whole list is decided on a few columns of each grant)."""

    def __init__(self, grant_ids: list[int]) -> None:
        self.grant_ids = grant_ids

    def __len__(self) -> int:
        return len(self.grant_ids)

    @overload
    def __getitem__(self, index: int) -> CouldAct: ...

    @overload
    def __getitem__(self, index: slice) -> list[CouldAct]: ...

    def __getitem__(self, index: int | slice) -> CouldAct | list[CouldAct]:
        if isinstance(index, slice):
            return self._read(self.grant_ids[index])
        return self._read([self.grant_ids[index]])[0]

    def __iter__(self) -> Iterator[CouldAct]:
        return iter(self._read(self.grant_ids))

    @staticmethod
    def _read(grant_ids: list[int]) -> list[CouldAct]:
        if not grant_ids:
            return []
        grants = Grant.objects.filter(pk__in=grant_ids).select_related(
            "membership__person", "membership__group__role_type", "service", "granted_by"
        )
        by_id = {grant.pk: grant for grant in grants}
        return [CouldAct(by_id[grant_id]) for grant_id in grant_ids]


def who_could_act(
    enterprise: Enterprise, groups: Collection[int], day: date, service_id: int | None = None
) -> CouldActRows:
    """Every grant of the `groups` through which its holder could act for the enterprise at some
    moment of `day`, in the service asked about or in any; by service, person and group."""
    start, end = _overlapping(day)
    language = get_language() or "en"
    grants = list(
        _grants_on(enterprise, groups, day, service_id)
        .annotate(
            service_name=Coalesce(_named("service", language), "service__code", output_field=TextField()),
            group_name=Coalesce(
                _named("membership__group__role_type", language),
                _named("membership__group__role_type", "en"),
                "membership__group__role_type__code",
                output_field=TextField(),
            ),
        )
        .values_list(
            "pk",
            "membership_id",
            "membership__person_id",
            "granted_at",
            "revoked_at",
            "valid_until",
            "membership__created_at",
            "membership__removed_at",
            "service_name",
            "membership__person__surname",
            "membership__person__given_name",
            "group_name",
        )
    )
    if not grants:
        return CouldActRows([])
    # The blocks are read for the groups and the enterprise, not for the thousands of memberships
    # and people found: the blocks of a day are few, and each row looks its own up.
    group_blocks: dict[int, list[Period]] = {}
    for block in GroupBlock.objects.filter(
        Q(lifted_at__isnull=True) | Q(lifted_at__gt=start),
        Q(until__isnull=True) | Q(until__gte=day),
        membership__group__enterprise=enterprise,
        membership__group_id__in=groups,
        blocked_at__lt=end,
    ).only("membership_id", "blocked_at", "lifted_at", "until"):
        group_blocks.setdefault(block.membership_id, []).append(
            (block.blocked_at, earliest(block.lifted_at, end_of(block.until)))
        )
    person_blocks: dict[int, list[Period]] = {}
    for everywhere in EnterpriseBlock.objects.filter(
        Q(lifted_at__isnull=True) | Q(lifted_at__gt=start),
        Q(until__isnull=True) | Q(until__gte=day),
        enterprise=enterprise,
        blocked_at__lt=end,
    ).only("person_id", "blocked_at", "lifted_at", "until"):
        person_blocks.setdefault(everywhere.person_id, []).append(
            (everywhere.blocked_at, earliest(everywhere.lifted_at, end_of(everywhere.until)))
        )
    closed = inactive_periods(enterprise, EnterpriseClosure.objects.filter(enterprise=enterprise))
    found = []
    for pk, membership_id, person_id, granted_at, revoked_at, valid_until, created_at, removed_at, *names in grants:
        held_from = max(start, granted_at, created_at)
        held_until = earliest(end, revoked_at, end_of(valid_until), removed_at)
        covers = [*closed, *group_blocks.get(membership_id, ()), *person_blocks.get(person_id, ())]
        if uncovered(held_from, held_until, covers):
            found.append((*names, granted_at, pk))
    found.sort()
    return CouldActRows([row[-1] for row in found])


def services_offered(groups: Collection[int]) -> QuerySet[OnlineService]:
    """The online services that a manager may grant in some of these groups: those one could act
    in through a grant, by name in the reader's language."""
    return (
        OnlineService.objects.filter(delegatable=True, role_types__groups__in=groups)
        .distinct()
        .order_by(f"names__{get_language() or 'en'}", "code")
    )
