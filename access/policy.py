"""Who may do what in an enterprise (docs/design.md §4). The one place where standings are compared.

Every function is pure: it reads a `Standing` (what a person holds in one enterprise, built by
`access.selectors.standing_of`) and answers with a `Decision`, which is truthy when allowed and
otherwise carries the reason shown to the person. Services ask before every write; views ask to
build forms and to tell templates what to show.

Every `can_*` takes its arguments in one order: the actor's standing, the target's standing, where
(a group, or a kind of manager and its domain or group), then what (an online service).
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import IntEnum
from typing import Any

from django.db.models import TextChoices
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _


class Level(IntEnum):
    """Standings from lowest to highest (docs/design.md §4.1): LR > MAM > co-MAM > AM > GM > User."""

    NONE = 0
    USER = 1
    GROUP_MANAGER = 2
    ACCESS_MANAGER = 3
    CO_MAIN = 4
    MAIN = 5
    LEGAL_REPRESENTATIVE = 6


class DesignationKind(TextChoices):
    """The managers one designates (docs/design.md §4.2): the one list of them, stored in
    `Designation.kind` and named in an online service's `automatic_for`."""

    MAIN = "main", _("Main Access Manager")
    CO_MAIN = "co_main", _("co-Main Access Manager")
    ACCESS_MANAGER = "access_manager", _("Access Manager")
    GROUP_MANAGER = "group_manager", _("Group Manager")


@dataclass(frozen=True)
class Standing:
    """What one person holds in one enterprise now."""

    person_id: int | None
    enterprise_id: int
    # Every group of the enterprise, with the domain of its role: the frame for "any group".
    enterprise_groups: Mapping[int, int] = field(default_factory=dict)
    legal_representative: bool = False
    main: bool = False
    co_main: bool = False
    managed_domains: frozenset[int] = frozenset()
    managed_groups: frozenset[int] = frozenset()
    member_of: frozenset[int] = frozenset()
    # The enterprise is active once its Main Access Manager has logged in (docs/design.md §5.3); until
    # then nobody manages anything in it, but its legal representatives designate the MAM.
    enterprise_active: bool = True
    # Blocked for all groups: the person keeps their standing as a target, but acts on nothing.
    blocked_everywhere: bool = False

    @property
    def level(self) -> Level:
        if self.legal_representative:
            return Level.LEGAL_REPRESENTATIVE
        if self.main:
            return Level.MAIN
        if self.co_main:
            return Level.CO_MAIN
        if self.managed_domains:
            return Level.ACCESS_MANAGER
        if self.managed_groups:
            return Level.GROUP_MANAGER
        if self.member_of:
            return Level.USER
        return Level.NONE

    @property
    def levels(self) -> list[Level]:
        """Every standing held, highest first: a person may hold several."""
        held = [
            (self.legal_representative, Level.LEGAL_REPRESENTATIVE),
            (self.main, Level.MAIN),
            (self.co_main, Level.CO_MAIN),
            (bool(self.managed_domains), Level.ACCESS_MANAGER),
            (bool(self.managed_groups), Level.GROUP_MANAGER),
            (bool(self.member_of), Level.USER),
        ]
        return [level for has, level in held if has]

    @property
    def acting(self) -> bool:
        """May act as a manager at all: the enterprise is active and the person is not blocked."""
        return self.enterprise_active and not self.blocked_everywhere

    @property
    def enterprise_wide(self) -> bool:
        """The MAM (Access Manager of every domain) and the co-MAMs act over the whole enterprise."""
        return self.main or self.co_main

    @property
    def scope_groups(self) -> frozenset[int]:
        """The groups whose users this person manages (docs/design.md §4.3)."""
        if not self.acting:
            return frozenset()
        if self.enterprise_wide:
            return frozenset(self.enterprise_groups)
        in_domains = {g for g, d in self.enterprise_groups.items() if d in self.managed_domains}
        return frozenset(in_domains | (self.managed_groups & set(self.enterprise_groups)))

    @property
    def scope_domains(self) -> frozenset[int]:
        """The domains this person manages as Access Manager (all of them for MAM and co-MAM)."""
        if not self.acting:
            return frozenset()
        if self.enterprise_wide:
            return frozenset(self.enterprise_groups.values())
        return frozenset(self.managed_domains & set(self.enterprise_groups.values()))


class Decision:
    """An answer: truthy when allowed; otherwise `reason` says why, in the reader's language."""

    __slots__ = ("allowed", "reason")

    def __init__(self, allowed: bool, reason: str | Promise = "") -> None:
        self.allowed = allowed
        self.reason = reason

    def __bool__(self) -> bool:
        return self.allowed

    def __repr__(self) -> str:
        return "Decision(allowed)" if self.allowed else f"Decision(refused: {self.reason})"


ALLOWED = Decision(True)

OUTSIDER = _("You have no standing in this enterprise.")
NOT_STAFF = _("The admin is for the portal's staff.")
SECOND_FACTOR_REQUIRED = _("Staff open the admin after a one-time code.")
NO_USER_MANAGEMENT = _("You do not manage users in this enterprise.")
GROUP_NOT_IN_SCOPE = _("This group is not one of the groups you manage.")
NOT_ALL_GROUPS_IN_SCOPE = _("This person belongs to groups that you do not manage.")
SELF = _("You cannot act on your own access.")
TARGET_NOT_BELOW = _("This person's standing in the enterprise is equal to or above yours.")
MAIN_PROTECTED = _("The Main Access Manager keeps their access; only a legal representative can replace them.")
CANNOT_DESIGNATE = _("Your standing does not allow you to designate or revoke this kind of manager.")
DOMAIN_NOT_IN_SCOPE = _("This domain is not one of the enterprise's domains that you manage.")
SERVICE_NOT_GRANTABLE = _("This online service cannot be granted in this group.")
NO_DESIGNATIONS = _("You cannot designate managers in this enterprise.")
ENTERPRISE_PENDING = _(
    "The enterprise account is not active yet: "
    "it becomes active when its Main Access Manager logs in for the first time."
)
BLOCKED = _("You are blocked for all groups of this enterprise.")
NOT_A_MANAGER_OR_USER = _("Only the managers and users of the enterprise have access to this service.")
NO_CHAMAN = _("You need the online service “Chaman – management of technical channels” for this page.")
MAIN_MANAGERS_ONLY = _("Only the Main Access Manager and the co-Main Access Managers manage these settings.")
END_DATE_PAST = _("Choose today or a later day: an end date cannot be in the past.")
DAY_IN_FUTURE = _("Choose today or a day in the past: the portal cannot tell who will be able to act.")

CHAMAN_SERVICE = "chaman"


def refuse(reason: str | Promise) -> Decision:
    return Decision(False, reason)


# --- Seeing ---------------------------------------------------------------------------------


def is_outsider(actor: Standing) -> bool:
    """No standing at all in the enterprise: such a person is told nothing exists (404)."""
    return actor.level == Level.NONE


def can_view_enterprise(actor: Standing) -> Decision:
    if actor.level == Level.NONE:
        return refuse(OUTSIDER)
    if actor.blocked_everywhere and not actor.legal_representative:
        return refuse(BLOCKED)
    return ALLOWED


def can_manage_users(actor: Standing) -> Decision:
    if not actor.enterprise_active:
        return refuse(ENTERPRISE_PENDING)
    if actor.blocked_everywhere:
        return refuse(BLOCKED)
    if not actor.scope_groups:
        return refuse(NO_USER_MANAGEMENT)
    return ALLOWED


def can_manage_group(actor: Standing, group_id: int) -> Decision:
    if group_id not in actor.enterprise_groups:
        return refuse(OUTSIDER)
    if not actor.enterprise_active:
        return refuse(ENTERPRISE_PENDING)
    if group_id not in actor.scope_groups:
        return refuse(GROUP_NOT_IN_SCOPE)
    return ALLOWED


def can_view_managers(actor: Standing) -> Decision:
    if not designatable_kinds(actor):
        return refuse(NO_DESIGNATIONS)
    return ALLOWED


def designations_seen(actor: Standing) -> tuple[frozenset[str], frozenset[int]]:
    """Which current designations the managers page lists (besides the actor's own): the kinds
    seen across the enterprise, and the groups whose Group Manager is seen."""
    kinds: set[str] = set()
    if actor.legal_representative or actor.enterprise_wide:
        kinds |= {DesignationKind.MAIN, DesignationKind.CO_MAIN}
    if actor.enterprise_wide:
        kinds.add(DesignationKind.ACCESS_MANAGER)
    return frozenset(kinds), actor.scope_groups


def sees_whole_journal(actor: Standing) -> bool:
    """The MAM and co-MAMs read every event of the enterprise; others, their scope and themselves."""
    return actor.enterprise_wide


def journal_groups(actor: Standing) -> frozenset[int]:
    """The groups offered in the journal's filter: every group of the enterprise to whoever reads
    the whole journal; to others the groups they manage and those they are a user of."""
    if sees_whole_journal(actor):
        return frozenset(actor.enterprise_groups)
    return actor.scope_groups | (actor.member_of & frozenset(actor.enterprise_groups))


# --- Surrounding services (docs/design.md §8) --------------------------------------------------


def _acting_manager_or_user(actor: Standing) -> Decision:
    if not actor.acting:
        return refuse(BLOCKED if actor.blocked_everywhere else ENTERPRISE_PENDING)
    if actor.level < Level.USER or actor.levels == [Level.LEGAL_REPRESENTATIVE]:
        return refuse(NOT_A_MANAGER_OR_USER)
    return ALLOWED


def can_use_contactdata(actor: Standing) -> Decision:
    """Every manager and user of the enterprise reads and updates its contact data."""
    return _acting_manager_or_user(actor)


def can_use_ebox(actor: Standing) -> Decision:
    """Every manager and user reads the enterprise's e-Box (each message may narrow its readers)."""
    return _acting_manager_or_user(actor)


def chaman_needs_service(actor: Standing) -> bool:
    """Access Managers (so the MAM and co-MAMs) and Group Managers have Chaman automatically."""
    return not (actor.enterprise_wide or actor.managed_domains or actor.managed_groups)


def can_use_chaman(actor: Standing, services: Collection[str]) -> Decision:
    """Managers have Chaman automatically; users only with the online service granted."""
    decision = _acting_manager_or_user(actor)
    if not decision:
        return decision
    if not chaman_needs_service(actor):
        return ALLOWED
    if CHAMAN_SERVICE not in services:
        return refuse(NO_CHAMAN)
    return ALLOWED


def can_manage_structured_messages(actor: Standing) -> Decision:
    if not actor.acting:
        return refuse(BLOCKED if actor.blocked_everywhere else ENTERPRISE_PENDING)
    if not actor.enterprise_wide:
        return refuse(MAIN_MANAGERS_ONLY)
    return ALLOWED


# --- Protected targets ----------------------------------------------------------------------


def can_act_on(actor: Standing, target: Standing) -> Decision:
    """Nobody acts on themselves, on an equal or a superior, or on the Main Access Manager."""
    if target.enterprise_id != actor.enterprise_id:
        return refuse(OUTSIDER)
    if actor.person_id is not None and actor.person_id == target.person_id:
        return refuse(SELF)
    if target.main:
        return refuse(MAIN_PROTECTED)
    if target.level >= actor.level:
        return refuse(TARGET_NOT_BELOW)
    return ALLOWED


# --- Designations (docs/design.md §4.2; revoking follows the same rule) -----------------------


def designatable_kinds(actor: Standing) -> list[DesignationKind]:
    kinds: list[DesignationKind] = []
    if actor.legal_representative:
        kinds.append(DesignationKind.MAIN)
    if actor.main and actor.acting:
        kinds.append(DesignationKind.CO_MAIN)
    if actor.enterprise_wide and actor.acting:
        kinds.append(DesignationKind.ACCESS_MANAGER)
    if actor.scope_domains:
        kinds.append(DesignationKind.GROUP_MANAGER)
    return kinds


def manager_kinds(actor: Standing) -> list[DesignationKind]:
    """What the managers page offers: every kind the actor designates but the Main Access
    Manager, who has a page of their own (a legal representative's act)."""
    return [kind for kind in designatable_kinds(actor) if kind != DesignationKind.MAIN]


def _may_designate_kind(actor: Standing, kind: str, domain_id: int | None, group_id: int | None) -> Decision:
    if kind not in DesignationKind:
        return refuse(CANNOT_DESIGNATE)
    if kind == DesignationKind.MAIN and not actor.legal_representative:
        return refuse(CANNOT_DESIGNATE)
    if kind != DesignationKind.MAIN and not actor.enterprise_active:
        return refuse(ENTERPRISE_PENDING)
    if kind != DesignationKind.MAIN and actor.blocked_everywhere:
        return refuse(BLOCKED)
    if kind == DesignationKind.CO_MAIN and not actor.main:
        return refuse(CANNOT_DESIGNATE)
    if kind == DesignationKind.ACCESS_MANAGER and not actor.enterprise_wide:
        return refuse(CANNOT_DESIGNATE)
    if kind == DesignationKind.ACCESS_MANAGER and domain_id not in actor.scope_domains:
        return refuse(DOMAIN_NOT_IN_SCOPE)
    if kind == DesignationKind.GROUP_MANAGER:
        if group_id is None or group_id not in actor.enterprise_groups:
            return refuse(OUTSIDER)
        if actor.enterprise_groups[group_id] not in actor.scope_domains:
            return refuse(CANNOT_DESIGNATE)
    return ALLOWED


def can_designate_main(actor: Standing) -> Decision:
    """A legal representative designates or replaces the Main Access Manager (a page of its own)."""
    return _may_designate_kind(actor, DesignationKind.MAIN, None, None)


def group_manager_groups(actor: Standing) -> frozenset[int]:
    """The groups whose Group Manager the actor designates: those of the domains they manage."""
    return frozenset(g for g, d in actor.enterprise_groups.items() if d in actor.scope_domains)


def can_designate(
    actor: Standing, target: Standing, kind: str, *, domain_id: int | None = None, group_id: int | None = None
) -> Decision:
    decision = _may_designate_kind(actor, kind, domain_id, group_id)
    if not decision:
        return decision
    # A legal representative may name themselves, or replace the current MAM: that is their role.
    if kind == DesignationKind.MAIN and target.enterprise_id != actor.enterprise_id:
        return refuse(OUTSIDER)
    if kind == DesignationKind.MAIN:
        return ALLOWED
    return can_act_on(actor, target)


def can_revoke(
    actor: Standing, target: Standing, kind: str, *, domain_id: int | None = None, group_id: int | None = None
) -> Decision:
    # The enterprise always keeps its MAM: a legal representative replaces them, nobody removes them.
    if kind == DesignationKind.MAIN:
        return refuse(MAIN_PROTECTED)
    decision = _may_designate_kind(actor, kind, domain_id, group_id)
    if not decision:
        return decision
    return can_act_on(actor, target)


def staff_may_designate_main(*, is_staff: bool, has_permission: bool) -> Decision:
    """Staff do what a legal representative does, in the admin, as the exception procedure."""
    if not (is_staff and has_permission):
        return refuse(CANNOT_DESIGNATE)
    return ALLOWED


def staff_may_open_admin(
    *, is_active: bool, is_staff: bool, holds_second_factor: bool, passed_second_factor: bool
) -> Decision:
    """The admin opens for active staff whose login passed a second factor they hold: a password
    alone opens nothing there (docs/decisions.md)."""
    if not (is_active and is_staff):
        return refuse(NOT_STAFF)
    if not (holds_second_factor and passed_second_factor):
        return refuse(SECOND_FACTOR_REQUIRED)
    return ALLOWED


# --- Users (docs/design.md §4.3) -------------------------------------------------------------


def can_create_user(actor: Standing, target: Standing, group_id: int) -> Decision:
    """Add a person to a group. A person new to the enterprise has no standing and may be added."""
    decision = can_manage_group(actor, group_id)
    if not decision:
        return decision
    if target.enterprise_id != actor.enterprise_id:
        return refuse(OUTSIDER)
    if target.level == Level.NONE:
        return ALLOWED
    return can_act_on(actor, target)


def can_act_in_group(actor: Standing, target: Standing, group_id: int) -> Decision:
    """Block, unblock, delete from, grant and revoke services in one group."""
    decision = can_manage_group(actor, group_id)
    if not decision:
        return decision
    return can_act_on(actor, target)


can_block_in_group = can_act_in_group
can_unblock_in_group = can_act_in_group
can_delete_from_group = can_act_in_group
can_revoke_service = can_act_in_group


def can_import(actor: Standing) -> Decision:
    """Import a file of users (docs/design.md §5.14): whoever adds users to groups. Each row is then
    asked of the question its action asks on a page (`can_create_user`, `can_grant_service`,
    `can_revoke_service`, `can_block_in_group`, ...), for its group and its person: a file gives
    nobody a right that the pages do not."""
    return can_manage_users(actor)


def can_block_everywhere(actor: Standing, target: Standing) -> Decision:
    """Block (or unblock) for all groups: MAM, co-MAMs, or a manager covering each of the person's groups."""
    if not actor.scope_groups:
        return refuse(NO_USER_MANAGEMENT)
    if not actor.enterprise_wide and not target.member_of <= actor.scope_groups:
        return refuse(NOT_ALL_GROUPS_IN_SCOPE)
    return can_act_on(actor, target)


can_unblock_everywhere = can_block_everywhere


# --- Provisioning (docs/provisioning.md) --------------------------------------------------------


def can_manage_provisioning(actor: Standing) -> Decision:
    """Hold provisioning tokens for the enterprise: a manager of users. A token acts with the
    standing of the manager who made it, so it can do no more than they do on the pages, and it
    stops working when they stop managing users."""
    return can_manage_users(actor)


def can_provision_user(actor: Standing, target: Standing) -> Decision:
    """Keep the enterprise's record of a person for its HR system (their user name, names, e-mail
    addresses and external id): a manager of users, for a person new to the enterprise, or below
    them and a user of a group they manage or of none."""
    decision = can_manage_users(actor)
    if not decision:
        return decision
    if target.enterprise_id != actor.enterprise_id:
        return refuse(OUTSIDER)
    if target.member_of and not target.member_of & actor.scope_groups:
        return refuse(NOT_ALL_GROUPS_IN_SCOPE)
    if target.level == Level.NONE:
        return ALLOWED
    return can_act_on(actor, target)


def sees_every_unplaced_user(actor: Standing) -> bool:
    """A person the HR system provisioned and who is in no group yet is seen by the MAM and the
    co-MAMs (who act over the whole enterprise); another manager sees those their own tokens
    provisioned."""
    return actor.enterprise_wide


# --- Access over time (docs/design.md §3.4, docs/decisions.md §11) -------------------------------


def in_force(until: date | None, today: date) -> bool:
    """A grant or a block "until D" holds through day D and ends when day D+1 begins (days of
    Europe/Brussels); without an end date it holds until someone ends it. The one rule of end
    dates: the pages, the decision point and the sweep that records the ends all follow it."""
    return until is None or until >= today


def end_date_allowed(day: date | None, today: date) -> Decision:
    """An end date given to a grant or a block: none, today or later; never a day already past."""
    if day is not None and day < today:
        return refuse(END_DATE_PAST)
    return ALLOWED


def can_view_who_could_act(actor: Standing) -> Decision:
    """Who could act for the enterprise on a date, in the groups the manager manages: the MAM and
    co-MAMs over the whole enterprise, an Access Manager their domains' groups, a Group Manager
    their groups (`who_could_act_groups`)."""
    if not actor.enterprise_active:
        return refuse(ENTERPRISE_PENDING)
    if actor.blocked_everywhere:
        return refuse(BLOCKED)
    if not actor.scope_groups:
        return refuse(NO_USER_MANAGEMENT)
    return ALLOWED


def who_could_act_groups(actor: Standing) -> frozenset[int]:
    """The groups whose people the manager sees on any date: the groups they manage now."""
    return actor.scope_groups


def history_day_allowed(day: date, today: date) -> Decision:
    """The day asked about who could act: today or a day in the past. A future day is refused:
    what will hold then depends on what managers do until then."""
    if day > today:
        return refuse(DAY_IN_FUTURE)
    return ALLOWED


# --- Using online services (docs/design.md §3.6) ------------------------------------------------

# The standings named in an online service's `automatic_for`: the designation kinds, and a member.
MEMBER = "user"


@dataclass(frozen=True)
class OfferedService:
    """An online service that one group offers, as it stands for one person: granted to them in
    that group (a current grant in an active membership), or not."""

    group_id: int
    code: str
    granted: bool
    automatic_for: frozenset[str]


def automatic_standings(actor: Standing) -> frozenset[str]:
    """The standings of the actor that receive services without a grant (not a legal representative's)."""
    held = [
        (actor.main, DesignationKind.MAIN),
        (actor.co_main, DesignationKind.CO_MAIN),
        (bool(actor.managed_domains), DesignationKind.ACCESS_MANAGER),
        (bool(actor.managed_groups), DesignationKind.GROUP_MANAGER),
        (bool(actor.member_of), MEMBER),
    ]
    return frozenset(str(name) for has, name in held if has)


def usable_services(
    actor: Standing, offers: Iterable[OfferedService], *, active_groups: Collection[int]
) -> frozenset[str]:
    """The online services a person may use for the enterprise: none while it is not active or they
    are blocked for all groups; otherwise what a group they actively belong to grants them, and what
    a group they belong to or manage offers to one of their standings automatically."""
    if not actor.enterprise_active or actor.blocked_everywhere:
        return frozenset()
    held = automatic_standings(actor)
    groups = set(active_groups) | actor.scope_groups
    return frozenset(
        offer.code
        for offer in offers
        if (offer.granted and offer.group_id in active_groups)
        or (offer.group_id in groups and held & offer.automatic_for)
    )


@dataclass(frozen=True)
class ServiceOffer:
    """An online service as a group sees it: is it offered by the group's role, may managers grant it."""

    service_id: int
    offered: bool
    delegatable: bool


def is_grantable(offer: ServiceOffer) -> bool:
    """The grant ceiling: only what the group offers and what managers may delegate."""
    return offer.offered and offer.delegatable


def grantable(offers: Iterable[ServiceOffer]) -> list[int]:
    return [offer.service_id for offer in offers if is_grantable(offer)]


def can_grant_service(actor: Standing, target: Standing, group_id: int, offer: ServiceOffer) -> Decision:
    if not is_grantable(offer):
        return refuse(SERVICE_NOT_GRANTABLE)
    decision = can_manage_group(actor, group_id)
    if not decision:
        return decision
    if target.enterprise_id != actor.enterprise_id:
        return refuse(OUTSIDER)
    if target.level == Level.NONE:
        return ALLOWED
    return can_act_on(actor, target)


# --- A person's own access (docs/design.md §5.12) ------------------------------------------------

NOT_YOUR_ACCESS = _("Each person changes only their own access.")
NOT_A_MEMBER = _("You are not a user of this group.")
BLOCKED_IN_GROUP = _("You are blocked for this group: while the block lasts, your access to it stays as it is.")
NOT_RENOUNCEABLE = _(
    "This online service is not granted to you: it comes with your standing in the enterprise and ends with it."
)


def can_view_my_access(actor: Standing) -> Decision:
    """Everyone with a standing in the enterprise reads their own access there: blocked for all
    groups (the page says why) or with the enterprise still pending, too."""
    if actor.level == Level.NONE:
        return refuse(OUTSIDER)
    return ALLOWED


def _changes_own_membership(actor: Standing, target: Standing, group_id: int, *, blocked_in_group: bool) -> Decision:
    """A person changes their own membership of a group, never anyone else's; not while the
    enterprise is pending, nor while a block covers it (a manager's measure stays as it was set)."""
    if target.enterprise_id != actor.enterprise_id or group_id not in actor.enterprise_groups:
        return refuse(OUTSIDER)
    if actor.person_id is None or actor.person_id != target.person_id:
        return refuse(NOT_YOUR_ACCESS)
    if group_id not in actor.member_of:
        return refuse(NOT_A_MEMBER)
    if not actor.enterprise_active:
        return refuse(ENTERPRISE_PENDING)
    if actor.blocked_everywhere:
        return refuse(BLOCKED)
    if blocked_in_group:
        return refuse(BLOCKED_IN_GROUP)
    return ALLOWED


def can_leave_group(actor: Standing, target: Standing, group_id: int, *, blocked_in_group: bool = False) -> Decision:
    """A user leaves a group: their membership ends, and its grants with it. A designation is no
    membership: whoever designated the person revokes it (can_revoke)."""
    return _changes_own_membership(actor, target, group_id, blocked_in_group=blocked_in_group)


def can_renounce_service(
    actor: Standing, target: Standing, group_id: int, offer: OfferedService, *, blocked_in_group: bool = False
) -> Decision:
    """A user gives up an online service granted to them in a group (the grant is revoked). What a
    standing brings automatically has no grant to give up: it ends with the standing."""
    if target.enterprise_id != actor.enterprise_id or offer.group_id != group_id:
        return refuse(OUTSIDER)
    if actor.person_id is None or actor.person_id != target.person_id:
        return refuse(NOT_YOUR_ACCESS)
    if not offer.granted:
        return refuse(NOT_RENOUNCEABLE)
    return _changes_own_membership(actor, target, group_id, blocked_in_group=blocked_in_group)


# --- Access reviews and unused access (docs/design.md §5.13) ---------------------------------------

# A review's deadline is a whole day of Brussels, tomorrow at the earliest; the grants of an
# enterprise that chose so end once unused for a number of months within these bounds.
REVIEW_SHORTEST_DAYS = 1
REVIEW_LONGEST_DAYS = 90
UNUSED_MONTHS = range(6, 25)

REVIEWS_MAIN_MANAGERS_ONLY = _(
    "Only the Main Access Manager and the co-Main Access Managers start and follow access reviews."
)
UNUSED_MAIN_MANAGERS_ONLY = _(
    "Only the Main Access Manager and the co-Main Access Managers change how unused access ends."
)
REVIEW_NOT_IN_SCOPE = _("This access review covers none of the groups you manage.")
REVIEW_CLOSED = _("This access review is closed: its answers no longer change.")
DEADLINE_TOO_SOON = _("The deadline must be tomorrow or later.")
DEADLINE_TOO_LATE = _("The deadline must be within %(days)s days.")

# A reason with values, translated when it is shown.
_interpolated = lazy(lambda text, values: str(text) % values, str)


def _main_managers_act(actor: Standing, reason: str | Promise) -> Decision:
    if not actor.acting:
        return refuse(BLOCKED if actor.blocked_everywhere else ENTERPRISE_PENDING)
    if not actor.enterprise_wide:
        return refuse(reason)
    return ALLOWED


def can_start_review(actor: Standing, domain_id: int | None = None) -> Decision:
    """The MAM and co-MAMs review the whole enterprise (no domain) or one of its domains."""
    decision = _main_managers_act(actor, REVIEWS_MAIN_MANAGERS_ONLY)
    if not decision:
        return decision
    if domain_id is not None and domain_id not in actor.scope_domains:
        return refuse(DOMAIN_NOT_IN_SCOPE)
    return ALLOWED


def can_follow_reviews(actor: Standing) -> Decision:
    """The progress of every review of the enterprise, per manager: for whoever starts them."""
    return _main_managers_act(actor, REVIEWS_MAIN_MANAGERS_ONLY)


def can_view_reviews(actor: Standing) -> Decision:
    """The list of reviews: every manager who may have grants to answer for in one."""
    return can_manage_users(actor)


def review_groups(actor: Standing, domain_id: int | None) -> frozenset[int]:
    """The groups of a review (of one domain, or of the whole enterprise: None) whose grants the
    actor answers for: those of their scope in it."""
    groups = actor.scope_groups
    if domain_id is None:
        return groups
    return frozenset(g for g in groups if actor.enterprise_groups.get(g) == domain_id)


def can_answer_review(actor: Standing, domain_id: int | None) -> Decision:
    """The page of a review's grants: a manager whose scope holds a group of the review."""
    decision = can_manage_users(actor)
    if not decision:
        return decision
    if not review_groups(actor, domain_id):
        return refuse(REVIEW_NOT_IN_SCOPE)
    return ALLOWED


def can_review_grant(actor: Standing, target: Standing, group_id: int, *, review_open: bool) -> Decision:
    """Confirm or revoke a grant of an open review: whoever may revoke it (can_revoke_service)."""
    if not review_open:
        return refuse(REVIEW_CLOSED)
    if not actor.acting:
        return refuse(BLOCKED if actor.blocked_everywhere else ENTERPRISE_PENDING)
    return can_revoke_service(actor, target, group_id)


def is_reviewable(holder: Standing) -> bool:
    """A review asks about a grant that someone may revoke: its holder is below the Main Access
    Manager. Nobody acts on the MAM or on a legal representative (§4.1): their grants are not asked."""
    return not holder.main and holder.level < Level.MAIN


def review_answerer(holder: Standing, group_id: int, managers: Iterable[Standing]) -> int | None:
    """Who must answer for a grant in a review: the first of `managers` (the group's Group Manager,
    then the domain's Access Manager) who may revoke it; None: the MAM and the co-MAMs answer."""
    for manager in managers:
        if manager.person_id is not None and can_revoke_service(manager, holder, group_id):
            return manager.person_id
    return None


def review_deadline(today: date, deadline: date) -> Decision:
    """A review lasts until the end of its deadline: tomorrow at the earliest, and not beyond
    REVIEW_LONGEST_DAYS."""
    if deadline < today + timedelta(days=REVIEW_SHORTEST_DAYS):
        return refuse(DEADLINE_TOO_SOON)
    if deadline > today + timedelta(days=REVIEW_LONGEST_DAYS):
        return refuse(_interpolated(DEADLINE_TOO_LATE, {"days": REVIEW_LONGEST_DAYS}))
    return ALLOWED


def can_change_unused_access(actor: Standing) -> Decision:
    """Whether and when unused grants end: the MAM's and co-MAMs' setting."""
    return _main_managers_act(actor, UNUSED_MAIN_MANAGERS_ONLY)


# --- Four eyes: a second manager approves the dangerous few actions (docs/design.md §5.15) ---------

# A request waits this long for a second manager; then it expires and does nothing.
APPROVAL_DAYS = 7
# One manager blocking or deleting more people than this within BULK_WINDOW waits for a second one:
# from the next person on (pages, imports and SCIM counted together).
BULK_THRESHOLD = 10
BULK_WINDOW = timedelta(hours=1)

APPROVALS_MAIN_MANAGERS_ONLY = _(
    "Only the Main Access Manager, the co-Main Access Managers and the legal representatives approve requests."
)
FOUR_EYES_MAIN_ONLY = _("Only the Main Access Manager changes whether a second manager approves.")
OWN_REQUEST = _("You asked for this action: another manager approves it.")
REQUEST_NOT_PENDING = _("This request is no longer waiting: it was decided or it expired.")


def counts_as_second_manager(actor: Standing) -> bool:
    """Who counts as a second manager: the MAM, a co-MAM acting in the enterprise, or a legal
    representative of it (who answers for the enterprise even before it is active)."""
    return actor.legal_representative or (actor.enterprise_wide and actor.acting)


def can_view_approvals(actor: Standing) -> Decision:
    """The page of requests: every second manager, who approves there or sees their own waiting."""
    if not counts_as_second_manager(actor):
        return refuse(BLOCKED if actor.blocked_everywhere else APPROVALS_MAIN_MANAGERS_ONLY)
    return ALLOWED


def can_approve(actor: Standing, requester: Standing, *, pending: bool) -> Decision:
    """Approve (or refuse) a request of the same enterprise that still waits, asked by someone else."""
    if requester.enterprise_id != actor.enterprise_id:
        return refuse(OUTSIDER)
    decision = can_view_approvals(actor)
    if not decision:
        return decision
    if actor.person_id is not None and actor.person_id == requester.person_id:
        return refuse(OWN_REQUEST)
    if not pending:
        return refuse(REQUEST_NOT_PENDING)
    return ALLOWED


def can_change_four_eyes(actor: Standing) -> Decision:
    """Whether the dangerous few actions wait for a second manager: the Main Access Manager's setting."""
    if not actor.acting:
        return refuse(BLOCKED if actor.blocked_everywhere else ENTERPRISE_PENDING)
    if not actor.main:
        return refuse(FOUR_EYES_MAIN_ONLY)
    return ALLOWED


def past_bulk_threshold(people_within_window: int, target: Standing) -> bool:
    """Whether blocking or deleting one more person waits: the manager already blocked or deleted
    BULK_THRESHOLD other people within the window, and this one holds access in the enterprise
    (blocking for all groups someone with none, such as a User an HR system creates inactive,
    takes nothing away)."""
    return people_within_window >= BULK_THRESHOLD and not is_outsider(target)


def counts_towards_bulk_threshold(via: Mapping[str, Any]) -> bool:
    """Whether a block or deletion made this way (`via`, as the journal keeps it) counts towards the
    threshold and may wait: every way but the undoing of an import, which takes back only the access
    that same import gave (the people it added, the blocks it lifted)."""
    return not via.get("undo")


def waits_for_approval(*, enabled: bool, second_managers: int) -> bool:
    """An action of the list waits when the enterprise keeps four eyes on and someone other than the
    requester can approve it; otherwise it goes through, and the journal says why."""
    return enabled and second_managers > 0


# --- Mandates to service providers (docs/design.md §5.16) ------------------------------------------

MANDATES_MANAGERS_ONLY = _(
    "Only the Main Access Manager, the co-Main Access Managers and the Access Managers of the domains "
    "concerned give and end mandates."
)
MANDATE_PROVIDER_MANAGERS_ONLY = _(
    "Only the provider's Main Access Manager and co-Main Access Managers accept, refuse and end mandates."
)
MANDATE_SERVICES_NOT_IN_SCOPE = _("These online services are not all in the domains you manage.")
MANDATE_NOT_OFFERED = _("This mandate is no longer waiting for an answer.")
MANDATE_NOT_OPEN = _("This mandate has already ended or was refused.")
MANDATE_NOT_IN_FORCE = _("This mandate is not accepted or has ended: nobody acts under it.")
MANDATE_SERVICE_OUTSIDE = _("This online service is not one of the mandate's.")
MANDATE_NOT_A_USER = _("This person is not a user of your enterprise.")
MANDATE_SAME_ENTERPRISE = _("An enterprise cannot give a mandate to itself.")
MANDATE_START_NOT_QUARTER = _(
    "A mandate starts on the first day of a quarter: 1 January, 1 April, 1 July or 1 October."
)
MANDATE_END_BEFORE_START = _("The end date must be on or after the start date.")


class MandateSide(IntEnum):
    """Where the actor stands in a mandate: the enterprise that gives it or the one that takes it."""

    PRINCIPAL = 1
    PROVIDER = 2


def can_view_mandates(actor: Standing) -> Decision:
    """The mandates page: the MAM, co-MAMs and Access Managers, who give mandates, on the side of
    the principal; the MAM and co-MAMs, who accept them, on the side of the provider."""
    if not actor.acting:
        return refuse(BLOCKED if actor.blocked_everywhere else ENTERPRISE_PENDING)
    if not actor.scope_domains:
        return refuse(MANDATES_MANAGERS_ONLY)
    return ALLOWED


def mandate_sides(actor: Standing) -> frozenset[MandateSide]:
    """The sides of the mandates the actor sees: as principal whoever offers mandates; as provider
    the MAM and co-MAMs."""
    if not can_view_mandates(actor):
        return frozenset()
    if actor.enterprise_wide:
        return frozenset({MandateSide.PRINCIPAL, MandateSide.PROVIDER})
    return frozenset({MandateSide.PRINCIPAL})


def can_offer_mandate(actor: Standing, service_domains: Collection[int]) -> Decision:
    """Offer (and end) a mandate for online services: the principal's MAM and co-MAMs for any
    service, an Access Manager for services of the domains they manage."""
    decision = can_view_mandates(actor)
    if not decision:
        return decision
    if not actor.enterprise_wide and not set(service_domains) <= actor.scope_domains:
        return refuse(MANDATE_SERVICES_NOT_IN_SCOPE)
    return ALLOWED


def can_answer_mandate(actor: Standing) -> Decision:
    """Accept or refuse a mandate offered to the enterprise: its MAM and co-MAMs."""
    return _main_managers_act(actor, MANDATE_PROVIDER_MANAGERS_ONLY)


def can_end_mandate(actor: Standing, side: MandateSide, service_domains: Collection[int]) -> Decision:
    """Either side ends a mandate: whoever may offer it for the principal, the MAM and co-MAMs for
    the provider."""
    if side == MandateSide.PRINCIPAL:
        return can_offer_mandate(actor, service_domains)
    return can_answer_mandate(actor)


def can_grant_under_mandate(actor: Standing, target: Standing, *, in_force: bool, service_in_mandate: bool) -> Decision:
    """The provider's MAM and co-MAMs give one of the provider's users an online service for the
    principal: within the mandate (a service of it, while it is in force), never beyond it."""
    decision = can_answer_mandate(actor)
    if not decision:
        return decision
    if not in_force:
        return refuse(MANDATE_NOT_IN_FORCE)
    if not service_in_mandate:
        return refuse(MANDATE_SERVICE_OUTSIDE)
    if target.enterprise_id != actor.enterprise_id or target.level < Level.USER:
        return refuse(MANDATE_NOT_A_USER)
    return can_act_on(actor, target)


def can_revoke_under_mandate(actor: Standing) -> Decision:
    """Take back what was given under a mandate, in force or not: the provider's MAM and co-MAMs."""
    return can_answer_mandate(actor)


def mandate_in_force(*, accepted: bool, ended: bool, starts_on: date, ends_on: date | None, today: date) -> bool:
    """A mandate counts from its start date through its end date (policy.in_force), once accepted
    and until either side ends it: before, after or ended, nobody acts under it."""
    return accepted and not ended and starts_on <= today and in_force(ends_on, today)


def acts_under_mandate(principal: Standing, provider: Standing) -> bool:
    """Someone given an online service under a mandate in force uses it for the principal while
    both enterprises are active and they are still a user or manager of the provider, not blocked
    for all its groups."""
    return principal.enterprise_active and provider.acting and provider.level >= Level.USER


def mandate_dates_allowed(starts_on: date, ends_on: date | None) -> Decision:
    """A mandate starts on a quarter's first day (as the declarations it covers are quarterly) and
    ends, if it ends, on or after it starts."""
    if starts_on.day != 1 or starts_on.month not in (1, 4, 7, 10):
        return refuse(MANDATE_START_NOT_QUARTER)
    if ends_on is not None and ends_on < starts_on:
        return refuse(MANDATE_END_BEFORE_START)
    return ALLOWED
