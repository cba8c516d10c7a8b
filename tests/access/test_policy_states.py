"""What a pending enterprise and a block for all groups change, as a table (docs/design.md §4.4)."""

import pytest

from access import policy

GROUPS = {1: 10, 2: 10, 3: 20}


def standing(active=True, blocked=False, **held):
    return policy.Standing(
        person_id=held.pop("person_id", 1),
        enterprise_id=7,
        enterprise_groups=GROUPS,
        enterprise_active=active,
        blocked_everywhere=blocked,
        **held,
    )


LR = {"legal_representative": True}
MAIN = {"main": True}
CO_MAIN = {"co_main": True}
AM = {"managed_domains": frozenset({10})}
GM = {"managed_groups": frozenset({1})}
USER = {"member_of": frozenset({1})}
TARGET = standing(person_id=2, member_of=frozenset({1}))
NEWCOMER = standing(person_id=3)

#        holder  active blocked  view   users  group1 designatable kinds           block-all user
ROWS = [
    ("LR", LR, False, False, True, False, False, ["main"], False),
    ("LR", LR, True, False, True, False, False, ["main"], False),
    ("MAM", MAIN, False, False, True, False, False, [], False),
    ("MAM", MAIN, True, False, True, True, True, ["co_main", "access_manager", "group_manager"], True),
    ("coMAM", CO_MAIN, False, False, True, False, False, [], False),
    ("coMAM", CO_MAIN, True, True, False, False, False, [], False),
    ("AM", AM, True, True, False, False, False, [], False),
    ("AM", AM, True, False, True, True, True, ["group_manager"], True),
    ("GM", GM, False, False, True, False, False, [], False),
    ("GM", GM, True, True, False, False, False, [], False),
    ("User", USER, False, False, True, False, False, [], False),
    ("User", USER, True, True, False, False, False, [], False),
]


@pytest.mark.parametrize(
    "name, held, active, blocked, view, users, group1, kinds, block_all",
    ROWS,
    ids=[f"{r[0]}-{'active' if r[2] else 'pending'}{'-blocked' if r[3] else ''}" for r in ROWS],
)
def test_state_table(name, held, active, blocked, view, users, group1, kinds, block_all):
    actor = standing(active=active, blocked=blocked, **held)
    assert bool(policy.can_view_enterprise(actor)) == view
    assert bool(policy.can_manage_users(actor)) == users
    assert bool(policy.can_manage_group(actor, 1)) == group1
    assert policy.designatable_kinds(actor) == kinds
    assert bool(policy.can_block_everywhere(actor, TARGET)) == block_all
    assert bool(policy.can_create_user(actor, NEWCOMER, 1)) == group1


def test_the_legal_representative_designates_the_main_manager_of_a_pending_enterprise():
    lr = standing(active=False, **LR)
    assert policy.can_designate(lr, NEWCOMER, policy.DesignationKind.MAIN)
    assert not policy.can_designate(standing(active=False, **MAIN), NEWCOMER, policy.DesignationKind.CO_MAIN)


def test_refusals_say_why():
    pending = policy.can_manage_users(standing(active=False, **MAIN))
    assert "not active yet" in str(pending.reason)
    blocked = policy.can_view_enterprise(standing(blocked=True, **GM))
    assert "blocked for all groups" in str(blocked.reason)
    assert policy.is_outsider(standing())
    assert not policy.is_outsider(standing(**USER))


def test_the_admin_opens_only_for_active_staff_who_passed_a_second_factor_they_hold():
    """Every combination of the four facts: one opens the admin."""
    import itertools

    from access import policy

    for active, staff, holds, passed in itertools.product((True, False), repeat=4):
        decision = policy.staff_may_open_admin(
            is_active=active, is_staff=staff, holds_second_factor=holds, passed_second_factor=passed
        )
        assert bool(decision) == (active and staff and holds and passed), (active, staff, holds, passed)
        if not (active and staff):
            assert decision.reason == policy.NOT_STAFF
        elif not decision:
            assert decision.reason == policy.SECOND_FACTOR_REQUIRED


# A user of group 1 (as USER above), reading and changing their own access (docs/design.md §5.12).
#        active blocked  reads  leaves/gives up   the reason
OWN_ACCESS = [
    (True, False, True, True, None),
    (False, False, True, False, "not active yet"),
    (True, True, True, False, "blocked for all groups"),
]


@pytest.mark.parametrize("active, blocked, reads, changes, reason", OWN_ACCESS)
def test_a_person_reads_their_access_whatever_its_state_and_changes_it_only_when_open(
    active, blocked, reads, changes, reason
):
    me = standing(active=active, blocked=blocked, **USER)
    granted = policy.OfferedService(group_id=1, code="dimona", granted=True, automatic_for=frozenset())
    assert bool(policy.can_view_my_access(me)) == reads
    for decision in (policy.can_leave_group(me, me, 1), policy.can_renounce_service(me, me, 1, granted)):
        assert bool(decision) == changes
        if reason:
            assert reason in str(decision.reason)


def test_a_block_for_the_group_keeps_the_access_to_it_as_it_is():
    me = standing(member_of=frozenset({1, 3}))
    granted = policy.OfferedService(group_id=1, code="dimona", granted=True, automatic_for=frozenset())
    refused = policy.can_leave_group(me, me, 1, blocked_in_group=True)
    assert not refused and "blocked for this group" in str(refused.reason)
    assert not policy.can_renounce_service(me, me, 1, granted, blocked_in_group=True)
    assert policy.can_leave_group(me, me, 3)  # another group of theirs is not blocked


def test_nobody_reads_an_enterprise_where_they_have_no_standing():
    assert not policy.can_view_my_access(standing())
    assert policy.can_view_my_access(standing(**LR))


# Access reviews and unused access (docs/design.md §5.13): only in an active enterprise, by a
# manager not blocked for all groups; the reason says which.
#        active blocked  allowed  the reason
REVIEW_STATES = [
    (True, False, True, None),
    (False, False, False, "not active yet"),
    (True, True, False, "blocked for all groups"),
]


@pytest.mark.parametrize("active, blocked, allowed, reason", REVIEW_STATES)
@pytest.mark.parametrize("held", [MAIN, CO_MAIN], ids=["MAM", "coMAM"])
def test_reviews_and_unused_access_need_an_active_enterprise_and_a_manager_not_blocked(
    held, active, blocked, allowed, reason
):
    actor = standing(active=active, blocked=blocked, **held)
    decisions = [
        policy.can_start_review(actor),
        policy.can_follow_reviews(actor),
        policy.can_change_unused_access(actor),
        policy.can_answer_review(actor, None),
        policy.can_review_grant(actor, TARGET, 1, review_open=True),
    ]
    for decision in decisions:
        assert bool(decision) == allowed
        if reason:
            assert reason in str(decision.reason)
