"""Reads of provisioning, always through the scope of the manager a token acts for
(docs/provisioning.md §4)."""

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf

from access import policy
from access.models import AuditEvent, Group, Person
from access.selectors import Actor, current_enterprise_blocks, current_grants, current_memberships, memberships_in_scope
from provisioning.models import ProvisionedUser, ProvisioningToken

# A person the HR system has not named is known by the portal's name for them (the username of
# their login: access.services.identity), which no HR system may take for someone else.
DEFAULT_USER_NAME_PREFIX = "person-"


def tokens_of(actor: Actor) -> QuerySet[ProvisioningToken]:
    """The manager's own tokens for the enterprise, newest first: nobody sees another's."""
    return ProvisioningToken.objects.filter(enterprise=actor.enterprise, manager=actor.person).order_by(
        "-created_at", "-pk"
    )


def token_by_digest(digest: str) -> ProvisioningToken | None:
    """The token with this SHA-256 digest, with its enterprise and manager, usable or not."""
    return ProvisioningToken.objects.select_related("enterprise", "manager").filter(digest=digest).first()


def _events(actor: Actor, **about: object) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(enterprise=actor.enterprise, **about)


def users_in_scope(actor: Actor) -> QuerySet[Person]:
    """The enterprise's people as SCIM Users, for the manager: the users of the groups they manage,
    and the people the HR system provisioned who are in no group of the enterprise yet.

    Each comes with the enterprise's current record of them (`record_*`, empty when the HR system
    has not provisioned them), the user name they go by, whether they are blocked for all groups,
    and the times of the first and last journal events about them in the enterprise."""
    enterprise = actor.enterprise
    record = FilteredRelation(
        "provisioning_records",
        condition=Q(provisioning_records__enterprise=enterprise, provisioning_records__removed_at__isnull=True),
    )
    placed = current_memberships().filter(group__enterprise=enterprise, person=OuterRef("pk"))
    unplaced = Q(record__id__isnull=False, placed=False)
    if not policy.sees_every_unplaced_user(actor.standing):
        unplaced &= Q(record__created_by=actor.person)
    members = memberships_in_scope(actor).values("person_id")
    in_scope = Q(pk__in=members)
    # Whom the rules below are asked of: the enterprise's people, never the country's (a rule
    # with an OR is no join: without this, every person was asked, docs/benchmarks.md).
    records = ProvisionedUser.objects.filter(enterprise=enterprise, removed_at__isnull=True).values("person_id")
    candidates = members.union(records)
    about = _events(actor, target_person=OuterRef("pk"))
    return (
        Person.objects.filter(pk__in=candidates)
        .annotate(record=record, placed=Exists(placed))
        .filter(in_scope | unplaced)
        .annotate(
            record_id=F("record__id"),
            record_user_name=F("record__user_name"),
            record_external_id=F("record__external_id"),
            record_given_name=F("record__given_name"),
            record_surname=F("record__surname"),
            record_emails=F("record__emails"),
            record_created_at=F("record__created_at"),
            # The names a User shows: the HR system's once it provisioned the person, else the portal's.
            scim_given_name=Case(When(record__id__isnull=False, then=F("record__given_name")), default=F("given_name")),
            scim_surname=Case(When(record__id__isnull=False, then=F("record__surname")), default=F("surname")),
            user_name=Coalesce(
                NullIf(F("record__user_name"), Value("")),
                Concat(Value(DEFAULT_USER_NAME_PREFIX), Cast("pk", CharField())),
                output_field=CharField(),
            ),
            blocked_everywhere=Exists(current_enterprise_blocks().filter(enterprise=enterprise, person=OuterRef("pk"))),
            # Read from the journal's index by person (audit_person_time_idx): two probes a User.
            first_event_at=Subquery(about.order_by("created_at").values("created_at")[:1]),
            last_event_at=Subquery(about.order_by("-created_at").values("created_at")[:1]),
        )
        .order_by("pk")
    )


def user_in_scope(actor: Actor, user_id: str) -> Person | None:
    """One User by its id (the person's), or None when the manager does not see them."""
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) <= 18):
        return None
    return users_in_scope(actor).filter(pk=int(user_id)).first()


def record_of(actor: Actor, person: Person, *, lock: bool = False) -> ProvisionedUser | None:
    records = ProvisionedUser.objects.filter(enterprise=actor.enterprise, person=person, removed_at__isnull=True)
    return (records.select_for_update() if lock else records).first()


def user_name_taken(actor: Actor, user_name: str, *, by_other_than: Person | None) -> bool:
    records = ProvisionedUser.objects.filter(
        enterprise=actor.enterprise, removed_at__isnull=True, user_name__iexact=user_name
    )
    if by_other_than is not None:
        records = records.exclude(person=by_other_than)
    return records.exists()


def groups_in_scope(actor: Actor, *, members: bool = True) -> QuerySet[Group]:
    """The enterprise's groups the manager manages, as SCIM Groups: with their role and the
    services it offers, the times of the first and last journal events of the group, and, unless
    a client leaves them out of its answer, their current members with the services granted to
    each (`member_rows` reads what a group's version needs of them without)."""
    groups = (
        Group.objects.filter(pk__in=actor.standing.scope_groups, enterprise=actor.enterprise)
        .select_related("role_type")
        .prefetch_related(Prefetch("role_type__services", to_attr="offered_services"))
        .annotate(
            # Read from the journal's index by group (audit_group_time_idx).
            first_event_at=Subquery(
                _events(actor, group=OuterRef("pk")).order_by("created_at").values("created_at")[:1]
            ),
            last_event_at=Subquery(
                _events(actor, group=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
            ),
        )
        .order_by("pk")
    )
    if not members:
        return groups
    return groups.prefetch_related(
        Prefetch(
            "memberships",
            queryset=current_memberships()
            .select_related("person")
            .prefetch_related(
                Prefetch("grants", queryset=current_grants().select_related("service"), to_attr="current_grants")
            )
            .order_by("person_id"),
            to_attr="current_members",
        )
    )


def group_in_scope(actor: Actor, group_id: str, *, members: bool = True) -> Group | None:
    if not (group_id.isascii() and group_id.isdigit() and len(group_id) <= 18):
        return None
    return groups_in_scope(actor, members=members).filter(pk=int(group_id)).first()


def member_rows(group: Group) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The group's members now, (person id, name), and their services, (person id, code), by
    person and code: two queries, without a row of the model built."""
    people = current_memberships().filter(group=group).order_by("person_id")
    named = people.values_list("person_id", Concat("person__given_name", Value(" "), "person__surname"))
    return list(named), sorted(granted_codes(group))


def member_ids(group: Group) -> list[int]:
    """The people of the group now, by id."""
    return list(current_memberships().filter(group=group).order_by("person_id").values_list("person_id", flat=True))


def granted_codes(group: Group) -> list[tuple[int, str]]:
    """The online services granted in the group now: (person id, service code)."""
    granted = current_grants().filter(membership__in=current_memberships().filter(group=group))
    return list(granted.values_list("membership__person_id", "service__code"))
