"""Reads of the access model, always through the actor's scope (docs/design.md §4.5)."""

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language

from access import policy
from access.identifiers import parse_niss
from access.models import (
    AccessReview,
    AccessReviewItem,
    AuditEvent,
    Designation,
    Enterprise,
    EnterpriseBlock,
    Grant,
    Group,
    LegalRepresentative,
    Membership,
    OnlineService,
    Person,
    ServiceUse,
    UnusedAccessSetting,
    fold,
)
from access.policy import DesignationKind
from accounts import outbox
from accounts.models import OutboundMessage


@dataclass(frozen=True)
class Actor:
    """A person acting for one enterprise in one request: who, where, with what standing, from where."""

    person: Person
    enterprise: Enterprise
    standing: policy.Standing
    ip: str | None = None
    groups: tuple[Group, ...] = ()  # every group of the enterprise, when the page read them
    # How the actor acts when it is not through a page, kept with each journal row of theirs:
    # {"import": 12} for the rows of an import (`access.writes.record`, docs/design.md §5.14).
    via: Mapping[str, Any] | None = None


def current_designations(at: datetime | None = None) -> QuerySet[Designation]:
    at = at or timezone.now()
    return Designation.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=at), revoked_at__isnull=True, valid_from__lte=at
    )


def current_memberships() -> QuerySet[Membership]:
    return Membership.objects.filter(removed_at__isnull=True)


def blocked_in_group(today: date | None = None, prefix: str = "") -> Q:
    """Memberships blocked for their group today: a block "until D" ends when D+1 begins, even
    before the sweep records it (`policy.in_force`)."""
    today = today or timezone.localdate()
    return Q(**{f"{prefix}status": Membership.Status.BLOCKED}) & (
        Q(**{f"{prefix}blocked_until__isnull": True}) | Q(**{f"{prefix}blocked_until__gte": today})
    )


def open_memberships() -> QuerySet[Membership]:
    """Current memberships not blocked for their group today: those whose grants count."""
    return current_memberships().exclude(blocked_in_group())


def current_grants() -> QuerySet[Grant]:
    today = timezone.localdate()
    return Grant.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today), revoked_at__isnull=True)


def current_enterprise_blocks() -> QuerySet[EnterpriseBlock]:
    today = timezone.localdate()
    return EnterpriseBlock.objects.filter(Q(until__isnull=True) | Q(until__gte=today), lifted_at__isnull=True)


def current_legal_representatives() -> QuerySet[LegalRepresentative]:
    today = timezone.localdate()
    return LegalRepresentative.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today), valid_from__lte=today
    )


def standing_of(person_id: int | None, enterprise_id: int, frame: policy.Standing | None = None) -> policy.Standing:
    """Everything a person holds in one enterprise.

    `frame` is a standing already read in the same enterprise (the actor's, say): its groups are
    taken from it rather than read again.
    """
    if person_id is None:
        return standings_of(set(), enterprise_id, frame)[None]
    return standings_of({person_id}, enterprise_id, frame)[person_id]


def standings_of(
    person_ids: set[int], enterprise_id: int, frame: policy.Standing | None = None
) -> dict[int | None, policy.Standing]:
    """The standings of several people in one enterprise, in two queries whatever their number
    (one when `frame` gives the enterprise's groups).

    The key None holds the standing of nobody: the enterprise's groups and nothing else.
    """
    frame = frame or _frames({enterprise_id})[enterprise_id]
    result: dict[int | None, policy.Standing] = {None: _nobody(frame)}
    if not person_ids:
        return result
    held: dict[int, list[tuple[str, int | None, int | None]]] = {pk: [] for pk in person_ids}
    for _enterprise_id, person_id, kind, domain_id, group_id in _held_rows(person_ids, {enterprise_id}):
        held[person_id].append((kind, domain_id, group_id))
    for pk, rows in held.items():
        result[pk] = _standing(frame, pk, rows)
    return result


# (person id, enterprise id): a person in an enterprise, as the decision point asks about them.
Pair = tuple[int, int]


def standings_across(pairs: Collection[Pair]) -> dict[Pair, policy.Standing]:
    """The standing of each person in each enterprise of the pairs, in one query whatever their
    number: what `standing_of` reads for one, read for all of them at once with the enterprises'
    groups (the decision point asks about many people and enterprises together)."""
    if not pairs:
        return {}
    people = {person_id for person_id, _enterprise_id in pairs}
    enterprises = {enterprise_id for _person_id, enterprise_id in pairs}
    groups: dict[int, dict[int, int]] = {pk: {} for pk in enterprises}
    active: set[int] = set()
    held: dict[Pair, list[tuple[str, int | None, int | None]]] = {pair: [] for pair in pairs}
    for enterprise_id, person_id, kind, domain_id, group_id in _held_rows(people, enterprises, frames=True):
        if kind == _GROUP:
            groups[enterprise_id][group_id] = domain_id
        elif kind == _ACTIVE:
            active.add(enterprise_id)
        elif (person_id, enterprise_id) in held:
            held[(person_id, enterprise_id)].append((kind, domain_id, group_id))
    frames = {
        pk: policy.Standing(
            person_id=None, enterprise_id=pk, enterprise_groups=groups[pk], enterprise_active=pk in active
        )
        for pk in enterprises
    }
    return {(person_id, pk): _standing(frames[pk], person_id, rows) for (person_id, pk), rows in held.items()}


def _frames(enterprise_ids: set[int]) -> dict[int, policy.Standing]:
    """Each enterprise's groups (with the domain of their role) and whether it is active, in one query."""
    groups: dict[int, dict[int, int]] = {pk: {} for pk in enterprise_ids}
    active: set[int] = set()
    rows = Group.objects.filter(enterprise_id__in=enterprise_ids).values_list(
        "enterprise_id", "pk", "role_type__domain_id", "enterprise__status"
    )
    for enterprise_id, pk, domain_id, status in rows:
        groups[enterprise_id][pk] = domain_id
        # An enterprise without any group has nothing to manage: counting it inactive changes nothing.
        if status == Enterprise.Status.ACTIVE:
            active.add(enterprise_id)
    return {
        pk: policy.Standing(
            person_id=None, enterprise_id=pk, enterprise_groups=groups[pk], enterprise_active=pk in active
        )
        for pk in enterprise_ids
    }


def _nobody(frame: policy.Standing) -> policy.Standing:
    return policy.Standing(
        person_id=None,
        enterprise_id=frame.enterprise_id,
        enterprise_groups=frame.enterprise_groups,
        enterprise_active=frame.enterprise_active,
    )


def _standing(
    frame: policy.Standing, person_id: int, rows: list[tuple[str, int | None, int | None]]
) -> policy.Standing:
    kinds = {kind for kind, _, _ in rows}
    return policy.Standing(
        person_id=person_id,
        enterprise_id=frame.enterprise_id,
        enterprise_groups=frame.enterprise_groups,
        legal_representative=_LEGAL_REPRESENTATIVE in kinds,
        main=DesignationKind.MAIN in kinds,
        co_main=DesignationKind.CO_MAIN in kinds,
        managed_domains=frozenset(d for k, d, _ in rows if k == DesignationKind.ACCESS_MANAGER and d is not None),
        managed_groups=frozenset(g for k, _, g in rows if k == DesignationKind.GROUP_MANAGER and g is not None),
        member_of=frozenset(g for k, _, g in rows if k == _MEMBER and g is not None),
        enterprise_active=frame.enterprise_active,
        blocked_everywhere=_BLOCKED in kinds,
    )


_LEGAL_REPRESENTATIVE = "legal_representative"
_MEMBER = "member"
_BLOCKED = "blocked_everywhere"
_GROUP = "group"  # a group of the enterprise, with the domain of its role (person None)
_ACTIVE = "active"  # the enterprise is active (person None)

# Everything people hold in some enterprises, as (enterprise, person, kind, domain, group) rows of
# one query. It runs on every page, and Django took longer to build it from four querysets than the
# database takes to answer it (docs/benchmarks.md), so it is written out; {people} and
# {enterprises} become one placeholder per person and per enterprise. Its conditions are those of
# the current_* querysets above, and its kinds the constants above: tests/access/test_standing.py
# holds the two to the same answers.
_HELD_SQL = """
SELECT enterprise_id, person_id, kind, domain_id, group_id FROM access_designation
 WHERE enterprise_id IN ({enterprises}) AND person_id IN ({people})
   AND revoked_at IS NULL AND valid_from <= %s AND (valid_until IS NULL OR valid_until > %s)
UNION ALL
SELECT enterprise_id, person_id, 'legal_representative', NULL, NULL FROM access_legalrepresentative
 WHERE enterprise_id IN ({enterprises}) AND person_id IN ({people})
   AND valid_from <= %s AND (valid_until IS NULL OR valid_until >= %s)
UNION ALL
SELECT grp.enterprise_id, membership.person_id, 'member', NULL, membership.group_id
  FROM access_membership membership JOIN access_group grp ON grp.id = membership.group_id
 WHERE grp.enterprise_id IN ({enterprises}) AND membership.person_id IN ({people})
   AND membership.removed_at IS NULL
UNION ALL
SELECT enterprise_id, person_id, 'blocked_everywhere', NULL, NULL FROM access_enterpriseblock
 WHERE enterprise_id IN ({enterprises}) AND person_id IN ({people})
   AND lifted_at IS NULL AND ("until" IS NULL OR "until" >= %s)
"""
# With the frames: the enterprises' groups and which enterprises are active, in the same query
# (what `_frames` reads for the pages).
_FRAMES_SQL = """
UNION ALL
SELECT grp.enterprise_id, NULL, 'group', role.domain_id, grp.id
  FROM access_group grp JOIN access_roletype role ON role.id = grp.role_type_id
 WHERE grp.enterprise_id IN ({enterprises})
UNION ALL
SELECT id, NULL, 'active', NULL, NULL FROM access_enterprise WHERE id IN ({enterprises}) AND status = %s
"""


def _held_rows(
    person_ids: set[int], enterprise_ids: set[int], *, frames: bool = False
) -> list[tuple[int, Any, str, Any, Any]]:
    """(enterprise, person, kind, domain, group) rows; the person is None in the rows of the frames."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    people, enterprises = sorted(person_ids), sorted(enterprise_ids)
    sql = _HELD_SQL + (_FRAMES_SQL if frames else "")
    sql = sql.format(people=", ".join(["%s"] * len(people)), enterprises=", ".join(["%s"] * len(enterprises)))
    params = [
        *(*enterprises, *people, now, now),
        *(*enterprises, *people, today, today),
        *(*enterprises, *people),
        *(*enterprises, *people, today),
    ]
    if frames:
        params += [*enterprises, *enterprises, Enterprise.Status.ACTIVE.value]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def enterprises_of(person: Person) -> QuerySet[Enterprise]:
    """The enterprises in which the person has any standing: the choice after login
    (access.choice), by name.

    The enterprises come from sources, each a queryset of one column, the enterprise's id, for
    this person, and the union of them (SQL's UNION, which keeps each id once) is what the person
    chooses from, in one query however many enterprises and sources there are: a legal
    representative's enterprises, the enterprises of their designations as a manager, and those of
    the groups they belong to. Another way to act for an enterprise (the clients of an enterprise
    under a mandate, say) is one more such queryset in the union, and every page that offers the
    choice then offers those enterprises, searched and paged with the others
    (docs/decisions.md §17).
    """
    sources = [
        current_legal_representatives().filter(person=person).order_by().values_list("enterprise_id"),
        current_designations().filter(person=person).order_by().values_list("enterprise_id"),
        current_memberships().filter(person=person).order_by().values_list("group__enterprise_id"),
    ]
    first, *others = sources
    return Enterprise.objects.filter(pk__in=first.union(*others)).order_by("name", "pk")


def groups_in_scope(actor: Actor) -> QuerySet[Group]:
    """The groups the actor manages, each with how many of its users are active and blocked. Each
    group counts its own memberships from its index: joined to the groups, the counts of a group of
    10,000 were grouped and sorted with their role and domain, which PostgreSQL, expecting one row
    among a country's, joined 10,000 times over (docs/benchmarks.md, the eighth round)."""
    blocked = blocked_in_group()
    return (
        Group.objects.filter(pk__in=actor.standing.scope_groups)
        .select_related("role_type__domain")
        .annotate(
            active_count=_members_counted(~blocked),
            blocked_count=_members_counted(blocked),
        )
        .order_by("role_type__domain__code", "role_type__code")
    )


def _members_counted(condition: Q) -> Coalesce:
    """How many current memberships of the group (an outer query's) meet the condition."""
    members = current_memberships().filter(condition, group=OuterRef("pk")).order_by()
    return Coalesce(Subquery(members.values("group").annotate(count=Count("pk")).values("count")), 0)


def memberships_in_scope(actor: Actor) -> QuerySet[Membership]:
    """The current memberships of the groups the actor manages. When those are every group of the
    enterprise, they are asked for by the enterprise alone: asked for also among the groups,
    PostgreSQL multiplied the two shares among a country's memberships, expected 43 of the
    enterprise's 20,042 and sorted them all for a page (docs/benchmarks.md, the eighth round)."""
    scope = actor.standing.scope_groups
    if scope and scope == frozenset(actor.standing.enterprise_groups):
        return current_memberships().filter(enterprise=actor.enterprise)
    return current_memberships().filter(group_id__in=scope)


def _search(queryset: QuerySet, query: str, prefix: str = "", names: str = "search_name") -> QuerySet:
    """Search by name, or by a whole national register number (never by a part of one); `names`
    is the folded names searched (a membership's own copy, or the person's)."""
    query = query.strip()[:100]
    if not query:
        return queryset
    try:
        niss = parse_niss(query)
    except ValidationError:
        niss = None
    if niss:
        return queryset.filter(**{f"{prefix}niss": niss})
    return queryset.filter(names_match(query, field=names))


def names_match(query: str, prefix: str = "", field: str = "search_name") -> Q:
    """Every word typed is in the person's names, accents, case and apostrophes aside: "Chloe"
    finds Chloé, "unal" finds Ünal (Person.search_name, docs/decisions.md §13.1)."""
    condition = Q()
    for word in fold(query).split():
        condition &= Q(**{f"{prefix}{field}__contains": word})
    return condition


def _with_enterprise_block(queryset: QuerySet, enterprise_id: int, person_field: str) -> QuerySet:
    """Whether the person is blocked for all groups, and until when (None: no end date)."""
    block = current_enterprise_blocks().filter(enterprise_id=enterprise_id, person_id=OuterRef(person_field))
    return queryset.annotate(
        blocked_everywhere=Exists(block), blocked_everywhere_until=Subquery(block.values("until")[:1])
    )


def group_members(actor: Actor, group: Group, query: str = "") -> QuerySet[Membership]:
    """The users of one group, with their current services, for the group page; none for a group
    outside the actor's scope. The group's rows are asked for by the group alone: asked for also
    among the scope's groups, PostgreSQL multiplied the two shares, expected 19 of a group's
    11,000 memberships among a country's, and sorted them all for the page instead of reading the
    page from the group's index of names (docs/benchmarks.md, the seventh round)."""
    if group.pk not in actor.standing.scope_groups:
        return Membership.objects.none()
    memberships = current_memberships().filter(group=group).select_related("person")
    memberships = _search(memberships, query, prefix="person__", names="person_search_name")
    memberships = _with_enterprise_block(memberships, actor.enterprise.pk, "person_id")
    return memberships.prefetch_related(
        Prefetch("grants", queryset=current_grants().select_related("service"), to_attr="current_grants")
    ).order_by(*BY_NAME)


# The order of an enterprise's people, read from their memberships' copies of their names
# (Membership.person_surname, in the indexes membership_group_name_idx and
# membership_enterprise_name_idx).
BY_NAME = ("person_surname", "person_given_name", "person_id")


class PeopleInScope:
    """Everyone who is a user of a group that the actor manages, each with those memberships, as
    a paginator reads them: the page's people are chosen among the enterprise's memberships in the
    order of the names they carry (read in that order from the enterprise's index, never sorted),
    then read with all the page shows. Chosen among the people instead, the order walked the
    names of everyone in the country (docs/decisions.md §20.1)."""

    def __init__(self, actor: Actor, query: str = "") -> None:
        self.actor = actor
        in_scope = memberships_in_scope(actor).filter(enterprise=actor.enterprise)
        in_scope = _search(in_scope, query, prefix="person__", names="person_search_name")
        self.ids = in_scope.order_by(*BY_NAME).values_list(*BY_NAME).distinct()

    def count(self) -> int:
        return self.ids.count()

    def __getitem__(self, window: slice) -> list[Person]:
        ids = [person_id for *_names, person_id in self.ids[window]]
        people = Person.objects.filter(pk__in=ids)
        people = _with_enterprise_block(people, self.actor.enterprise.pk, "pk").prefetch_related(
            Prefetch(
                "memberships",
                queryset=memberships_in_scope(self.actor)
                .select_related("group__role_type")
                .order_by("group__role_type__code"),
                to_attr="scoped_memberships",
            )
        )
        found = {person.pk: person for person in people}
        return [found[person_id] for person_id in ids if person_id in found]


def people_in_scope(actor: Actor, query: str = "") -> PeopleInScope:
    return PeopleInScope(actor, query)


def count_people_in_scope(actor: Actor) -> int:
    """How many people `people_in_scope` lists without a search, counted from the memberships
    alone: at 10,000 users this is a third quicker than counting the people."""
    return memberships_in_scope(actor).aggregate(people=Count("person_id", distinct=True))["people"]


def _with_last_use(grants: QuerySet[Grant], person_id: int, enterprise_id: int) -> QuerySet[Grant]:
    """Each grant with when its holder last used the service for the enterprise (`last_used_at`,
    None if never seen), in the same query."""
    uses = ServiceUse.objects.filter(person_id=person_id, enterprise_id=enterprise_id, service=OuterRef("service"))
    return grants.annotate(last_used_at=Subquery(uses.values("last_used_at")[:1]))


def granted_services(actor: Actor, membership: Membership) -> list[Grant]:
    """A membership's current grants, with their services and last use, for the membership's page."""
    grants = current_grants().filter(membership=membership).select_related("service")
    return list(_with_last_use(grants, membership.person_id, actor.enterprise.pk))


def person_memberships(actor: Actor, person: Person) -> list[Membership]:
    """A person's memberships in the groups the actor manages, with services and their last use,
    for the user's page."""
    grants = _with_last_use(current_grants().select_related("service"), person.pk, actor.enterprise.pk)
    return list(
        memberships_in_scope(actor)
        .filter(person=person)
        .select_related("group__role_type__domain")
        .prefetch_related(
            Prefetch("grants", queryset=grants, to_attr="current_grants"),
            Prefetch("group__role_type__services", to_attr="offered_services"),
        )
        .order_by("group__role_type__code")
    )


def enterprise_block_of(enterprise: Enterprise, person: Person) -> EnterpriseBlock | None:
    return current_enterprise_blocks().filter(enterprise=enterprise, person=person).first()


def service_offers(group: Group) -> list[policy.ServiceOffer]:
    offered = set(group.role_type.services.values_list("pk", flat=True))
    return [
        policy.ServiceOffer(service_id=pk, offered=pk in offered, delegatable=delegatable)
        for pk, delegatable in OnlineService.objects.values_list("pk", "delegatable")
    ]


def grantable_services(group: Group) -> QuerySet[OnlineService]:
    """What a manager may grant in this group, by name in the reader's language."""
    return OnlineService.objects.filter(pk__in=policy.grantable(service_offers(group))).order_by(
        f"names__{get_language() or 'en'}", "code"
    )


@dataclass(frozen=True)
class MainManagerStatus:
    designation: Designation
    messages: list[Any]
    temporary_password_expires_at: datetime | None


def main_manager_of(enterprise: Enterprise) -> MainManagerStatus | None:
    """The current MAM, with the state of the messages that carry a local login to them."""
    designation = (
        current_designations()
        .filter(enterprise=enterprise, kind=DesignationKind.MAIN)
        .select_related("person__user")
        .first()
    )
    if designation is None:
        return None
    user = designation.person.user
    # The messages of the local login: the username e-mail and the temporary-password SMS, not
    # the e-mails that tell the person of changes to their access.
    credentials = OutboundMessage.objects.filter(user=user, purpose__in=outbox.CREDENTIALS)
    messages = list(credentials.order_by("-created_at")[:2]) if user else []
    return MainManagerStatus(
        designation=designation,
        messages=sorted(messages, key=lambda m: m.pk),
        temporary_password_expires_at=user.temporary_password_expires_at if user else None,
    )


def designations_in_scope(actor: Actor) -> QuerySet[Designation]:
    """Current designations the actor may designate or revoke, and their own."""
    kinds, groups = policy.designations_seen(actor.standing)
    condition = Q(person=actor.person) | Q(kind__in=kinds) | Q(kind=DesignationKind.GROUP_MANAGER, group_id__in=groups)
    return (
        current_designations()
        .filter(condition, enterprise=actor.enterprise)
        .select_related("person", "domain", "group__role_type")
        .order_by("kind", "domain__code", "group__role_type__code", "person__surname")
    )


def journal_in_scope(actor: Actor) -> QuerySet[AuditEvent]:
    """Managers read the events of their scope; everyone reads the events about themselves."""
    standing = actor.standing
    events = AuditEvent.objects.filter(enterprise=actor.enterprise)
    if not policy.sees_whole_journal(standing):
        events = events.filter(
            Q(target_person=actor.person)
            | Q(actor=actor.person)
            | Q(group_id__in=standing.scope_groups)
            | Q(group__isnull=True, domain_id__in=standing.scope_domains)
        )
    return events.select_related("actor", "target_person", "group__role_type", "domain").order_by("-created_at", "-pk")


@dataclass(frozen=True)
class JournalFilters:
    """What the journal is narrowed to; an empty value narrows nothing. The person is named by id
    (`person_id`, found by national register number) or by name (`name`, matched by words)."""

    person_id: int | None = None
    name: str = ""
    action: str = ""
    group_id: int | None = None
    since: date | None = None
    until: date | None = None  # the whole day included


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def journal_search(actor: Actor, filters: JournalFilters) -> QuerySet[AuditEvent]:
    """The events of the actor's journal (`journal_in_scope`) that match the filters, newest first.

    A person is matched as the one who acted or the one the event is about; by name, every word
    must be in the same person's names. Days are the portal's (Europe/Brussels)."""
    events = journal_in_scope(actor)
    if filters.person_id is not None:
        events = events.filter(Q(actor_id=filters.person_id) | Q(target_person_id=filters.person_id))
    if filters.name.strip():
        events = events.filter(names_match(filters.name, "actor__") | names_match(filters.name, "target_person__"))
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.group_id is not None:
        events = events.filter(group_id=filters.group_id)
    # Days at the ends of the calendar bound nothing (and would not survive the move to UTC).
    if filters.since and filters.since > date(1900, 1, 1):
        events = events.filter(created_at__gte=_start_of(filters.since))
    if filters.until and filters.until < date(9000, 1, 1):
        events = events.filter(created_at__lt=_start_of(filters.until + timedelta(days=1)))
    return events


def journal_person(actor: Actor, *, niss: str = "", pk: int | None = None) -> Person | None:
    """A person who appears in the actor's journal (who acted, or whom an event is about), by
    national register number or by id. Anyone else is None: the journal's filter tells nobody
    whether a person outside it exists."""
    appears = journal_in_scope(actor).filter(Q(actor=OuterRef("pk")) | Q(target_person=OuterRef("pk")))
    people = Person.objects.filter(Exists(appears))
    if niss:
        return people.filter(niss=niss).first()
    return people.filter(pk=pk).first() if pk is not None else None


def effective_services(person: Person, enterprise: Enterprise, standing: policy.Standing | None = None) -> set[str]:
    """The codes of the online services a person may use for an enterprise now: what each of
    their groups offers them, as `policy.usable_services` decides (docs/design.md §3.6).

    One query: the person's active memberships with their current grants, and what the groups
    offer.
    """
    standing = standing or standing_of(person.pk, enterprise.pk)
    pair = (person.pk, enterprise.pk)
    return effective_services_across({pair: standing})[pair]


def effective_services_across(standings: Mapping[Pair, policy.Standing]) -> dict[Pair, set[str]]:
    """`effective_services` of several people in several enterprises (their standings by person
    and enterprise), in the same query whatever their number: the pages ask about one person in one
    enterprise, the decision point about many."""
    result: dict[Pair, set[str]] = {pair: set() for pair in standings}
    # Nothing is usable in an enterprise that is not active or where the person is blocked for all groups.
    open_standings = {
        pair: standing
        for pair, standing in standings.items()
        if standing.enterprise_active and not standing.blocked_everywhere
    }
    if not open_standings:
        return result
    people = {person_id for person_id, _enterprise_id in open_standings}
    member_of = set().union(*(standing.member_of for standing in open_standings.values()))
    scope = set().union(*(standing.scope_groups for standing in open_standings.values()))
    active: set[tuple[int, int]] = set()  # (person, group): an active membership
    granted: set[tuple[int, int, int]] = set()  # (person, group, service): a current grant in it
    offered: dict[int, list[tuple[int, str, frozenset[str]]]] = {}  # group -> (service, code, automatic for)
    automatic: dict[str, frozenset[str]] = {}  # JSON of the standings -> the standings
    for kind, person_id, group_id, service_id, code, automatic_for in _services_rows(people, member_of, scope):
        if kind == _OFFERED:
            if not isinstance(automatic_for, str):  # the database's driver decoded it
                automatic_for = json.dumps(automatic_for)
            if automatic_for not in automatic:
                automatic[automatic_for] = frozenset(json.loads(automatic_for) or ())
            offered.setdefault(group_id, []).append((service_id, code, automatic[automatic_for]))
            continue
        active.add((person_id, group_id))
        if service_id is not None:
            granted.add((person_id, group_id, service_id))
    for (person_id, enterprise_id), standing in open_standings.items():
        mine = {group_id for group_id in standing.enterprise_groups if (person_id, group_id) in active}
        offers = [
            policy.OfferedService(
                group_id=group_id,
                code=code,
                granted=(person_id, group_id, service_id) in granted,
                automatic_for=automatic_for,
            )
            for group_id in mine | standing.scope_groups
            for service_id, code, automatic_for in offered.get(group_id, ())
        ]
        result[(person_id, enterprise_id)] = set(policy.usable_services(standing, offers, active_groups=mine))
    return result


_GRANTED = "granted"
_OFFERED = "offered"

# What `usable_services` weighs, as (kind, person, group, service, code, automatic for) rows of one
# query, written out for the reason of `_HELD_SQL`: the people's active memberships of the groups
# they belong to, each with its current grants (a row without a service when it has none), and
# what those groups and the groups they manage offer ({offering}: both). Its conditions are those
# of open_memberships and current_grants (a block or a grant past its end date counts as ended);
# tests/access/test_standing.py holds them to the same answers.
_GRANTED_SQL = """
SELECT 'granted', membership.person_id, membership.group_id, grnt.service_id, NULL, NULL
  FROM access_membership membership
  LEFT JOIN access_grant grnt ON grnt.membership_id = membership.id
   AND grnt.revoked_at IS NULL AND (grnt.valid_until IS NULL OR grnt.valid_until >= %s)
 WHERE membership.person_id IN ({people}) AND membership.group_id IN ({member_of})
   AND membership.removed_at IS NULL AND (membership.status = %s OR membership.blocked_until < %s)
"""
_OFFERED_SQL = """
SELECT 'offered', NULL, grp.id, service.id, service.code, service.automatic_for
  FROM access_group grp
  JOIN access_roletype_services offer ON offer.roletype_id = grp.role_type_id
  JOIN access_onlineservice service ON service.id = offer.onlineservice_id
 WHERE grp.id IN ({offering})
"""


def _services_rows(
    person_ids: set[int], member_of: set[int], scope: set[int]
) -> list[tuple[str, Any, int, Any, Any, Any]]:
    parts: list[str] = []
    params: list[Any] = []
    if member_of:
        groups = sorted(member_of)
        parts.append(_GRANTED_SQL.format(people=_placeholders(person_ids), member_of=_placeholders(groups)))
        today = connection.ops.adapt_datefield_value(timezone.localdate())
        params += [today, *sorted(person_ids), *groups, Membership.Status.ACTIVE.value, today]
    if member_of | scope:
        offering = sorted(member_of | scope)
        parts.append(_OFFERED_SQL.format(offering=_placeholders(offering)))
        params += offering
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute("UNION ALL".join(parts), params)
        return cursor.fetchall()


def _placeholders(values: Collection[object]) -> str:
    return ", ".join(["%s"] * len(values))


# --- A person's own access (docs/design.md §5.12) ------------------------------------------------


@dataclass(frozen=True)
class AutomaticService:
    """An online service that comes with the person's standing (`standings`: the kinds of manager
    and "user" that bring it), not with a grant; with its last use."""

    service: OnlineService
    standings: tuple[str, ...]
    last_used_at: datetime | None


@dataclass(frozen=True)
class OwnAccess:
    """Everything a person holds in one enterprise, for their own page: their memberships (each
    with `own_grants`, every grant with `last_used_at`, and `reason_shared`), the services their
    standing brings, their designations, their block for all groups (with `reason_shared`) and
    their legal representation."""

    memberships: Sequence[Membership]
    automatic: list[AutomaticService]
    designations: list[Designation]
    enterprise_block: EnterpriseBlock | None
    representation: LegalRepresentative | None


def _block_told(actor: Actor, action: str, **where: Any) -> Exists:
    """Whether the manager who set the current block chose to tell the person why: kept in the
    journal event of the block (`reason_shared`), the one written when the block was set."""
    return Exists(
        AuditEvent.objects.filter(
            enterprise=actor.enterprise,
            target_person=actor.person,
            action=action,
            after__reason_shared=True,
            **where,
        )
    )


def own_memberships(actor: Actor) -> QuerySet[Membership]:
    """The actor's current memberships in the enterprise: what they may leave."""
    return current_memberships().filter(person=actor.person, group__enterprise=actor.enterprise)


def own_grants(actor: Actor) -> QuerySet[Grant]:
    """The actor's current grants in their current memberships of the enterprise: what they may
    give up. Anyone else's grant is not among them."""
    return current_grants().filter(membership__in=own_memberships(actor))


def own_access(actor: Actor) -> OwnAccess:
    """The actor's own access in the enterprise, in the same number of queries whatever they hold:
    five, and one more each for a block for all groups and a legal representation."""
    standing = actor.standing
    uses = dict(
        ServiceUse.objects.filter(person=actor.person, enterprise=actor.enterprise).values_list(
            "service_id", "last_used_at"
        )
    )
    grants = current_grants().select_related("service", "granted_by").order_by(f"service__names__{_language()}")
    memberships = list(
        own_memberships(actor)
        .select_related("group__role_type__domain", "created_by")
        .annotate(
            reason_shared=_block_told(
                actor,
                AuditEvent.Action.MEMBERSHIP_BLOCKED,
                group=OuterRef("group"),
                created_at__gte=OuterRef("blocked_at"),
            )
        )
        .prefetch_related(Prefetch("grants", queryset=grants, to_attr="own_grants"))
        .order_by("group__role_type__code")
    )
    for membership in memberships:
        for grant in membership.own_grants:
            grant.last_used_at = uses.get(grant.service_id)  # type: ignore[attr-defined]
    designations = list(
        current_designations()
        .filter(person=actor.person, enterprise=actor.enterprise)
        .select_related("domain", "group__role_type", "designated_by")
        .order_by("kind", "domain__code", "group__role_type__code")
    )
    block = None
    if standing.blocked_everywhere:
        block = (
            current_enterprise_blocks()
            .filter(person=actor.person, enterprise=actor.enterprise)
            .annotate(
                reason_shared=_block_told(
                    actor, AuditEvent.Action.ENTERPRISE_BLOCKED, created_at__gte=OuterRef("blocked_at")
                )
            )
            .first()
        )
    representation = None
    if standing.legal_representative:
        representation = (
            current_legal_representatives()
            .filter(person=actor.person, enterprise=actor.enterprise)
            .order_by("valid_from")
            .first()
        )
    return OwnAccess(
        memberships=memberships,
        automatic=_automatic_services(standing, uses),
        designations=designations,
        enterprise_block=block,
        representation=representation,
    )


def _language() -> str:
    return get_language() or "en"


def _automatic_services(standing: policy.Standing, uses: Mapping[int, datetime]) -> list[AutomaticService]:
    """What the person's standings bring without a grant, in the groups they belong to or manage,
    as `policy.usable_services` decides it for a person holding no grant. Blocks and a pending
    enterprise aside: the page says what they hold, and shows the block that holds it back."""
    held = policy.automatic_standings(standing)
    groups = standing.member_of | standing.scope_groups
    if not held or not groups:
        return []
    offered = list(
        OnlineService.objects.filter(role_types__groups__in=groups)
        .annotate(group_id=F("role_types__groups"))
        .order_by(f"names__{_language()}", "code")
    )
    offers = [
        policy.OfferedService(
            group_id=service.group_id,  # type: ignore[attr-defined]
            code=service.code,
            granted=False,
            automatic_for=frozenset(service.automatic_for),
        )
        for service in offered
    ]
    unblocked = replace(standing, blocked_everywhere=False, enterprise_active=True)
    codes = policy.usable_services(unblocked, offers, active_groups=standing.member_of)
    services: dict[str, AutomaticService] = {}
    for service in offered:
        if service.code in codes and service.code not in services:
            standings = tuple(s for s in _STANDING_ORDER if s in held and s in service.automatic_for)
            services[service.code] = AutomaticService(service, standings, uses.get(service.pk))
    return list(services.values())


# The standings that bring services automatically, highest first, as `automatic_standings` names them.
_STANDING_ORDER = (
    DesignationKind.MAIN,
    DesignationKind.CO_MAIN,
    DesignationKind.ACCESS_MANAGER,
    DesignationKind.GROUP_MANAGER,
    policy.MEMBER,
)


# --- Access reviews and unused access (docs/design.md §5.13) -------------------------------------


def granted_now(prefix: str = "grant__") -> Q:
    """The grant (under `prefix`) is current: the conditions of current_grants."""
    today = timezone.localdate()
    return Q(**{f"{prefix}revoked_at__isnull": True}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": today})
    )


def review_counts(prefix: str = "") -> dict[str, Count]:
    """How a review's items (under `prefix`) stand: confirmed, revoked, ended at the deadline,
    left to answer, and no longer granted (revoked or given up outside the review first)."""
    answer, pk = f"{prefix}answer", f"{prefix}pk"
    granted = granted_now(f"{prefix}grant__")
    Answer = AccessReviewItem.Answer
    return {
        "total": Count(pk),
        "confirmed": Count(pk, filter=Q(**{answer: Answer.CONFIRMED})),
        "revoked": Count(pk, filter=Q(**{answer: Answer.REVOKED})),
        "ended": Count(pk, filter=Q(**{answer: Answer.ENDED})),
        "open": Count(pk, filter=Q(**{answer: Answer.OPEN}) & granted),
        "gone": Count(pk, filter=Q(**{answer: Answer.OPEN}) & ~granted),
    }


def review_progress(review: AccessReview) -> dict[str, int]:
    return review.items.aggregate(**review_counts())


def review_progress_by_answerer(review: AccessReview) -> list[dict[str, Any]]:
    """The review's answers per manager who must answer (None: the MAM and the co-MAMs), in one query."""
    rows = (
        review.items.values("answerer_id", "answerer__given_name", "answerer__surname")
        .annotate(**review_counts())
        .order_by(F("answerer__surname").asc(nulls_first=True), "answerer__given_name", "answerer_id")
    )
    return [dict(row) for row in rows]


def reviews_in_scope(actor: Actor) -> QuerySet[AccessReview]:
    """The reviews of the enterprise the actor opens, newest first: every one, with its answers, to
    whoever follows them (policy.can_follow_reviews); to another manager those that cover a group
    of theirs, with how many grants they must answer for and how many are left."""
    reviews = AccessReview.objects.filter(enterprise=actor.enterprise).select_related("domain", "started_by")
    if policy.can_follow_reviews(actor.standing):
        return reviews.annotate(**review_counts("items__")).order_by("-started_at", "-pk")
    standing = actor.standing
    domains = {standing.enterprise_groups[group] for group in standing.scope_groups}
    yours = Q(items__answerer=actor.person)
    left = yours & Q(items__answer=AccessReviewItem.Answer.OPEN) & granted_now("items__grant__")
    return (
        reviews.filter(Q(domain__isnull=True) | Q(domain_id__in=domains))
        .annotate(yours=Count("items", filter=yours), yours_left=Count("items", filter=left))
        .order_by("-started_at", "-pk")
    )


def _yours(actor: Actor) -> Q:
    """The items the actor must answer for: named for them, or, for the MAM and the co-MAMs,
    named for nobody else."""
    if policy.can_follow_reviews(actor.standing):
        return Q(answerer=actor.person) | Q(answerer__isnull=True)
    return Q(answerer=actor.person)


def review_items(actor: Actor, review: AccessReview, *, yours: bool = False) -> QuerySet[AccessReviewItem]:
    """The review's grants in the actor's groups (policy.review_groups), each with its holder,
    group, service, last use (`last_used_at`) and whether it is still granted (`still_granted`);
    `yours`: only those the actor must answer for. Open ones first, then by group and person."""
    groups = policy.review_groups(actor.standing, review.domain_id)
    items = review.items.filter(grant__membership__group_id__in=groups)
    if yours:
        items = items.filter(_yours(actor))
    uses = ServiceUse.objects.filter(
        person_id=OuterRef("grant__membership__person_id"),
        enterprise_id=review.enterprise_id,
        service_id=OuterRef("grant__service_id"),
    )
    open_first = Case(When(answer=AccessReviewItem.Answer.OPEN, then=0), default=1)
    return (
        items.select_related(
            "grant__service", "grant__membership__person", "grant__membership__group__role_type", "answered_by"
        )
        .annotate(
            last_used_at=Subquery(uses.values("last_used_at")[:1]),
            still_granted=ExpressionWrapper(granted_now(), output_field=BooleanField()),
        )
        .order_by(
            open_first,
            "grant__membership__group__role_type__code",
            "grant__membership__person__surname",
            "grant__membership__person__given_name",
            f"grant__service__names__{_language()}",
            "pk",
        )
    )


def your_review_progress(actor: Actor, review: AccessReview) -> dict[str, int]:
    """How the grants the actor must answer for stand (review_counts), in their groups."""
    groups = policy.review_groups(actor.standing, review.domain_id)
    items = review.items.filter(_yours(actor), grant__membership__group_id__in=groups)
    return items.aggregate(**review_counts())


def open_review(enterprise: Enterprise) -> AccessReview | None:
    return AccessReview.objects.filter(enterprise=enterprise, closed_at__isnull=True).first()


def unused_access_of(enterprise: Enterprise) -> UnusedAccessSetting | None:
    return UnusedAccessSetting.objects.filter(enterprise=enterprise).select_related("changed_by").first()
