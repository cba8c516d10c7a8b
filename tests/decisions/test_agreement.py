"""The decision point and the portal's pages agree, whatever the access model holds: for random
enterprises (pending, active, closed) with designations, legal representatives, memberships
(active, blocked, removed), grants (current, expired, revoked, valid until today) and blocks for
all groups (current, ended, until today, lifted), every answer of the real HTTP endpoint, asked
with a real token, is `effective_services` for that person, enterprise and service; every reason
agrees with the standing; and a permit is a service the person's dashboard shows."""

from datetime import timedelta
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
from decisions.requests import MAX_EVALUATIONS
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
plans = st.tuples(enterprise_plan, enterprise_plan)


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
@given(plan=plans)
def test_the_decision_point_says_what_the_pages_show(catalogue: None, catalogue_token: str, plan: Any) -> None:
    codes = sorted(OnlineService.objects.values_list("code", flat=True))
    with transaction.atomic():
        people, enterprises = build(plan)
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
            assert answer["decision"] is (code in effective), (person, enterprise, code, answer)
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
