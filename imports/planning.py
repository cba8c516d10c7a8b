"""The dry run (docs/design.md §5.14): what each row of a file would do now, asked of the policy
with the same questions as the pages, and changing nothing.

The rows are weighed together: the enterprise's groups, what their roles offer, the catalogue, the
people named, their standings and their memberships with their grants are read in a fixed number of
queries, whatever the number of rows. The import runs the same weighing again on the rows it
carries out, just before it does (imports.running), and the services ask the policy once more.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Prefetch

from access import policy, selectors
from access.identifiers import parse_niss
from access.models import Grant, Group, Membership, OnlineService, Person, RoleType
from access.selectors import Actor
from access.writes import ActionRefused, required_reason
from imports import columns, verdicts
from imports.columns import ACTION, ADD, BLOCK, EMAIL, GIVEN_NAME, GROUP, NISS, REASON, REMOVE, SERVICES, SURNAME
from imports.reading import Row
from imports.verdicts import Verdict, refused, refused_because

LONGEST = {GIVEN_NAME: 100, SURNAME: 100, EMAIL: 254, REASON: 500}


@dataclass
class Plan:
    """One row, as the dry run weighed it."""

    row: Row
    verdict: Verdict
    niss: str = ""
    action: str = ""
    group: Group | None = None
    services: list[OnlineService] = field(default_factory=list)
    person: Person | None = None
    membership: Membership | None = None

    @property
    def reason(self) -> str:
        return self.row.cells[REASON]


class Weighing:
    """What the rows are weighed against, read at once."""

    def __init__(self, actor: Actor, rows: Sequence[Row]) -> None:
        self.actor = actor
        self.groups: dict[str, Group] = {}
        groups = list(Group.objects.filter(enterprise=actor.enterprise).select_related("role_type"))
        for group in groups:
            for word in (group.role_type.code, *group.role_type.names.values()):
                self.groups[columns.folded(word)] = group
        offers = RoleType.services.through.objects.filter(roletype_id__in={g.role_type_id for g in groups})
        self.offered = set(offers.values_list("roletype_id", "onlineservice_id"))
        self.services: dict[str, OnlineService] = {}
        self.codes: dict[int, str] = {}
        for service in OnlineService.objects.all():
            self.codes[service.pk] = service.code
            for word in (service.code, *service.names.values()):
                self.services[columns.folded(word)] = service
        numbers = {niss for niss in (_niss_or_none(row.cells[NISS]) for row in rows) if niss}
        self.people = {person.niss: person for person in Person.objects.filter(niss__in=numbers)}
        ids = {person.pk for person in self.people.values()}
        self.standings = selectors.standings_of(ids, actor.enterprise.pk, actor.standing)
        memberships = (
            selectors.current_memberships()
            .filter(person_id__in=ids, group__enterprise=actor.enterprise)
            .prefetch_related(
                Prefetch("grants", queryset=selectors.current_grants().order_by("pk"), to_attr="current_grants")
            )
        )
        self.memberships = {(m.person_id, m.group_id): m for m in memberships}

    def standing(self, person: Person | None) -> policy.Standing:
        return self.standings[person.pk if person else None]

    def offer(self, group: Group, service: OnlineService) -> policy.ServiceOffer:
        offered = (group.role_type_id, service.pk) in self.offered
        return policy.ServiceOffer(service_id=service.pk, offered=offered, delegatable=service.delegatable)


def _niss_or_none(value: str) -> str | None:
    try:
        return parse_niss(value)
    except ValidationError:
        return None


def granted(membership: Membership) -> list[Grant]:
    return membership.current_grants  # type: ignore[attr-defined]  # prefetched


def plan(actor: Actor, rows: Sequence[Row]) -> list[Plan]:
    """Each row's verdict, in the order of the rows; a row about a person and a group already
    named by an earlier row is refused as a duplicate."""
    weighing = Weighing(actor, rows)
    seen: dict[tuple[str, int], int] = {}
    plans = []
    for row in rows:
        result = _plan(weighing, row)
        if result.niss and result.group is not None:
            key = (result.niss, result.group.pk)
            if key in seen:
                result.verdict = refused_because("duplicate", line=seen[key])
            else:
                seen[key] = row.line
        plans.append(result)
    return plans


def _plan(weighing: Weighing, row: Row) -> Plan:
    cells = row.cells
    result = Plan(row=row, verdict=Verdict(verdicts.REFUSED))
    action = columns.action_of(cells[ACTION])
    try:
        result.niss = parse_niss(cells[NISS])
    except ValidationError as exc:
        result.verdict = refused(exc.message)
        return result
    result.group = weighing.groups.get(columns.folded(cells[GROUP])) if cells[GROUP] else None
    if result.group is None:
        result.verdict = refused_because("group", value=cells[GROUP]) if cells[GROUP] else refused_because("no_group")
        return result
    if action is None:
        result.verdict = refused_because("action", value=cells[ACTION])
        return result
    result.action = action
    for name in columns.split_services(cells[SERVICES]):
        service = weighing.services.get(columns.folded(name))
        if service is None:
            result.verdict = refused_because("service", value=name)
            return result
        if service not in result.services:
            result.services.append(service)
    for key, longest in LONGEST.items():
        if len(cells[key]) > longest:
            result.verdict = refused_because("too_long", value=str(columns.COLUMNS[key]))
            return result
    if cells[EMAIL]:
        try:
            validate_email(cells[EMAIL])
        except ValidationError:
            result.verdict = refused_because("email", value=cells[EMAIL])
            return result
    # Nothing is said of a group the actor does not manage, not even who is in it.
    if refusal := _checked(policy.can_manage_group(weighing.actor.standing, result.group.pk)):
        result.verdict = refusal
        return result
    result.person = weighing.people.get(result.niss)
    if result.person is not None:
        result.membership = weighing.memberships.get((result.person.pk, result.group.pk))
    result.verdict = WEIGH[action](weighing, result, result.group)
    return result


def _checked(decision: policy.Decision, **detail: str) -> Verdict | None:
    return None if decision else refused(decision.reason, **detail)


def _grants(weighing: Weighing, result: Plan, group: Group, services: Iterable[OnlineService]) -> Verdict | None:
    target = weighing.standing(result.person)
    for service in services:
        decision = policy.can_grant_service(weighing.actor.standing, target, group.pk, weighing.offer(group, service))
        if refusal := _checked(decision, service=service.code):
            return refusal
    return None


def _add(weighing: Weighing, result: Plan, group: Group) -> Verdict:
    standing = weighing.actor.standing
    if result.membership is None:
        if result.person is None and not (result.row.cells[GIVEN_NAME] and result.row.cells[SURNAME]):
            return refused_because("names")
        target = weighing.standing(result.person)
        if refusal := _checked(policy.can_create_user(standing, target, group.pk)):
            return refusal
        if refusal := _grants(weighing, result, group, result.services):
            return refusal
        codes = [service.code for service in result.services]
        return Verdict(verdicts.NEW_USER, {"services": codes, "new_person": result.person is None})
    held = {grant.service_id for grant in granted(result.membership)}
    missing = [service for service in result.services if service.pk not in held]
    if not missing:
        return Verdict(verdicts.ALREADY_THERE, {"services": [service.code for service in result.services]})
    if refusal := _grants(weighing, result, group, missing):
        return refusal
    result.services = missing
    return Verdict(verdicts.NEW_GRANT, {"services": [service.code for service in missing]})


def _remove(weighing: Weighing, result: Plan, group: Group) -> Verdict:
    if result.membership is None:
        return Verdict(verdicts.NOT_THERE)
    target = weighing.standing(result.person)
    if result.services:
        held = {grant.service_id for grant in granted(result.membership)}
        result.services = [service for service in result.services if service.pk in held]
        if not result.services:
            return Verdict(verdicts.NOT_THERE)
        if refusal := _checked(policy.can_revoke_service(weighing.actor.standing, target, group.pk)):
            return refusal
        return Verdict(verdicts.REVOKE, {"services": [service.code for service in result.services]})
    try:
        required_reason(result.reason)
    except ActionRefused as exc:
        return refused(exc.message)
    if refusal := _checked(policy.can_delete_from_group(weighing.actor.standing, target, group.pk)):
        return refusal
    codes = sorted(weighing.codes[grant.service_id] for grant in granted(result.membership))
    return Verdict(verdicts.DELETE, {"services": codes})


def _block(weighing: Weighing, result: Plan, group: Group) -> Verdict:
    if result.membership is None:
        return refused_because("not_member")
    if result.membership.is_blocked:
        return Verdict(verdicts.ALREADY_BLOCKED)
    try:
        required_reason(result.reason)
    except ActionRefused as exc:
        return refused(exc.message)
    target = weighing.standing(result.person)
    if refusal := _checked(policy.can_block_in_group(weighing.actor.standing, target, group.pk)):
        return refusal
    return Verdict(verdicts.BLOCK)


def _unblock(weighing: Weighing, result: Plan, group: Group) -> Verdict:
    if result.membership is None:
        return refused_because("not_member")
    if not result.membership.is_blocked:
        return Verdict(verdicts.NOT_BLOCKED)
    target = weighing.standing(result.person)
    if refusal := _checked(policy.can_unblock_in_group(weighing.actor.standing, target, group.pk)):
        return refusal
    return Verdict(verdicts.UNBLOCK)


WEIGH = {ADD: _add, REMOVE: _remove, BLOCK: _block, columns.UNBLOCK: _unblock}
