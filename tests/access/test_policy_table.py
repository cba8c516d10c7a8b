"""The policy of docs/design.md §4 ("Who may do what"), written out as a table independently of access/policy.py.

The world: enterprise 1 has domains D1 (groups G1, G2) and D2 (group G3). Enterprise 2 owns group G9
in domain D9; its MAM is the `outsider`, and `user_g9` is one of its users. Standings of enterprise 2
must never give rights in enterprise 1, and standings of enterprise 1 nothing in enterprise 2.

Each table below lists what is ALLOWED; every other combination of actor x scope x target is expected
to be refused, with a reason. Rows are generated from the full cross product, so a missing entry is a
refusal that is tested, not a gap.

Decisions taken where the specification was silent (docs/decisions.md), and asserted here:
- Standing order LR(6) > MAM(5) > co-MAM(4) > AM(3) > GM(2) > User(1) > none(0); a person's level is
  their highest. Protected targets: nobody acts on themselves, on the MAM, or on anyone at or above
  their own level. This covers user actions and designating/revoking co-MAM, AM and GM.
- An LR without a designation manages nothing; the LR alone designates (or replaces) the MAM, with no
  target protection, and nobody revokes the MAM (it is only replaced).
- Blocking for all groups: MAM and co-MAM; another manager only when every group the target is a
  member of lies in their scope (a target who is a member of no group is therefore in every scope).
- The grant ceiling (offered by the group and delegatable) binds every actor, the MAM included.
- The policy does not look at whether the target is a member of the group in question: that is the
  service's business (it loads memberships through the actor's scope).
- Provisioning (docs/provisioning.md): a token is held by whoever manages users; the enterprise's
  record of a person for its HR system is kept by a manager of users for a person new to the
  enterprise, or below them and a user of one of their groups or of none.
- A person's own access (docs/design.md §5.12): everyone with a standing reads it; a user leaves a group
  they are a user of, and gives up a service granted to them there, for themselves only and not while
  blocked for that group; a service that comes with a standing has no grant to give up.
"""

from dataclasses import replace
from datetime import date, timedelta
from typing import Any, NamedTuple

import pytest
from django.conf import settings
from django.utils.functional import Promise

from access import policy
from access.policy import Level, ServiceOffer, Standing

if not settings.configured:  # run with `-p no:django`: lazy reasons need settings to be read
    settings.configure(USE_I18N=False)

# --- The world ----------------------------------------------------------------------------------------

# The designation kinds as stored: written out here, so that the table does not take them from the policy.
MAIN, CO_MAIN, ACCESS_MANAGER, GROUP_MANAGER = "main", "co_main", "access_manager", "group_manager"

ENTERPRISE = 1
OTHER_ENTERPRISE = 2

GROUPS = {"G1": 1, "G2": 2, "G3": 3, "G9": 9}
DOMAINS = {"D1": 10, "D2": 20, "D9": 90}
ENTERPRISE_GROUPS = {GROUPS["G1"]: DOMAINS["D1"], GROUPS["G2"]: DOMAINS["D1"], GROUPS["G3"]: DOMAINS["D2"]}
OTHER_ENTERPRISE_GROUPS = {GROUPS["G9"]: DOMAINS["D9"]}


def _in_enterprise(person_id: int, **held: Any) -> Standing:
    return Standing(person_id, ENTERPRISE, ENTERPRISE_GROUPS, **held)


def _in_other_enterprise(person_id: int, **held: Any) -> Standing:
    return Standing(person_id, OTHER_ENTERPRISE, OTHER_ENTERPRISE_GROUPS, **held)


PERSONAS: dict[str, Standing] = {
    "lr": _in_enterprise(1, legal_representative=True),
    "main": _in_enterprise(2, main=True),
    "co_main": _in_enterprise(3, co_main=True),
    "am_d1": _in_enterprise(4, managed_domains=frozenset({DOMAINS["D1"]})),
    "am_d2": _in_enterprise(5, managed_domains=frozenset({DOMAINS["D2"]})),
    "gm_g1": _in_enterprise(6, managed_groups=frozenset({GROUPS["G1"]})),
    "gm_g3": _in_enterprise(7, managed_groups=frozenset({GROUPS["G3"]})),
    "user_g1": _in_enterprise(8, member_of=frozenset({GROUPS["G1"]})),
    "user_g1_g3": _in_enterprise(9, member_of=frozenset({GROUPS["G1"], GROUPS["G3"]})),
    "newcomer": _in_enterprise(10),
    "outsider": _in_other_enterprise(11, main=True),
    "user_g9": _in_other_enterprise(12, member_of=frozenset({GROUPS["G9"]})),
}
# user_g9 is only a target: it shows that the outsider's rights are real in its own enterprise.
ACTORS = [name for name in PERSONAS if name != "user_g9"]
TARGETS = list(PERSONAS)

PERSONA_LEVELS = {
    "lr": Level.LEGAL_REPRESENTATIVE,
    "main": Level.MAIN,
    "co_main": Level.CO_MAIN,
    "am_d1": Level.ACCESS_MANAGER,
    "am_d2": Level.ACCESS_MANAGER,
    "gm_g1": Level.GROUP_MANAGER,
    "gm_g3": Level.GROUP_MANAGER,
    "user_g1": Level.USER,
    "user_g1_g3": Level.USER,
    "newcomer": Level.NONE,
    "outsider": Level.MAIN,
    "user_g9": Level.USER,
}

# --- Who is below whom (never the actor, never the MAM, never another enterprise's person) ---------------

EVERYONE_OF_ENTERPRISE = {
    "lr", "main", "co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "user_g1", "user_g1_g3", "newcomer",
}  # fmt: skip
BELOW_LR = {"co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "user_g1", "user_g1_g3", "newcomer"}
BELOW_MAIN = {"co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "user_g1", "user_g1_g3", "newcomer"}
BELOW_CO_MAIN = {"am_d1", "am_d2", "gm_g1", "gm_g3", "user_g1", "user_g1_g3", "newcomer"}
BELOW_AM = {"gm_g1", "gm_g3", "user_g1", "user_g1_g3", "newcomer"}
BELOW_GM = {"user_g1", "user_g1_g3", "newcomer"}
BELOW_USER = {"newcomer"}
OUTSIDERS_OWN = {"user_g9"}

# --- The tables: what is allowed ------------------------------------------------------------------------

# Actor alone.
VIEW_ENTERPRISE = {"lr", "main", "co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "user_g1", "user_g1_g3", "outsider"}
MANAGE_USERS = {"main", "co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "outsider"}
VIEW_MANAGERS = {"lr", "main", "co_main", "am_d1", "am_d2", "outsider"}
# docs/design.md §5.14: a file of users is imported by whoever adds users to groups; each row is then asked of
# the in-group questions below, for its own group and person.
IMPORT = {"main", "co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "outsider"}
# docs/design.md §8: ContactData and the e-Box for every manager and user; Chaman for AMs and GMs, users with the
# service; structured-message settings for the MAM and co-MAMs. A legal representative alone has none.
CONTACTDATA = {"main", "co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "user_g1", "user_g1_g3", "outsider"}
CHAMAN = {
    "without the service": {"main", "co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "outsider"},
    "with the service": {"main", "co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "user_g1", "user_g1_g3", "outsider"},
}
STRUCTURED_MESSAGES = {"main", "co_main", "outsider"}
# Who could act on a date: the managers of at least one group, over the groups they manage now.
WHO_COULD_ACT = {"main", "co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "outsider"}
# The Main Access Manager's page: a legal representative's act.
DESIGNATE_MAIN = {"lr"}
DESIGNATABLE_KINDS = {
    "lr": [MAIN],
    "main": [CO_MAIN, ACCESS_MANAGER, GROUP_MANAGER],
    "co_main": [ACCESS_MANAGER, GROUP_MANAGER],
    "am_d1": [GROUP_MANAGER],
    "am_d2": [GROUP_MANAGER],
    "outsider": [CO_MAIN, ACCESS_MANAGER, GROUP_MANAGER],
}

# Their own access: everyone with a standing in the enterprise (the newcomer has none).
VIEW_MY_ACCESS = {"lr", "main", "co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "user_g1", "user_g1_g3", "outsider"}

# Actor x group.
MANAGE_GROUP = {
    "G1": {"main", "co_main", "am_d1", "gm_g1"},
    "G2": {"main", "co_main", "am_d1"},
    "G3": {"main", "co_main", "am_d2", "gm_g3"},
    "G9": {"outsider"},
}

# Actor x target: protected targets only.
ACT_ON = {
    "lr": BELOW_LR,
    "main": BELOW_MAIN,
    "co_main": BELOW_CO_MAIN,
    "am_d1": BELOW_AM,
    "am_d2": BELOW_AM,
    "gm_g1": BELOW_GM,
    "gm_g3": BELOW_GM,
    "user_g1": BELOW_USER,
    "user_g1_g3": BELOW_USER,
    "outsider": OUTSIDERS_OWN,
}

# Actor x group x target: create a user, block / unblock / delete in one group, revoke a service, and grant
# a service that the group offers and that is delegatable.
IN_GROUP = {
    "main": {"G1": BELOW_MAIN, "G2": BELOW_MAIN, "G3": BELOW_MAIN},
    "co_main": {"G1": BELOW_CO_MAIN, "G2": BELOW_CO_MAIN, "G3": BELOW_CO_MAIN},
    "am_d1": {"G1": BELOW_AM, "G2": BELOW_AM},
    "am_d2": {"G3": BELOW_AM},
    "gm_g1": {"G1": BELOW_GM},
    "gm_g3": {"G3": BELOW_GM},
    "outsider": {"G9": OUTSIDERS_OWN},
}

# Actor x target: block / unblock for all groups of the enterprise.
EVERYWHERE = {
    "main": BELOW_MAIN,
    "co_main": BELOW_CO_MAIN,
    # The GMs and the newcomer are members of no group; user_g1_g3 is also in G3 (D2).
    "am_d1": {"gm_g1", "gm_g3", "user_g1", "newcomer"},
    # user_g1 and user_g1_g3 are in G1 (D1).
    "am_d2": {"gm_g1", "gm_g3", "newcomer"},
    "gm_g1": {"user_g1", "newcomer"},
    "gm_g3": {"newcomer"},
    "outsider": OUTSIDERS_OWN,
}

# Actor x target: keep the enterprise's record of a person for its HR system (provisioning). The target
# is new, or below the actor and a user of one of the actor's groups or of none.
PROVISION_USER = {
    "main": BELOW_MAIN,
    "co_main": BELOW_CO_MAIN,
    # The GMs and the newcomer are users of no group; user_g1 and user_g1_g3 are in G1 (D1).
    "am_d1": BELOW_AM,
    # user_g1 is a user of G1 (D1) only; user_g1_g3 is also in G3.
    "am_d2": {"gm_g1", "gm_g3", "user_g1_g3", "newcomer"},
    "gm_g1": BELOW_GM,
    "gm_g3": {"user_g1_g3", "newcomer"},
    "outsider": OUTSIDERS_OWN,
}

# Kind x scope x actor x target. "none" is a designation without its domain or group.
DESIGNATE = {
    # The LR may designate anyone of the enterprise, themselves and the current MAM included.
    (MAIN, "-"): {"lr": EVERYONE_OF_ENTERPRISE},
    (CO_MAIN, "-"): {"main": BELOW_MAIN, "outsider": OUTSIDERS_OWN},
    (ACCESS_MANAGER, "D1"): {"main": BELOW_MAIN, "co_main": BELOW_CO_MAIN},
    (ACCESS_MANAGER, "D2"): {"main": BELOW_MAIN, "co_main": BELOW_CO_MAIN},
    (ACCESS_MANAGER, "D9"): {"outsider": OUTSIDERS_OWN},
    (ACCESS_MANAGER, "none"): {},
    (GROUP_MANAGER, "G1"): {"main": BELOW_MAIN, "co_main": BELOW_CO_MAIN, "am_d1": BELOW_AM},
    (GROUP_MANAGER, "G2"): {"main": BELOW_MAIN, "co_main": BELOW_CO_MAIN, "am_d1": BELOW_AM},
    (GROUP_MANAGER, "G3"): {"main": BELOW_MAIN, "co_main": BELOW_CO_MAIN, "am_d2": BELOW_AM},
    (GROUP_MANAGER, "G9"): {"outsider": OUTSIDERS_OWN},
    (GROUP_MANAGER, "none"): {},
}
# Revoking follows the designation matrix (docs/design.md §4.2), except that the MAM is never revoked, only replaced.
REVOKE = {(kind, scope): ({} if kind == MAIN else allowed) for (kind, scope), allowed in DESIGNATE.items()}

OFFERS = {
    "offered+delegatable": ServiceOffer(service_id=100, offered=True, delegatable=True),
    "offered-only": ServiceOffer(service_id=101, offered=True, delegatable=False),
    "delegatable-only": ServiceOffer(service_id=102, offered=False, delegatable=True),
    "neither": ServiceOffer(service_id=103, offered=False, delegatable=False),
}
GRANTABLE_OFFERS = {"offered+delegatable"}

# Actor (who is also the target) x group: the groups each person leaves, and in which they give up
# a service granted to them. Nobody changes another person's access; a block for the group keeps it.
OWN_GROUPS = {"user_g1": {"G1"}, "user_g1_g3": {"G1", "G3"}}
MEMBERSHIP_STATES = ("active", "blocked in the group")
# A service as it stands for the person in the group: granted, automatic with a standing, or both.
OWN_SERVICES = {
    "granted": (True, frozenset()),
    "automatic": (False, frozenset({MAIN, CO_MAIN, ACCESS_MANAGER, GROUP_MANAGER, "user"})),
    "granted and automatic": (True, frozenset({"user"})),
}
RENOUNCEABLE = {"granted", "granted and automatic"}

IN_GROUP_FUNCTIONS = [
    "can_act_in_group",
    "can_create_user",
    "can_block_in_group",
    "can_unblock_in_group",
    "can_delete_from_group",
    "can_revoke_service",
]
EVERYWHERE_FUNCTIONS = ["can_block_everywhere", "can_unblock_everywhere"]

# --- Access reviews and unused access (docs/design.md §5.13) ------------------------------------------------

# Actor alone: follow every review's progress; list the reviews; change how unused access ends.
FOLLOW_REVIEWS = {"main", "co_main", "outsider"}
VIEW_REVIEWS = MANAGE_USERS
CHANGE_UNUSED_ACCESS = {"main", "co_main", "outsider"}
# The scope of a review: the whole enterprise ("-") or one domain.
REVIEW_SCOPES = ("-", "D1", "D2", "D9")
START_REVIEW = {
    "-": {"main", "co_main", "outsider"},
    "D1": {"main", "co_main"},
    "D2": {"main", "co_main"},
    "D9": {"outsider"},
}
# The page of a review's grants: a manager whose scope holds a group of the review.
ANSWER_REVIEW = {
    "-": MANAGE_USERS,
    "D1": {"main", "co_main", "am_d1", "gm_g1"},
    "D2": {"main", "co_main", "am_d2", "gm_g3"},
    "D9": {"outsider"},
}
# The groups of a review whose grants each manager answers for.
REVIEW_GROUPS = {
    "main": {"-": {"G1", "G2", "G3"}, "D1": {"G1", "G2"}, "D2": {"G3"}},
    "co_main": {"-": {"G1", "G2", "G3"}, "D1": {"G1", "G2"}, "D2": {"G3"}},
    "am_d1": {"-": {"G1", "G2"}, "D1": {"G1", "G2"}},
    "am_d2": {"-": {"G3"}, "D2": {"G3"}},
    "gm_g1": {"-": {"G1"}, "D1": {"G1"}},
    "gm_g3": {"-": {"G3"}, "D2": {"G3"}},
    "outsider": {"-": {"G9"}, "D9": {"G9"}},
}
# Confirming or revoking a grant in a review: as revoking a service (IN_GROUP), while the review is open.
REVIEW_STATES = ("open", "closed")
# Whose grants a review asks about: everyone's below the Main Access Manager.
REVIEWABLE = {"co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "user_g1", "user_g1_g3", "newcomer", "user_g9"}

# --- Four eyes (docs/design.md §5.15) ------------------------------------------------------------------------

# The page of requests: the second managers. The setting: the Main Access Manager.
VIEW_APPROVALS = {"lr", "main", "co_main", "outsider"}
CHANGE_FOUR_EYES = {"main", "outsider"}
# Approve or refuse a request still waiting, by its requester: anyone's of the enterprise but one's own.
APPROVE = {
    "lr": {"main", "co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "user_g1", "user_g1_g3", "newcomer"},
    "main": {"lr", "co_main", "am_d1", "am_d2", "gm_g1", "gm_g3", "user_g1", "user_g1_g3", "newcomer"},
    "co_main": {"lr", "main", "am_d1", "am_d2", "gm_g1", "gm_g3", "user_g1", "user_g1_g3", "newcomer"},
    "outsider": {"user_g9"},
}
REQUEST_STATES = ("pending", "decided or expired")

# --- Rows -------------------------------------------------------------------------------------------------


class Row(NamedTuple):
    function: str
    actor: str
    target: str | None
    expected: bool
    kind: str | None = None
    scope: str | None = None  # G1..G9, D1..D9, "-" (none needed) or "none" (missing)
    offer: str | None = None
    state: str | None = None  # the membership's: active or blocked in the group

    @property
    def id(self) -> str:
        parts = [self.function, self.actor, self.kind, self.scope, self.offer, self.state, self.target]
        return "|".join(p for p in parts if p is not None) + ("|allowed" if self.expected else "|refused")


def _rows() -> list[Row]:
    rows = []
    for actor in ACTORS:
        rows.append(Row("can_view_enterprise", actor, None, actor in VIEW_ENTERPRISE))
        rows.append(Row("can_manage_users", actor, None, actor in MANAGE_USERS))
        rows.append(Row("can_manage_provisioning", actor, None, actor in MANAGE_USERS))
        rows.append(Row("can_import", actor, None, actor in IMPORT))
        rows.append(Row("can_view_managers", actor, None, actor in VIEW_MANAGERS))
        rows.append(Row("can_use_contactdata", actor, None, actor in CONTACTDATA))
        rows.append(Row("can_use_ebox", actor, None, actor in CONTACTDATA))
        rows.append(Row("can_manage_structured_messages", actor, None, actor in STRUCTURED_MESSAGES))
        rows.append(Row("can_designate_main", actor, None, actor in DESIGNATE_MAIN))
        rows.append(Row("can_view_my_access", actor, None, actor in VIEW_MY_ACCESS))
        rows.append(Row("can_view_who_could_act", actor, None, actor in WHO_COULD_ACT))
        for holding, holders in CHAMAN.items():
            rows.append(Row("can_use_chaman", actor, None, actor in holders, offer=holding))
        for group in GROUPS:
            rows.append(Row("can_manage_group", actor, None, actor in MANAGE_GROUP[group], scope=group))
        for target in TARGETS:
            rows.append(Row("can_act_on", actor, target, target in ACT_ON.get(actor, set())))
            rows.append(Row("can_provision_user", actor, target, target in PROVISION_USER.get(actor, set())))
            for function in EVERYWHERE_FUNCTIONS:
                rows.append(Row(function, actor, target, target in EVERYWHERE.get(actor, set())))
            for group in GROUPS:
                allowed = target in IN_GROUP.get(actor, {}).get(group, set())
                for function in IN_GROUP_FUNCTIONS:
                    rows.append(Row(function, actor, target, allowed, scope=group))
                for offer in OFFERS:
                    grantable = allowed and offer in GRANTABLE_OFFERS
                    rows.append(Row("can_grant_service", actor, target, grantable, scope=group, offer=offer))
                for state in MEMBERSHIP_STATES:
                    own = actor == target and group in OWN_GROUPS.get(actor, set()) and state == "active"
                    rows.append(Row("can_leave_group", actor, target, own, scope=group, state=state))
                    for service in OWN_SERVICES:
                        gives_up = own and service in RENOUNCEABLE
                        row = Row("can_renounce_service", actor, target, gives_up, scope=group, offer=service)
                        rows.append(row._replace(state=state))
            for function, table in (("can_designate", DESIGNATE), ("can_revoke", REVOKE)):
                for (kind, scope), allowed_by_actor in table.items():
                    rows.append(Row(function, actor, target, target in allowed_by_actor.get(actor, set()), kind, scope))
    return rows


def _review_rows() -> list[Row]:
    rows = []
    for actor in ACTORS:
        rows.append(Row("can_follow_reviews", actor, None, actor in FOLLOW_REVIEWS))
        rows.append(Row("can_view_reviews", actor, None, actor in VIEW_REVIEWS))
        rows.append(Row("can_change_unused_access", actor, None, actor in CHANGE_UNUSED_ACCESS))
        for scope in REVIEW_SCOPES:
            rows.append(Row("can_start_review", actor, None, actor in START_REVIEW[scope], scope=scope))
            rows.append(Row("can_answer_review", actor, None, actor in ANSWER_REVIEW[scope], scope=scope))
        for target in TARGETS:
            for group in GROUPS:
                allowed = target in IN_GROUP.get(actor, {}).get(group, set())
                for state in REVIEW_STATES:
                    row = Row("can_review_grant", actor, target, allowed and state == "open", scope=group)
                    rows.append(row._replace(state=state))
    return rows


def _four_eyes_rows() -> list[Row]:
    rows = []
    for actor in ACTORS:
        rows.append(Row("can_view_approvals", actor, None, actor in VIEW_APPROVALS))
        rows.append(Row("can_change_four_eyes", actor, None, actor in CHANGE_FOUR_EYES))
        for target in TARGETS:
            for state in REQUEST_STATES:
                allowed = target in APPROVE.get(actor, set()) and state == "pending"
                rows.append(Row("can_approve", actor, target, allowed, state=state))
    return rows


# --- Mandates to service providers (docs/design.md §5.16) -------------------------------------------------

# The mandates page: who gives mandates (MAM, co-MAMs, Access Managers) and who answers them (MAM, co-MAMs).
VIEW_MANDATES = {"main", "co_main", "am_d1", "am_d2", "outsider"}
# Offer (or, for the principal, end) a mandate for services of these domains.
MANDATE_DOMAINS = {"D1": {"D1"}, "D2": {"D2"}, "D1+D2": {"D1", "D2"}}
OFFER_MANDATE = {
    "D1": {"main", "co_main", "am_d1", "outsider"},
    "D2": {"main", "co_main", "am_d2", "outsider"},
    "D1+D2": {"main", "co_main", "outsider"},
}
# Accept, refuse, end as the provider, give and take back access under a mandate: the provider's MAM and co-MAMs.
ANSWER_MANDATE = {"main", "co_main", "outsider"}
MANDATE_STATES = ("in force", "not in force", "service outside it")
# Whom they give access under a mandate in force: a user or manager of the provider below them.
GRANT_UNDER_MANDATE = {
    "main": BELOW_MAIN - {"newcomer"},
    "co_main": BELOW_CO_MAIN - {"newcomer"},
    "outsider": OUTSIDERS_OWN,
}


def _mandate_rows() -> list[Row]:
    rows = []
    for actor in ACTORS:
        rows.append(Row("can_view_mandates", actor, None, actor in VIEW_MANDATES))
        rows.append(Row("can_answer_mandate", actor, None, actor in ANSWER_MANDATE))
        rows.append(Row("can_revoke_under_mandate", actor, None, actor in ANSWER_MANDATE))
        for scope, offerers in OFFER_MANDATE.items():
            rows.append(Row("can_offer_mandate", actor, None, actor in offerers, scope=scope))
            rows.append(Row("can_end_mandate", actor, None, actor in offerers, kind="principal", scope=scope))
            rows.append(Row("can_end_mandate", actor, None, actor in ANSWER_MANDATE, kind="provider", scope=scope))
        for target in TARGETS:
            for state in MANDATE_STATES:
                gives = state == "in force" and target in GRANT_UNDER_MANDATE.get(actor, set())
                rows.append(Row("can_grant_under_mandate", actor, target, gives, state=state))
    return rows


ROWS = _rows() + _review_rows() + _four_eyes_rows() + _mandate_rows()


def _across_enterprises(row: Row) -> bool:
    return row.target is not None and PERSONAS[row.actor].enterprise_id != PERSONAS[row.target].enterprise_id


SAME_ENTERPRISE_ROWS = [row for row in ROWS if not _across_enterprises(row)]
# An actor of one enterprise and a target whose standing belongs to another: every table above refuses them.
CROSS_ENTERPRISE_ROWS = [row for row in ROWS if _across_enterprises(row)]


def _scope_kwargs(row: Row) -> dict[str, int | None]:
    if row.scope is None or row.scope == "-":
        return {}
    if row.kind == ACCESS_MANAGER:
        return {"domain_id": DOMAINS.get(row.scope)}
    if row.kind == GROUP_MANAGER:
        return {"group_id": GROUPS.get(row.scope)}
    raise AssertionError(f"unexpected scope {row.scope!r} for {row.kind!r}")


def _ask(row: Row) -> policy.Decision:
    actor = PERSONAS[row.actor]
    target = PERSONAS[row.target] if row.target is not None else None
    group_id = GROUPS.get(row.scope or "")  # None when the row's scope is not a group
    function = getattr(policy, row.function)
    if row.function in (
        "can_view_enterprise",
        "can_manage_users",
        "can_manage_provisioning",
        "can_import",
        "can_view_managers",
        "can_use_contactdata",
        "can_use_ebox",
        "can_manage_structured_messages",
        "can_designate_main",
        "can_view_my_access",
        "can_view_who_could_act",
    ):
        return function(actor)
    if row.function == "can_use_chaman":
        return function(actor, {"chaman"} if row.offer == "with the service" else set())
    if row.function == "can_manage_group":
        return function(actor, group_id)
    if row.function in ("can_act_on", "can_provision_user", *EVERYWHERE_FUNCTIONS):
        return function(actor, target)
    if row.function in IN_GROUP_FUNCTIONS:
        return function(actor, target, group_id)
    if row.function == "can_grant_service":
        return function(actor, target, group_id, OFFERS[row.offer or ""])
    if row.function in ("can_designate", "can_revoke"):
        return function(actor, target, row.kind, **_scope_kwargs(row))
    blocked = row.state == "blocked in the group"
    if row.function == "can_leave_group":
        return function(actor, target, group_id, blocked_in_group=blocked)
    if row.function == "can_renounce_service":
        granted, automatic_for = OWN_SERVICES[row.offer or ""]
        offer = policy.OfferedService(group_id=group_id or 0, code="x", granted=granted, automatic_for=automatic_for)
        return function(actor, target, group_id, offer, blocked_in_group=blocked)
    if row.function in ("can_follow_reviews", "can_view_reviews", "can_change_unused_access"):
        return function(actor)
    if row.function in ("can_start_review", "can_answer_review"):
        return function(actor, DOMAINS.get(row.scope or ""))  # "-": the whole enterprise, no domain
    if row.function == "can_review_grant":
        return function(actor, target, group_id, review_open=row.state == "open")
    if row.function in ("can_view_approvals", "can_change_four_eyes"):
        return function(actor)
    if row.function == "can_approve":
        return function(actor, target, pending=row.state == "pending")
    if row.function in ("can_view_mandates", "can_answer_mandate", "can_revoke_under_mandate"):
        return function(actor)
    if row.function == "can_offer_mandate":
        return function(actor, {DOMAINS[d] for d in MANDATE_DOMAINS[row.scope or ""]})
    if row.function == "can_end_mandate":
        side = policy.MandateSide.PRINCIPAL if row.kind == "principal" else policy.MandateSide.PROVIDER
        return function(actor, side, {DOMAINS[d] for d in MANDATE_DOMAINS[row.scope or ""]})
    if row.function == "can_grant_under_mandate":
        in_force, inside = row.state != "not in force", row.state != "service outside it"
        return function(actor, target, in_force=in_force, service_in_mandate=inside)
    raise AssertionError(f"no way to ask {row.function}")


def _has_reason(decision: policy.Decision) -> bool:
    reason = decision.reason
    return isinstance(reason, str | Promise) and bool(str(reason).strip())


# --- Tests ------------------------------------------------------------------------------------------------


def _disagreements(rows: list[Row]) -> list[str]:
    """The rows whose decision is not the table's, each named with what the policy answered; a
    refusal must also say why."""
    found = []
    for row in rows:
        decision = _ask(row)
        if not isinstance(decision, policy.Decision):
            found.append(f"{row.id}: answered {decision!r}, not a Decision")
        elif bool(decision) is not row.expected:
            found.append(f"{row.id}: {'allowed' if decision else 'refused'}, the table says the opposite")
        elif not row.expected and not _has_reason(decision):
            found.append(f"{row.id}: refused without saying why")
    return found


# One test per policy function, each asking every row of that function (thousands in all) and naming
# every row that disagrees: as exhaustive as a test per row, at a fraction of its cost.
@pytest.mark.parametrize("function", sorted({row.function for row in SAME_ENTERPRISE_ROWS}))
def test_policy_rows(function: str) -> None:
    rows = [row for row in SAME_ENTERPRISE_ROWS if row.function == function]

    assert _disagreements(rows) == []


@pytest.mark.parametrize("function", sorted({row.function for row in CROSS_ENTERPRISE_ROWS}))
def test_cross_enterprise_targets_are_refused(function: str) -> None:
    # docs/design.md §4.1, §4.5: outsiders get nothing of an enterprise, and protection compares standings "in the
    # enterprise". A standing of another enterprise is never a target here, whatever its level.
    rows = [row for row in CROSS_ENTERPRISE_ROWS if row.function == function]

    assert all(row.expected is False for row in rows)
    assert _disagreements(rows) == []


@pytest.mark.parametrize("actor", ACTORS)
def test_designatable_kinds(actor: str) -> None:
    assert policy.designatable_kinds(PERSONAS[actor]) == DESIGNATABLE_KINDS.get(actor, [])
    # The managers page offers them all but the MAM, who has a page of their own.
    assert policy.manager_kinds(PERSONAS[actor]) == [k for k in DESIGNATABLE_KINDS.get(actor, []) if k != "main"]


# The groups whose Group Manager each actor designates: those of the domains they manage.
GROUP_MANAGER_GROUPS = {
    "main": {"G1", "G2", "G3"},
    "co_main": {"G1", "G2", "G3"},
    "am_d1": {"G1", "G2"},
    "am_d2": {"G3"},
    "outsider": {"G9"},
}


@pytest.mark.parametrize("actor", ACTORS)
def test_group_manager_groups(actor: str) -> None:
    expected = {GROUPS[name] for name in GROUP_MANAGER_GROUPS.get(actor, set())}

    assert policy.group_manager_groups(PERSONAS[actor]) == expected


# The groups each reader may pick in the journal's filter (docs/design.md §5.7): every group of the enterprise
# for those who read the whole journal; the others, the groups they manage and those they are a user of.
JOURNAL_GROUPS = {
    "main": {"G1", "G2", "G3"},
    "co_main": {"G1", "G2", "G3"},
    "am_d1": {"G1", "G2"},
    "am_d2": {"G3"},
    "gm_g1": {"G1"},
    "gm_g3": {"G3"},
    "user_g1": {"G1"},
    "user_g1_g3": {"G1", "G3"},
    "outsider": {"G9"},
}


@pytest.mark.parametrize("actor", ACTORS)
def test_journal_groups(actor: str) -> None:
    expected = {GROUPS[name] for name in JOURNAL_GROUPS.get(actor, set())}

    assert policy.journal_groups(PERSONAS[actor]) == expected


# --- Access over time (docs/decisions.md §11) ---------------------------------------------------------------

# The groups whose people each manager sees on any date in "who could act": those they manage now.
WHO_COULD_ACT_GROUPS = {
    "main": {"G1", "G2", "G3"},
    "co_main": {"G1", "G2", "G3"},
    "am_d1": {"G1", "G2"},
    "am_d2": {"G3"},
    "gm_g1": {"G1"},
    "gm_g3": {"G3"},
    "outsider": {"G9"},
}


@pytest.mark.parametrize("actor", ACTORS)
def test_who_could_act_groups(actor: str) -> None:
    expected = {GROUPS[name] for name in WHO_COULD_ACT_GROUPS.get(actor, set())}

    assert policy.who_could_act_groups(PERSONAS[actor]) == expected
    assert bool(policy.can_view_who_could_act(PERSONAS[actor])) is bool(expected)


@pytest.mark.parametrize("state", ["blocked", "pending"])
@pytest.mark.parametrize("actor", sorted(WHO_COULD_ACT))
def test_who_could_act_is_closed_to_a_blocked_manager_and_in_a_pending_enterprise(actor: str, state: str) -> None:
    standing = PERSONAS[actor]
    if state == "blocked":
        standing = replace(standing, blocked_everywhere=True)
    else:
        standing = replace(standing, enterprise_active=False)
    decision = policy.can_view_who_could_act(standing)

    assert not decision and _has_reason(decision)


TODAY = date(2026, 3, 31)
DAY = timedelta(days=1)

# End dates (of a grant, a block for one group or for all groups), against today in Brussels:
# none, today or later is allowed; a day already past is not.
END_DATES: list[tuple[str, date | None, bool]] = [
    ("no end date", None, True),
    ("today", TODAY, True),
    ("tomorrow", TODAY + DAY, True),
    ("in ten years", date(2036, 3, 31), True),
    ("yesterday", TODAY - DAY, False),
    ("a year ago", date(2025, 3, 31), False),
]


@pytest.mark.parametrize(("case", "day", "allowed"), END_DATES, ids=[case for case, _d, _a in END_DATES])
def test_end_date_allowed(case: str, day: date | None, allowed: bool) -> None:
    decision = policy.end_date_allowed(day, TODAY)

    assert bool(decision) is allowed
    if not allowed:
        assert _has_reason(decision)


# "Until D" holds through day D and ends when D+1 begins.
IN_FORCE: list[tuple[str, date | None, bool]] = [
    ("no end date", None, True),
    ("until today", TODAY, True),
    ("until tomorrow", TODAY + DAY, True),
    ("until yesterday", TODAY - DAY, False),
]


@pytest.mark.parametrize(("case", "until", "held"), IN_FORCE, ids=[case for case, _u, _h in IN_FORCE])
def test_in_force(case: str, until: date | None, held: bool) -> None:
    assert policy.in_force(until, TODAY) is held


# The day asked about in "who could act": today or a day past, never a day to come.
HISTORY_DAYS = [("today", TODAY, True), ("yesterday", TODAY - DAY, True), ("tomorrow", TODAY + DAY, False)]


@pytest.mark.parametrize(("case", "day", "allowed"), HISTORY_DAYS, ids=[case for case, _d, _a in HISTORY_DAYS])
def test_history_day_allowed(case: str, day: date, allowed: bool) -> None:
    decision = policy.history_day_allowed(day, TODAY)

    assert bool(decision) is allowed
    if not allowed:
        assert _has_reason(decision)


# --- Using online services (docs/design.md §3.6) ----------------------------------------------------------

# What the groups offer, each as it stands for the person asked: Dimona granted to them in G1, DmfA offered in
# G2 without a grant, Chaman automatic in G1 for managers, the e-Box automatic in G3 for everyone, and a
# service granted in the other enterprise's G9.
OFFERED = [
    policy.OfferedService(group_id=GROUPS["G1"], code="dimona", granted=True, automatic_for=frozenset()),
    policy.OfferedService(group_id=GROUPS["G2"], code="dmfa", granted=False, automatic_for=frozenset()),
    policy.OfferedService(
        group_id=GROUPS["G1"],
        code="chaman",
        granted=False,
        automatic_for=frozenset({MAIN, CO_MAIN, ACCESS_MANAGER, GROUP_MANAGER}),
    ),
    policy.OfferedService(
        group_id=GROUPS["G3"],
        code="ebox",
        granted=False,
        automatic_for=frozenset({MAIN, CO_MAIN, ACCESS_MANAGER, GROUP_MANAGER, "user"}),
    ),
    policy.OfferedService(group_id=GROUPS["G9"], code="other", granted=True, automatic_for=frozenset()),
]
# A grant counts in a group the person actively belongs to; an automatic right in a group they belong to or
# manage. A legal representative alone uses nothing; the outsider manages G9 but holds no grant there.
USABLE = {
    "lr": set(),
    "main": {"chaman", "ebox"},
    "co_main": {"chaman", "ebox"},
    "am_d1": {"chaman"},
    "am_d2": {"ebox"},
    "gm_g1": {"chaman"},
    "gm_g3": {"ebox"},
    "user_g1": {"dimona"},
    "user_g1_g3": {"dimona", "ebox"},
    "newcomer": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("actor", ACTORS)
def test_usable_services(actor: str) -> None:
    standing = PERSONAS[actor]

    assert policy.usable_services(standing, OFFERED, active_groups=standing.member_of) == USABLE[actor]


@pytest.mark.parametrize("actor", ["main", "user_g1_g3"])
def test_no_service_is_usable_while_blocked_or_inactive(actor: str) -> None:
    standing = PERSONAS[actor]
    blocked = replace(standing, blocked_everywhere=True)
    pending = replace(standing, enterprise_active=False)

    assert policy.usable_services(blocked, OFFERED, active_groups=standing.member_of) == set()
    assert policy.usable_services(pending, OFFERED, active_groups=standing.member_of) == set()


def test_a_grant_in_a_blocked_membership_is_not_usable() -> None:
    standing = PERSONAS["user_g1"]

    assert policy.usable_services(standing, OFFERED, active_groups=set()) == set()


@pytest.mark.parametrize("actor", ACTORS)
def test_view_managers_follows_designatable_kinds(actor: str) -> None:
    standing = PERSONAS[actor]

    assert bool(policy.can_view_managers(standing)) is bool(policy.designatable_kinds(standing))


@pytest.mark.parametrize("persona", PERSONAS)
def test_persona_level(persona: str) -> None:
    assert PERSONAS[persona].level == PERSONA_LEVELS[persona]


@pytest.mark.parametrize(
    ("offer", "grantable"),
    [(name, name in GRANTABLE_OFFERS) for name in OFFERS],
)
def test_grant_ceiling(offer: str, grantable: bool) -> None:
    assert policy.is_grantable(OFFERS[offer]) is grantable
    assert policy.grantable([OFFERS[offer]]) == ([OFFERS[offer].service_id] if grantable else [])


# --- Guards: a new standing, designation kind or `can_*` question needs rows here ---------------------------


def test_every_can_function_has_rows() -> None:
    in_policy = {name for name in dir(policy) if name.startswith("can_") and callable(getattr(policy, name))}

    assert in_policy == {row.function for row in ROWS}


def test_every_designation_kind_has_rows() -> None:
    for function in ("can_designate", "can_revoke"):
        assert {row.kind for row in ROWS if row.function == function} == set(policy.DesignationKind)
    assert {kind for kinds in DESIGNATABLE_KINDS.values() for kind in kinds} == set(policy.DesignationKind)


def test_every_level_has_a_persona() -> None:
    assert set(PERSONA_LEVELS.values()) == set(Level)
    assert set(USABLE) == set(ACTORS)


def test_every_scope_is_tested_with_every_actor_and_target() -> None:
    rows_per_function: dict[str, int] = {}
    for row in ROWS:
        rows_per_function[row.function] = rows_per_function.get(row.function, 0) + 1
    people = len(ACTORS) * len(TARGETS)

    assert rows_per_function["can_act_on"] == people
    assert rows_per_function["can_block_in_group"] == people * len(GROUPS)
    assert rows_per_function["can_grant_service"] == people * len(GROUPS) * len(OFFERS)
    assert rows_per_function["can_designate"] == people * len(DESIGNATE)
    assert rows_per_function["can_leave_group"] == people * len(GROUPS) * len(MEMBERSHIP_STATES)
    assert rows_per_function["can_renounce_service"] == people * len(GROUPS) * len(MEMBERSHIP_STATES) * len(
        OWN_SERVICES
    )


def test_tables_name_only_known_personas_and_scopes() -> None:
    # A typo in a table would silently turn an allowed row into a refused one.
    names = set(PERSONAS)
    target_sets = [
        VIEW_ENTERPRISE,
        MANAGE_USERS,
        IMPORT,
        VIEW_MANAGERS,
        set(DESIGNATABLE_KINDS),
        *MANAGE_GROUP.values(),
    ]
    target_sets += [DESIGNATE_MAIN, set(GROUP_MANAGER_GROUPS), set(USABLE), VIEW_MY_ACCESS, set(OWN_GROUPS)]
    target_sets += [WHO_COULD_ACT, set(WHO_COULD_ACT_GROUPS)]
    target_sets += [set(ACT_ON), *ACT_ON.values(), set(IN_GROUP), set(EVERYWHERE), *EVERYWHERE.values()]
    target_sets += [set(PROVISION_USER), *PROVISION_USER.values()]
    target_sets += [targets for by_group in IN_GROUP.values() for targets in by_group.values()]
    target_sets += [set(by_actor) for by_actor in DESIGNATE.values()]
    target_sets += [targets for by_actor in DESIGNATE.values() for targets in by_actor.values()]
    for persons in target_sets:
        assert persons <= names, persons - names
    assert {group for by_group in IN_GROUP.values() for group in by_group} <= set(GROUPS)
    assert {group for groups in OWN_GROUPS.values() for group in groups} <= set(GROUPS)
    assert RENOUNCEABLE <= set(OWN_SERVICES)
    assert {scope for _, scope in DESIGNATE} <= set(GROUPS) | set(DOMAINS) | {"-", "none"}


# --- Access reviews and unused access (docs/design.md §5.13) ------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("scope", REVIEW_SCOPES)
def test_review_groups(actor: str, scope: str) -> None:
    expected = {GROUPS[name] for name in REVIEW_GROUPS.get(actor, {}).get(scope, set())}

    assert policy.review_groups(PERSONAS[actor], DOMAINS.get(scope)) == expected
    # The page of a review opens exactly when the manager answers for one of its groups.
    assert bool(policy.can_answer_review(PERSONAS[actor], DOMAINS.get(scope))) is bool(expected)


@pytest.mark.parametrize("persona", PERSONAS)
def test_whose_grants_a_review_asks_about(persona: str) -> None:
    assert policy.is_reviewable(PERSONAS[persona]) is (persona in REVIEWABLE)


# Who must answer for a grant: the group's Group Manager, else the domain's Access Manager, when
# they may revoke it; otherwise the MAM and the co-MAMs (None). G2 has no Group Manager here.
CANDIDATES = {"G1": ["gm_g1", "am_d1"], "G2": ["am_d1"], "G3": ["gm_g3", "am_d2"]}
ANSWERER = {
    ("user_g1", "G1"): "gm_g1",
    ("user_g1", "G2"): "am_d1",
    ("user_g1_g3", "G3"): "gm_g3",
    ("newcomer", "G1"): "gm_g1",
    # A Group Manager who is also a user of their own group: not themselves, their Access Manager.
    ("gm_g1", "G1"): "am_d1",
    # A Group Manager of another domain, user here: not an equal, the Access Manager.
    ("gm_g3", "G1"): "am_d1",
    # An Access Manager, or a co-MAM, user of a group: the MAM and the co-MAMs.
    ("am_d2", "G1"): None,
    ("am_d1", "G3"): None,
    ("co_main", "G3"): None,
}


@pytest.mark.parametrize(("holder", "group"), list(ANSWERER))
def test_review_answerer(holder: str, group: str) -> None:
    managers = [PERSONAS[name] for name in CANDIDATES[group]]
    expected = ANSWERER[(holder, group)]

    answerer = policy.review_answerer(PERSONAS[holder], GROUPS[group], managers)

    assert answerer == (PERSONAS[expected].person_id if expected else None)


def test_a_blocked_group_manager_leaves_the_answer_to_the_access_manager() -> None:
    blocked = replace(PERSONAS["gm_g1"], blocked_everywhere=True)

    answerer = policy.review_answerer(PERSONAS["user_g1"], GROUPS["G1"], [blocked, PERSONAS["am_d1"]])

    assert answerer == PERSONAS["am_d1"].person_id


# A deadline, in days from today: tomorrow at the earliest, 90 days at the latest.
DEADLINES = {-1: False, 0: False, 1: True, 30: True, 90: True, 91: False}


@pytest.mark.parametrize(("days", "allowed"), DEADLINES.items())
def test_review_deadline(days: int, allowed: bool) -> None:
    from datetime import date, timedelta

    today = date(2027, 3, 1)

    decision = policy.review_deadline(today, today + timedelta(days=days))

    assert bool(decision) is allowed
    if not allowed:
        assert _has_reason(decision)


def test_unused_access_ends_after_six_to_twenty_four_months() -> None:
    assert list(policy.UNUSED_MONTHS) == list(range(6, 25))


def test_review_tables_name_only_known_personas_and_scopes() -> None:
    names = set(PERSONAS)
    for persons in [FOLLOW_REVIEWS, CHANGE_UNUSED_ACCESS, REVIEWABLE, set(REVIEW_GROUPS), *START_REVIEW.values()]:
        assert persons <= names, persons - names
    for persons in ANSWER_REVIEW.values():
        assert persons <= names, persons - names
    assert set(START_REVIEW) == set(ANSWER_REVIEW) == set(REVIEW_SCOPES)
    assert {scope for by_scope in REVIEW_GROUPS.values() for scope in by_scope} <= set(REVIEW_SCOPES)
    assert {g for by_scope in REVIEW_GROUPS.values() for groups in by_scope.values() for g in groups} <= set(GROUPS)
    assert {name for pair in ANSWERER for name in pair[:1]} | {v for v in ANSWERER.values() if v} <= names


@pytest.mark.parametrize("persona", ["main", "co_main"])
def test_a_blocked_or_pending_main_manager_neither_approves_nor_changes_four_eyes(persona: str) -> None:
    for standing in (
        replace(PERSONAS[persona], blocked_everywhere=True),
        replace(PERSONAS[persona], enterprise_active=False),
    ):
        assert not policy.can_approve(standing, PERSONAS["am_d1"], pending=True)
        assert not policy.can_change_four_eyes(standing)
        assert not policy.counts_as_second_manager(standing)


def test_a_legal_representative_approves_even_before_the_enterprise_is_active() -> None:
    standing = replace(PERSONAS["lr"], enterprise_active=False)
    assert policy.can_approve(standing, PERSONAS["main"], pending=True)


@pytest.mark.parametrize(
    ("enabled", "second_managers", "waits"), [(True, 1, True), (True, 0, False), (False, 2, False)]
)
def test_an_action_waits_only_with_four_eyes_on_and_a_second_manager(
    enabled: bool, second_managers: int, waits: bool
) -> None:
    assert policy.waits_for_approval(enabled=enabled, second_managers=second_managers) is waits


@pytest.mark.parametrize(
    ("case", "via", "counts"),
    [
        ("on a page", {}, True),
        ("by an import", {"import": 12}, True),
        ("carried out once approved", {"approval": 3, "approved_by": "Ann"}, True),
        ("by the undoing of an import", {"import": 12, "undo": True}, False),
    ],
)
def test_what_counts_towards_the_threshold_of_people_blocked_or_deleted(
    case: str, via: dict[str, object], counts: bool
) -> None:
    """Undoing an import takes back only the access that same import gave: it neither waits nor counts."""
    assert policy.counts_towards_bulk_threshold(via) is counts


def test_four_eyes_tables_name_only_known_personas() -> None:
    names = set(PERSONAS)
    assert VIEW_APPROVALS | CHANGE_FOUR_EYES | set(APPROVE) <= names
    assert {p for persons in APPROVE.values() for p in persons} <= names


# --- Mandates over time ---------------------------------------------------------------------------------------

QUARTER = date(2026, 4, 1)
MANDATE_LIFE = [
    # (case, accepted, ended, starts on, ends on, in force on TODAY = 31 March 2026)
    ("accepted, started, no end", True, False, date(2026, 1, 1), None, True),
    ("accepted, starts tomorrow", True, False, QUARTER, None, False),
    ("accepted, its last day", True, False, date(2026, 1, 1), TODAY, True),
    ("accepted, ended yesterday by its date", True, False, date(2026, 1, 1), TODAY - DAY, False),
    ("accepted, ended by a side", True, True, date(2026, 1, 1), None, False),
    ("offered, not answered", False, False, date(2026, 1, 1), None, False),
]


@pytest.mark.parametrize(("case", "accepted", "ended", "starts_on", "ends_on", "held"), MANDATE_LIFE)
def test_mandate_in_force(case: str, accepted: bool, ended: bool, starts_on: date, ends_on: date | None, held: bool):
    in_force = policy.mandate_in_force(
        accepted=accepted, ended=ended, starts_on=starts_on, ends_on=ends_on, today=TODAY
    )
    assert in_force is held


MANDATE_DATES = [
    ("1 January", date(2026, 1, 1), None, True),
    ("1 April to 30 June", QUARTER, date(2026, 6, 30), True),
    ("1 July, same-day end", date(2026, 7, 1), date(2026, 7, 1), True),
    ("1 October", date(2026, 10, 1), None, True),
    ("2 April", date(2026, 4, 2), None, False),
    ("1 February", date(2026, 2, 1), None, False),
    ("end before start", QUARTER, date(2026, 3, 31), False),
]


@pytest.mark.parametrize(("case", "starts_on", "ends_on", "allowed"), MANDATE_DATES)
def test_mandate_dates_allowed(case: str, starts_on: date, ends_on: date | None, allowed: bool) -> None:
    decision = policy.mandate_dates_allowed(starts_on, ends_on)
    assert bool(decision) is allowed
    assert allowed or _has_reason(decision)


@pytest.mark.parametrize("persona", sorted(PERSONAS))
@pytest.mark.parametrize("principal_state", ["active", "pending"])
def test_who_acts_under_a_mandate(persona: str, principal_state: str) -> None:
    """A user or manager of the provider, not blocked for all its groups, for an active principal."""
    provider = PERSONAS[persona]
    principal = Standing(None, OTHER_ENTERPRISE, OTHER_ENTERPRISE_GROUPS, enterprise_active=principal_state == "active")
    expected = principal_state == "active" and PERSONA_LEVELS[persona] >= Level.USER
    assert policy.acts_under_mandate(principal, provider) is expected
    assert not policy.acts_under_mandate(principal, replace(provider, blocked_everywhere=True))


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_mandate_sides(persona: str) -> None:
    sides = policy.mandate_sides(PERSONAS[persona])
    expected = set()
    if persona in VIEW_MANDATES:
        expected.add(policy.MandateSide.PRINCIPAL)
    if persona in ANSWER_MANDATE:
        expected.add(policy.MandateSide.PROVIDER)
    assert sides == expected


def test_mandate_tables_name_only_known_personas() -> None:
    names = set(PERSONAS)
    for persons in [VIEW_MANDATES, ANSWER_MANDATE, set(GRANT_UNDER_MANDATE), *OFFER_MANDATE.values()]:
        assert persons <= names, persons - names
    for persons in GRANT_UNDER_MANDATE.values():
        assert persons <= names, persons - names
