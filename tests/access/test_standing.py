"""A person's standing and services, each read in one written-out query, give the same answers as
the current_* querysets that define what is current: at each edge of validity, revocation, removal
and lifting."""

from datetime import timedelta

import pytest
from django.utils import timezone

from access import selectors
from access.models import Domain, EnterpriseBlock, Grant, LegalRepresentative, Membership
from tests import factories

pytestmark = pytest.mark.django_db

NOW = timezone.now
TODAY = timezone.localdate
HOUR, DAY = timedelta(hours=1), timedelta(days=1)

DESIGNATIONS = {
    "open": ({}, True),
    "started an hour ago, ends in an hour": (
        {"valid_from": lambda: NOW() - HOUR, "valid_until": lambda: NOW() + HOUR},
        True,
    ),
    "starts in an hour": ({"valid_from": lambda: NOW() + HOUR}, False),
    "ended an hour ago": ({"valid_from": lambda: NOW() - DAY, "valid_until": lambda: NOW() - HOUR}, False),
    "revoked": ({"revoked_at": NOW}, False),
}

REPRESENTATIONS = {
    "open": ({}, True),
    "ends today": ({"valid_until": TODAY}, True),
    "ended yesterday": ({"valid_from": lambda: TODAY() - 2 * DAY, "valid_until": lambda: TODAY() - DAY}, False),
    "starts tomorrow": ({"valid_from": lambda: TODAY() + DAY}, False),
}

BLOCKS = {
    "open": ({}, True),
    "until today": ({"until": TODAY}, True),
    "until yesterday": ({"until": lambda: TODAY() - DAY}, False),
    "lifted": ({"lifted_at": NOW}, False),
}


def evaluated(fields):
    return {name: value() for name, value in fields.items()}


@pytest.fixture
def place():
    enterprise, groups = factories.enterprise()
    return enterprise, groups["employer"]


@pytest.mark.parametrize("case", DESIGNATIONS)
@pytest.mark.parametrize("kind", ["main", "co_main", "access_manager", "group_manager"])
def test_designations(place, kind, case):
    enterprise, group = place
    fields, held = DESIGNATIONS[case]
    person = factories.person()
    domain = Domain.objects.get(code="nsso_employer") if kind == "access_manager" else None
    designation = factories.designate(
        enterprise, person, kind, domain=domain, group=group if kind == "group_manager" else None
    )
    type(designation).objects.filter(pk=designation.pk).update(**evaluated(fields))

    standing = selectors.standing_of(person.pk, enterprise.pk)

    by_querysets = selectors.current_designations().filter(pk=designation.pk).exists()
    assert by_querysets is held
    as_read = {
        "main": standing.main,
        "co_main": standing.co_main,
        "access_manager": domain is not None and domain.pk in standing.managed_domains,
        "group_manager": group.pk in standing.managed_groups,
    }
    assert as_read[kind] is held
    assert sum(as_read.values()) == int(held)


@pytest.mark.parametrize("case", REPRESENTATIONS)
def test_legal_representatives(place, case):
    enterprise, _group = place
    fields, held = REPRESENTATIONS[case]
    person = factories.person()
    representation = LegalRepresentative.objects.create(person=person, enterprise=enterprise, **evaluated(fields))

    assert selectors.current_legal_representatives().filter(pk=representation.pk).exists() is held
    assert selectors.standing_of(person.pk, enterprise.pk).legal_representative is held


@pytest.mark.parametrize("removed", [False, True])
def test_memberships(place, removed):
    enterprise, group = place
    person = factories.person()
    membership = factories.member(person, group)
    if removed:
        Membership.objects.filter(pk=membership.pk).update(removed_at=NOW())

    assert selectors.current_memberships().filter(pk=membership.pk).exists() is not removed
    assert selectors.standing_of(person.pk, enterprise.pk).member_of == (frozenset() if removed else {group.pk})


@pytest.mark.parametrize("case", BLOCKS)
def test_blocks_for_all_groups(place, case):
    enterprise, group = place
    fields, held = BLOCKS[case]
    person = factories.person()
    factories.member(person, group)
    block = EnterpriseBlock.objects.create(person=person, enterprise=enterprise, reason="Test", **evaluated(fields))

    assert selectors.current_enterprise_blocks().filter(pk=block.pk).exists() is held
    assert selectors.standing_of(person.pk, enterprise.pk).blocked_everywhere is held


def test_what_is_held_in_another_enterprise_does_not_count(place):
    enterprise, _group = place
    elsewhere, other_groups = factories.enterprise("Elsewhere")
    person = factories.person()
    factories.designate(elsewhere, person, "main")
    factories.member(person, other_groups["employer"])
    LegalRepresentative.objects.create(person=person, enterprise=elsewhere)
    EnterpriseBlock.objects.create(person=person, enterprise=elsewhere, reason="Test")

    here = selectors.standing_of(person.pk, enterprise.pk)
    there = selectors.standing_of(person.pk, elsewhere.pk)

    assert (here.main, here.legal_representative, here.blocked_everywhere, here.member_of) == (
        False,
        False,
        False,
        frozenset(),
    )
    assert (there.main, there.legal_representative, there.blocked_everywhere, there.member_of) == (
        True,
        True,
        True,
        {other_groups["employer"].pk},
    )


def test_several_people_in_one_read(place, django_assert_num_queries):
    enterprise, group = place
    main, member, outsider = factories.person(), factories.person(), factories.person()
    factories.designate(enterprise, main, "main")
    factories.member(member, group)
    frame = selectors.standing_of(None, enterprise.pk)

    with django_assert_num_queries(1):
        standings = selectors.standings_of({main.pk, member.pk, outsider.pk}, enterprise.pk, frame)

    assert standings[main.pk].main and not standings[main.pk].member_of
    assert standings[member.pk].member_of == {group.pk} and not standings[member.pk].main
    assert not standings[outsider.pk].main and not standings[outsider.pk].member_of


def test_standings_across_read_for_many_what_standing_of_reads_for_one(place):
    """The decision point reads the standings of several people in several enterprises at once,
    with the enterprises' groups in the same query: each is the standing the pages read."""
    enterprise, group = place
    elsewhere, other_groups = factories.enterprise("Elsewhere")
    pending, _pending_groups = factories.enterprise("Pending")
    type(pending).objects.filter(pk=pending.pk).update(status="pending")
    main, member, both, outsider = (factories.person() for _ in range(4))
    factories.designate(enterprise, main, "main")
    factories.member(member, group)
    blocked = factories.member(member, other_groups["taxpayer"])
    Membership.objects.filter(pk=blocked.pk).update(
        status=Membership.Status.BLOCKED, blocked_at=NOW(), block_reason="Test"
    )
    factories.designate(elsewhere, both, "group_manager", group=other_groups["employer"])
    factories.member(both, group)
    LegalRepresentative.objects.create(person=both, enterprise=pending)
    EnterpriseBlock.objects.create(person=both, enterprise=enterprise, reason="Test")

    people, places = (main, member, both, outsider), (enterprise, elsewhere, pending)
    pairs = {(person.pk, where.pk) for person in people for where in places}
    across = selectors.standings_across(pairs)

    assert set(across) == pairs
    for person_id, enterprise_id in pairs:
        assert across[(person_id, enterprise_id)] == selectors.standing_of(person_id, enterprise_id)


GRANTS = {
    "open": ({}, True),
    "until today": ({"valid_until": TODAY}, True),
    "until yesterday": ({"valid_until": lambda: TODAY() - DAY}, False),
    "revoked": ({"revoked_at": NOW}, False),
}
MEMBERSHIPS = {
    "active": ({}, True),
    "blocked": (
        {"status": lambda: Membership.Status.BLOCKED, "blocked_at": NOW, "block_reason": lambda: "Test"},
        False,
    ),
    # A block "until D" holds through D; from D+1 it blocks nothing, before any sweep lifts it.
    "blocked until today": (
        {
            "status": lambda: Membership.Status.BLOCKED,
            "blocked_at": NOW,
            "block_reason": lambda: "Test",
            "blocked_until": TODAY,
        },
        False,
    ),
    "blocked until yesterday": (
        {
            "status": lambda: Membership.Status.BLOCKED,
            "blocked_at": NOW,
            "block_reason": lambda: "Test",
            "blocked_until": lambda: TODAY() - DAY,
        },
        True,
    ),
    "removed": ({"removed_at": NOW}, False),
}


@pytest.mark.parametrize("grant_case", GRANTS)
@pytest.mark.parametrize("membership_case", MEMBERSHIPS)
def test_grants_in_memberships(place, grant_case, membership_case):
    enterprise, group = place
    person = factories.person()
    membership = factories.member(person, group, ("dimona",))
    Membership.objects.filter(pk=membership.pk).update(**evaluated(MEMBERSHIPS[membership_case][0]))
    Grant.objects.filter(membership=membership).update(**evaluated(GRANTS[grant_case][0]))
    held = GRANTS[grant_case][1] and MEMBERSHIPS[membership_case][1]

    by_querysets = (
        selectors.current_grants()
        .filter(membership__in=selectors.open_memberships())
        .filter(membership=membership, service__code="dimona")
        .exists()
    )
    assert by_querysets is held
    assert ("dimona" in selectors.effective_services(person, enterprise)) is held
    assert Membership.objects.get(pk=membership.pk).is_blocked is (
        membership_case in ("blocked", "blocked until today")
    )
