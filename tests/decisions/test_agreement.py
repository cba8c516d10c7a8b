"""The decision point and the portal's pages agree, whatever the access model holds: for random
enterprises (pending, active, closed) with designations, legal representatives, memberships
(active, blocked, removed), grants (current, expired, revoked, valid until today) and blocks for
all groups (current, ended, until today, lifted), and a mandate between them (accepted, offered,
refused, ended, not started yet, past its end, on its last day; its services given to the people,
some outside it, some taken back), every answer of the real HTTP endpoint, asked with a real token,
is `effective_services` for that person, enterprise and service, or what the mandate gives by its
own rules written out here; every reason agrees with the standing; and a permit is a service the
person's dashboard shows, or, under a mandate, one that the mandate's page lists."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client as HttpClient
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access import selectors
from access.models import (
    Enterprise,
    EnterpriseBlock,
    Grant,
    LegalRepresentative,
    Membership,
    OnlineService,
    Person,
)
from access.policy import Level
from decisions.requests import MAX_EVALUATIONS
from mandates import selectors as mandate_selectors
from mandates.models import Mandate, MandateAccess
from tests import factories
from tests.decisions.conftest import EVALUATIONS, ask, question

pytestmark = pytest.mark.django_db

ROLES = ("employer", "pension_fund", "taxpayer")
STATUSES = (Enterprise.Status.ACTIVE, Enterprise.Status.ACTIVE, Enterprise.Status.PENDING, Enterprise.Status.CLOSED)
DESIGNATIONS = (None, None, "main", "co_main", "access_manager", "group_manager")
MEMBERSHIPS = (None, "active", "active", "blocked", "removed")
GRANTS = ("current", "current", "expired", "revoked", "until_today")
BLOCKS = (None, None, None, "current", "ended", "until_today", "lifted")
PEOPLE = 3

relation = st.fixed_dictionaries(
    {
        "designation": st.sampled_from(DESIGNATIONS),
        "where": st.sampled_from(ROLES),  # the group (or its domain) of an Access or Group Manager
        "legal_representative": st.booleans(),
        "memberships": st.tuples(*[st.sampled_from(MEMBERSHIPS) for _ in ROLES]),
        # For each group, the services granted (by index in the group's offer) and how.
        "grants": st.tuples(*[st.dictionaries(st.integers(0, 11), st.sampled_from(GRANTS), max_size=4) for _ in ROLES]),
        "block": st.sampled_from(BLOCKS),
    }
)
enterprise_plan = st.fixed_dictionaries(
    {
        "status": st.sampled_from(STATUSES),
        "roles": st.lists(st.sampled_from(ROLES), unique=True, max_size=3),
        "people": st.tuples(*[relation for _ in range(PEOPLE)]),
    }
)
MANDATE_STATES = (None, "accepted", "accepted", "offered", "refused", "ended", "not yet", "over", "last day")
MANDATE_SERVICES = ("dimona", "dmfa", "myminfin", "db2p")
mandate_plan = st.fixed_dictionaries(
    {
        "state": st.sampled_from(MANDATE_STATES),
        "principal": st.integers(0, 1),  # the other enterprise is the provider
        "services": st.lists(st.sampled_from(MANDATE_SERVICES), unique=True, min_size=1, max_size=3),
        # What each person is given under it (some of it may be outside the mandate: never usable).
        "given": st.tuples(
            *[st.lists(st.sampled_from(MANDATE_SERVICES), unique=True, max_size=2) for _ in range(PEOPLE)]
        ),
        "taken_back": st.booleans(),  # the first person's access is taken back
    }
)
plans = st.tuples(enterprise_plan, enterprise_plan)


def build_mandate(plan: Any, people: list[Person], enterprises: list[Enterprise]) -> Mandate | None:
    """A mandate of one enterprise to the other, in one state of its life, with what it gives whom."""
    if plan["state"] is None:
        return None
    today, now = timezone.localdate(), timezone.now()
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    mandate = Mandate.objects.create(
        principal=enterprises[plan["principal"]],
        provider=enterprises[1 - plan["principal"]],
        starts_on=date(today.year + 1, 1, 1) if plan["state"] == "not yet" else quarter - timedelta(days=365),
        ends_on={"over": today - timedelta(days=1), "last day": today}.get(plan["state"]),
        status={"offered": Mandate.Status.OFFERED, "refused": Mandate.Status.REFUSED}.get(
            plan["state"], Mandate.Status.ACCEPTED
        ),
        ended_at=now if plan["state"] == "ended" else None,
        offered_by=people[0],
    )
    mandate.services.set(OnlineService.objects.filter(code__in=plan["services"]))
    for index, (person, codes) in enumerate(zip(people, plan["given"], strict=True)):
        for code in codes:
            MandateAccess.objects.create(
                mandate=mandate,
                person=person,
                service=OnlineService.objects.get(code=code),
                granted_by=people[0],
                revoked_at=now if index == 0 and plan["taken_back"] else None,
            )
    return mandate


def under_mandate(mandate: Mandate | None, person: Person, enterprise: Enterprise, code: str) -> bool:
    """What the mandate gives, by its own rules written out: accepted, not ended, today within its
    dates, the service one of its own and given to the person and not taken back, both enterprises
    active, and the person a user or manager of the provider, not blocked for all its groups."""
    if mandate is None or enterprise != mandate.principal:
        return False
    today = timezone.localdate()
    if mandate.status != Mandate.Status.ACCEPTED or mandate.ended_at is not None:
        return False
    if not (mandate.starts_on <= today and (mandate.ends_on is None or mandate.ends_on >= today)):
        return False
    if code not in {service.code for service in mandate.services.all()}:
        return False
    given = MandateAccess.objects.filter(mandate=mandate, person=person, service__code=code, revoked_at__isnull=True)
    if not given.exists():
        return False
    statuses = {mandate.principal.status, mandate.provider.status}
    if statuses != {Enterprise.Status.ACTIVE} or not mandate.provider.groups.exists():
        return False
    provider = selectors.standing_of(person.pk, mandate.provider_id)
    return provider.level >= Level.USER and not provider.blocked_everywhere


def build(plan: Any) -> tuple[list[Person], list[Enterprise]]:
    today, now = timezone.localdate(), timezone.now()
    people = [factories.person(f"agreement-{index}-{factories.niss()[:6]}") for index in range(PEOPLE)]
    enterprises = []
    for number, spec in enumerate(plan):
        enterprise, groups = factories.enterprise(f"Enterprise {number}", roles=tuple(spec["roles"]))
        if spec["status"] != Enterprise.Status.ACTIVE:
            Enterprise.objects.filter(pk=enterprise.pk).update(status=spec["status"], activated_at=None)
            enterprise.refresh_from_db()
        enterprises.append(enterprise)
        taken: set[tuple[object, ...]] = set()
        for person, rel in zip(people, spec["people"], strict=True):
            group = groups.get(rel["where"])
            kind = rel["designation"] if group is not None or rel["designation"] in ("main", "co_main") else None
            domain = group.role_type.domain if group is not None else None
            # The database allows one MAM per enterprise, one Access Manager per domain, one Group
            # Manager per group, and a person is a co-MAM once.
            slot = {
                "main": ("main",),
                "co_main": ("co_main", person.pk),
                "access_manager": ("access_manager", domain.pk if domain else None),
                "group_manager": ("group_manager", group.pk if group else None),
            }.get(kind or "")
            if kind and slot is not None and slot not in taken:
                taken.add(slot)
                factories.designate(
                    enterprise,
                    person,
                    kind,
                    domain=domain if kind == "access_manager" else None,
                    group=group if kind == "group_manager" else None,
                )
            if rel["legal_representative"]:
                LegalRepresentative.objects.create(person=person, enterprise=enterprise)
            for role, state, grants in zip(ROLES, rel["memberships"], rel["grants"], strict=True):
                if state is None or role not in groups:
                    continue
                membership = Membership.objects.create(person=person, group=groups[role])
                offer = list(groups[role].role_type.services.order_by("code"))
                for index, grant_state in grants.items():
                    service = offer[index % len(offer)]
                    if Grant.objects.filter(membership=membership, service=service, revoked_at__isnull=True).exists():
                        continue
                    Grant.objects.create(
                        membership=membership,
                        service=service,
                        valid_until={"expired": today - timedelta(days=1), "until_today": today}.get(grant_state),
                        revoked_at=now if grant_state == "revoked" else None,
                    )
                if state == "blocked":
                    Membership.objects.filter(pk=membership.pk).update(
                        status=Membership.Status.BLOCKED, blocked_at=now, block_reason="audit"
                    )
                elif state == "removed":
                    Membership.objects.filter(pk=membership.pk).update(removed_at=now)
            if rel["block"]:
                EnterpriseBlock.objects.create(
                    person=person,
                    enterprise=enterprise,
                    reason="audit",
                    until={"ended": today - timedelta(days=1), "until_today": today}.get(rel["block"]),
                    lifted_at=now if rel["block"] == "lifted" else None,
                )
    return people, enterprises


AGREEMENT = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@AGREEMENT
@given(plan=plans, mandate_plan=mandate_plan)
def test_the_decision_point_says_what_the_pages_show(
    catalogue: None, catalogue_token: str, plan: Any, mandate_plan: Any
) -> None:
    codes = sorted(OnlineService.objects.values_list("code", flat=True))
    with transaction.atomic():
        people, enterprises = build(plan)
        for enterprise in enterprises:
            enterprise.refresh_from_db()
        mandate = build_mandate(mandate_plan, people, enterprises)
        asked = [(p, e, code) for p in people for e in enterprises for code in codes]
        answers = []
        for start in range(0, len(asked), MAX_EVALUATIONS):
            chunk = asked[start : start + MAX_EVALUATIONS]
            response = ask(
                EVALUATIONS, {"evaluations": [question(p, e, code) for p, e, code in chunk]}, catalogue_token
            )
            assert response.status_code == 200, response.content
            answers += response.json()["evaluations"]
        assert len(answers) == len(asked)
        permitted: dict[tuple[int, int], set[str]] = {}
        for (person, enterprise, code), answer in zip(asked, answers, strict=True):
            standing = selectors.standing_of(person.pk, enterprise.pk)
            effective = selectors.effective_services(person, enterprise, standing)
            mandated = under_mandate(mandate, person, enterprise, code)
            assert answer["decision"] is (code in effective or mandated), (person, enterprise, code, answer)
            if mandated and code not in effective:
                # Shown on the principal's page of the mandate, among the provider's people acting for it.
                assert mandate is not None
                acting = {(a.person_id, a.service.code) for a in mandate_selectors.current_accesses(mandate)}
                assert (person.pk, code) in acting
                continue
            if answer["decision"]:
                permitted.setdefault((person.pk, enterprise.pk), set()).add(code)
                continue
            reason = answer["context"]["reason"]
            if enterprise.status != Enterprise.Status.ACTIVE:
                assert reason == "enterprise_not_active"
            elif not standing.levels:
                assert reason == "no_standing"
            elif standing.blocked_everywhere:
                assert reason == "blocked_everywhere"
            else:
                assert reason in {
                    "not_offered",
                    "blocked_in_group",
                    "grant_expired",
                    "grant_revoked",
                    "not_granted",
                    "no_membership",
                }, reason
        # A permit is a service the person's dashboard lists for that enterprise.
        for person in people:
            browser = HttpClient(HTTP_ACCEPT_LANGUAGE="en")
            assert person.user is not None
            browser.force_login(person.user)
            for enterprise in enterprises:
                services = permitted.get((person.pk, enterprise.pk), set())
                if not services:
                    continue
                response = browser.get(f"/e/{enterprise.pk}/")
                assert response.status_code == 200
                assert {service.code for service in response.context["my_services"]} == services
        transaction.set_rollback(True)


@pytest.mark.parametrize("state", [state for state in MANDATE_STATES if state is not None])
@pytest.mark.parametrize("taken_back", [False, True])
@pytest.mark.parametrize("provider_block", [False, True])
def test_under_each_state_of_a_mandate_the_decision_point_follows_its_rules(
    world: Any, catalogue_token: str, state: str, taken_back: bool, provider_block: bool
) -> None:
    """Every state of a mandate's life, for a user of the provider given Dimona and DmfA under a
    mandate for Dimona only: the answers are what the mandate's rules give, and at least the
    accepted mandate in force gives Dimona (so that this test can fail)."""
    people = [world.other_member, world.other_enterprise_manager, world.member]
    plan = {
        "state": state,
        "principal": 0,
        "services": ["dimona"],
        "given": (["dimona", "dmfa"], [], []),
        "taken_back": taken_back,
    }
    mandate = build_mandate(plan, people, [world.enterprise, world.other_enterprise])
    if provider_block:
        EnterpriseBlock.objects.create(person=world.other_member, enterprise=world.other_enterprise, reason="left")
    for code in ("dimona", "dmfa"):
        response = ask(
            EVALUATIONS, {"evaluations": [question(world.other_member, world.enterprise, code)]}, catalogue_token
        )
        expected = under_mandate(mandate, world.other_member, world.enterprise, code)
        assert response.json()["evaluations"][0]["decision"] is expected, (state, code)
    in_force = state in ("accepted", "last day") and not taken_back and not provider_block
    assert under_mandate(mandate, world.other_member, world.enterprise, "dimona") is in_force
