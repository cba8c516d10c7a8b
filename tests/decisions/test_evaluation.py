"""The Access Evaluation and Access Evaluations APIs: the decision is effective_services', the
reason of a denial follows docs/decisions-api.md §4, and a batch follows AuthZEN §7."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access import selectors
from access.models import Enterprise, EnterpriseBlock, Grant, Membership, OnlineService
from decisions.requests import MAX_EVALUATIONS
from tests import factories
from tests.decisions.conftest import (
    EVALUATION,
    EVALUATIONS,
    ask,
    enterprise_resource,
    person_subject,
    question,
    seen,
)

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - timedelta(days=1)


def decided(token: str, person, enterprise, service: str) -> dict:
    response = ask(EVALUATION, question(person, enterprise, service), token)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def effective(person, enterprise, service: str) -> bool:
    return service in selectors.effective_services(person, enterprise)


# Dimona in Acme: only its employer group offers it, and only `member` holds it there.
DIMONA = {
    "member": (True, None),
    "pension_member": (False, "no_membership"),
    "tax_member": (False, "no_membership"),
    "group_manager": (False, "no_membership"),
    "access_manager": (False, "no_membership"),
    "main": (False, "no_membership"),
    "legal_representative": (False, "no_membership"),
    "outsider": (False, "no_standing"),
    "other_enterprise_manager": (False, "no_standing"),
    "other_member": (False, "no_standing"),
}


@pytest.mark.parametrize("persona", DIMONA)
def test_dimona_for_each_persona_is_what_the_portal_shows(world, catalogue_token, persona):
    person = getattr(world, persona)
    expected, reason = DIMONA[persona]
    answer = decided(catalogue_token, person, world.enterprise, "dimona")
    assert answer["decision"] is expected is effective(person, world.enterprise, "dimona")
    if expected:
        assert answer == {"decision": True}
    else:
        assert answer["context"]["reason"] == reason


def test_automatic_services_are_permitted_as_the_portal_shows_them(world, catalogue_token):
    for persona, service in [
        ("main", "chaman"),
        ("group_manager", "chaman"),
        ("member", "ebox"),
        ("tax_member", "contactdata"),
    ]:
        person = getattr(world, persona)
        assert decided(catalogue_token, person, world.enterprise, service) == {"decision": True}
        assert effective(person, world.enterprise, service)
    # Chaman is automatic for managers only: a user needs it granted.
    answer = decided(catalogue_token, world.member, world.enterprise, "chaman")
    assert answer["context"]["reason"] == "not_granted"


def test_a_person_without_a_belgian_number_is_asked_about_by_username(world, catalogue_token):
    subject = {"type": "account", "id": "main"}
    body = {"subject": subject, "resource": enterprise_resource(world.enterprise), "action": {"name": "chaman"}}
    assert ask(EVALUATION, body, catalogue_token).json() == {"decision": True}
    body["subject"] = {"type": "account", "id": "nobody-has-this-name"}
    assert ask(EVALUATION, body, catalogue_token).json()["context"]["reason"] == "unknown_subject"


class TestReasons:
    """Each reason of docs/decisions-api.md §4, shown by the portal's own data."""

    def reason(self, token, person, enterprise, service):
        answer = decided(token, person, enterprise, service)
        assert answer["decision"] is False
        assert not effective(person, enterprise, service)
        return answer["context"]

    def test_unknown_subject_resource_and_action(self, world, catalogue_token):
        body = question(world.member, world.enterprise, "dimona")
        body["subject"]["id"] = factories.niss()
        assert ask(EVALUATION, body, catalogue_token).json()["context"]["reason"] == "unknown_subject"
        body = question(world.member, world.enterprise, "dimona")
        body["resource"]["id"] = factories.enterprise_number()
        assert ask(EVALUATION, body, catalogue_token).json()["context"]["reason"] == "unknown_resource"
        body = question(world.member, world.enterprise, "no-such-service")
        assert ask(EVALUATION, body, catalogue_token).json()["context"]["reason"] == "unknown_action"

    @pytest.mark.parametrize("status", [Enterprise.Status.PENDING, Enterprise.Status.CLOSED])
    def test_enterprise_not_active(self, world, catalogue_token, status):
        Enterprise.objects.filter(pk=world.enterprise.pk).update(status=status)
        context = self.reason(catalogue_token, world.member, world.enterprise, "dimona")
        assert context["reason"] == "enterprise_not_active"
        assert context["enterprise_status"] == status

    def test_no_standing_for_another_enterprise_and_a_person_from_elsewhere(self, world, catalogue_token):
        assert self.reason(catalogue_token, world.member, world.other_enterprise, "dimona")["reason"] == "no_standing"
        assert self.reason(catalogue_token, world.other_member, world.enterprise, "dimona")["reason"] == "no_standing"

    def test_blocked_everywhere(self, world, catalogue_token):
        EnterpriseBlock.objects.create(person=world.member, enterprise=world.enterprise, reason="audit")
        for service in ("dimona", "ebox"):
            assert (
                self.reason(catalogue_token, world.member, world.enterprise, service)["reason"] == "blocked_everywhere"
            )

    def test_a_block_that_ended_or_was_lifted_blocks_nothing(self, world, catalogue_token):
        block = EnterpriseBlock.objects.create(
            person=world.member, enterprise=world.enterprise, reason="audit", until=YESTERDAY
        )
        assert decided(catalogue_token, world.member, world.enterprise, "dimona") == {"decision": True}
        EnterpriseBlock.objects.filter(pk=block.pk).update(until=None, lifted_at=timezone.now())
        assert decided(catalogue_token, world.member, world.enterprise, "dimona") == {"decision": True}

    def test_not_offered(self, world, catalogue_token):
        assert self.reason(catalogue_token, world.member, world.enterprise, "kbo_mandates")["reason"] == "not_offered"

    def test_blocked_in_group(self, world, catalogue_token):
        Membership.objects.filter(pk=world.member_membership.pk).update(
            status=Membership.Status.BLOCKED, blocked_at=timezone.now(), block_reason="audit"
        )
        for service in ("dimona", "ebox"):
            assert self.reason(catalogue_token, world.member, world.enterprise, service)["reason"] == "blocked_in_group"

    def test_grant_expired_says_when(self, world, catalogue_token):
        Grant.objects.filter(membership=world.member_membership).update(valid_until=YESTERDAY)
        context = self.reason(catalogue_token, world.member, world.enterprise, "dimona")
        assert context["reason"] == "grant_expired"
        assert context["expired_on"] == YESTERDAY.isoformat()

    def test_a_grant_valid_until_today_is_permitted(self, world, catalogue_token):
        Grant.objects.filter(membership=world.member_membership).update(valid_until=timezone.localdate())
        assert decided(catalogue_token, world.member, world.enterprise, "dimona") == {"decision": True}

    def test_grant_revoked(self, world, catalogue_token):
        Grant.objects.filter(membership=world.member_membership).update(revoked_at=timezone.now())
        assert self.reason(catalogue_token, world.member, world.enterprise, "dimona")["reason"] == "grant_revoked"

    def test_not_granted_and_no_membership(self, world, catalogue_token):
        assert self.reason(catalogue_token, world.member, world.enterprise, "dmfa")["reason"] == "not_granted"
        assert self.reason(catalogue_token, world.pension_member, world.enterprise, "dmfa")["reason"] == "no_membership"

    def test_a_removed_user_has_no_standing(self, world, catalogue_token):
        Membership.objects.filter(pk=world.member_membership.pk).update(removed_at=timezone.now())
        assert self.reason(catalogue_token, world.member, world.enterprise, "dimona")["reason"] == "no_standing"

    def test_precedence_enterprise_then_standing_then_block(self, world, catalogue_token):
        EnterpriseBlock.objects.create(person=world.member, enterprise=world.enterprise, reason="audit")
        Grant.objects.filter(membership=world.member_membership).update(revoked_at=timezone.now())
        assert self.reason(catalogue_token, world.member, world.enterprise, "dimona")["reason"] == "blocked_everywhere"
        Enterprise.objects.filter(pk=world.enterprise.pk).update(status=Enterprise.Status.CLOSED)
        assert (
            self.reason(catalogue_token, world.member, world.enterprise, "dimona")["reason"] == "enterprise_not_active"
        )

    def test_words_in_four_languages_for_staff_and_for_the_person(self, world, catalogue_token):
        context = self.reason(catalogue_token, world.member, world.enterprise, "dmfa")
        assert set(context["reason_admin"]) == set(context["reason_user"]) == {"fr", "nl", "de", "en"}
        assert context["reason_user"]["en"] == (
            "This online service has not been granted to you. Ask an access manager of the enterprise."
        )
        assert context["reason_user"]["fr"] != context["reason_user"]["en"]
        assert context["reason_user"]["nl"] != context["reason_user"]["en"]
        assert context["reason_user"]["de"] != context["reason_user"]["en"]


class TestEvaluations:
    def body(self, world, *items, **top):
        return {
            "subject": person_subject(world.member),
            "resource": enterprise_resource(world.enterprise),
            **top,
            "evaluations": list(items),
        }

    def test_defaults_and_overrides_in_the_order_asked(self, world, catalogue_token):
        body = self.body(
            world,
            {"action": {"name": "dimona"}},
            {"action": {"name": "dmfa"}},
            {"action": {"name": "dimona"}, "subject": person_subject(world.pension_member)},
            {"action": {"name": "db2p"}, "subject": person_subject(world.pension_member)},
        )
        answers = ask(EVALUATIONS, body, catalogue_token).json()
        assert "decision" not in answers
        assert [a["decision"] for a in answers["evaluations"]] == [True, False, False, True]
        assert answers["evaluations"][2]["context"]["reason"] == "no_membership"

    def test_an_item_may_carry_everything(self, world, catalogue_token):
        body = {"evaluations": [question(world.member, world.enterprise, "dimona")]}
        assert ask(EVALUATIONS, body, catalogue_token).json() == {"evaluations": [{"decision": True}]}

    def test_without_evaluations_it_is_one_evaluation(self, world, catalogue_token):
        for items in ({}, {"evaluations": []}):
            body = {**question(world.member, world.enterprise, "dimona"), **items}
            assert ask(EVALUATIONS, body, catalogue_token).json() == {"decision": True}

    def semantic(self, world, token, semantic, services):
        body = self.body(world, *[{"action": {"name": code}} for code in services])
        if semantic:
            body["options"] = {"evaluations_semantic": semantic}
        return [a["decision"] for a in ask(EVALUATIONS, body, token).json()["evaluations"]]

    def test_execute_all_is_the_default(self, world, catalogue_token):
        services = ["dimona", "dmfa", "ebox"]
        assert self.semantic(world, catalogue_token, None, services) == [True, False, True]
        assert self.semantic(world, catalogue_token, "execute_all", services) == [True, False, True]

    def test_deny_on_first_deny_stops_after_the_first_denial(self, world, catalogue_token):
        assert self.semantic(world, catalogue_token, "deny_on_first_deny", ["dimona", "dmfa", "ebox"]) == [True, False]
        assert self.semantic(world, catalogue_token, "deny_on_first_deny", ["dimona", "ebox"]) == [True, True]

    def test_permit_on_first_permit_stops_after_the_first_permit(self, world, catalogue_token):
        assert self.semantic(world, catalogue_token, "permit_on_first_permit", ["dmfa", "dimona", "drs"]) == [
            False,
            True,
        ]
        assert self.semantic(world, catalogue_token, "permit_on_first_permit", ["dmfa", "drs"]) == [False, False]

    def test_the_denial_that_stops_the_run_says_why(self, world, catalogue_token):
        body = self.body(world, {"action": {"name": "dmfa"}}, {"action": {"name": "dimona"}})
        body["options"] = {"evaluations_semantic": "deny_on_first_deny"}
        answers = ask(EVALUATIONS, body, catalogue_token).json()["evaluations"]
        assert len(answers) == 1 and answers[0]["context"]["reason"] == "not_granted"

    def test_an_unknown_semantic_is_refused(self, world, catalogue_token):
        body = self.body(world, {"action": {"name": "dimona"}}, options={"evaluations_semantic": "majority"})
        response = ask(EVALUATIONS, body, catalogue_token)
        assert response.status_code == 400
        assert "evaluations_semantic" in response.json()["error"]["message"]

    def test_at_most_a_hundred_items(self, world, catalogue_token):
        items = [{"action": {"name": "dimona"}}] * MAX_EVALUATIONS
        assert len(ask(EVALUATIONS, self.body(world, *items), catalogue_token).json()["evaluations"]) == MAX_EVALUATIONS
        response = ask(EVALUATIONS, self.body(world, *items, {"action": {"name": "dimona"}}), catalogue_token)
        assert response.status_code == 400
        assert "at most 100" in response.json()["error"]["message"]

    def test_a_missing_part_names_the_item(self, world, catalogue_token):
        body = {
            "action": {"name": "dimona"},
            "evaluations": [
                question(world.member, world.enterprise, "dimona"),
                {"resource": enterprise_resource(world.enterprise)},
            ],
        }
        response = ask(EVALUATIONS, body, catalogue_token)
        assert response.status_code == 400
        assert response.json()["error"]["message"] == "evaluations[1].subject is missing."


class TestQueries:
    """A request costs the same queries whatever the number of its items, people and enterprises:
    one confirms the token and finds the people, enterprises and services, one reads the
    standings, one the services; a denial two more to say why, and the permits one upsert."""

    def queries(self, token, body) -> int:
        cache.clear()  # every permit is a use to record: one upsert in each request
        with CaptureQueriesContext(connection) as captured:
            response = ask(EVALUATIONS, body, token)
        assert response.status_code == 200
        return len(captured)

    def batch(self, world, people, size):
        services = ["dimona", "dmfa", "ebox", "chaman", "db2p", "myminfin", "kbo_mandates"]
        enterprises = [world.enterprise, world.other_enterprise]
        items = [
            question(people[i % len(people)], enterprises[i % 2], services[i % len(services)]) for i in range(size)
        ]
        return {"evaluations": items}

    def test_one_permit_and_one_denial(self, world, catalogue_token, django_assert_num_queries):
        seen(catalogue_token)
        cache.clear()
        with django_assert_num_queries(4):
            assert decided(catalogue_token, world.member, world.enterprise, "dimona") == {"decision": True}
        with django_assert_num_queries(3):  # the use is recorded: the gate is closed for a while
            assert decided(catalogue_token, world.member, world.enterprise, "dimona") == {"decision": True}
        with django_assert_num_queries(6):  # a denial asks about access under mandates too
            assert decided(catalogue_token, world.member, world.enterprise, "dmfa")["decision"] is False

    def test_a_token_first_seen_costs_two_queries_more(self, world, catalogue_token, django_assert_num_queries):
        with django_assert_num_queries(6 + 2):
            assert decided(catalogue_token, world.member, world.enterprise, "dmfa")["decision"] is False
        with django_assert_num_queries(6):
            assert decided(catalogue_token, world.member, world.enterprise, "dmfa")["decision"] is False

    def test_five_or_fifty_items_about_one_person(self, world, catalogue_token, django_assert_num_queries):
        seen(catalogue_token)
        small = self.queries(catalogue_token, self.batch(world, [world.member], 5))
        assert small == 7
        cache.clear()
        with django_assert_num_queries(small):
            ask(EVALUATIONS, self.batch(world, [world.member], 50), catalogue_token)

    def test_five_or_a_hundred_items_about_three_people(self, world, catalogue_token, django_assert_num_queries):
        seen(catalogue_token)
        people = [world.member, world.pension_member, world.main]
        # Each person with a permit or a denial to explain, as in the large batch.
        small = {"evaluations": [question(p, world.enterprise, code) for p in people for code in ("dimona", "dmfa")]}
        small = self.queries(catalogue_token, small)
        assert small == 7
        cache.clear()
        with django_assert_num_queries(small):
            ask(EVALUATIONS, self.batch(world, people, 100), catalogue_token)

    def test_one_item_or_fifty_about_fifty_people(self, world, catalogue_token, django_assert_num_queries):
        seen(catalogue_token)
        people = [world.member]
        for index in range(49):
            person = factories.person()
            factories.member(person, world.member_membership.group, ("dimona",) if index % 2 else ())
            people.append(person)
        one = self.queries(catalogue_token, {"evaluations": [question(world.member, world.enterprise, "dimona")]})
        assert one == 4
        fifty = {"evaluations": [question(person, world.enterprise, "dimona") for person in people]}
        cache.clear()
        with django_assert_num_queries(one + 3):  # access under mandates, the denials' explanations
            answers = ask(EVALUATIONS, fifty, catalogue_token).json()["evaluations"]
        assert [answer["decision"] for answer in answers] == [True] + [index % 2 == 1 for index in range(49)]


def test_the_request_id_of_the_pep_comes_back(world, catalogue_token):
    response = ask(
        EVALUATION,
        question(world.member, world.enterprise, "dimona"),
        catalogue_token,
        HTTP_X_REQUEST_ID="bfe9eb29-ab87",
    )
    assert response["X-Request-ID"] == "bfe9eb29-ab87"
    response = ask(
        EVALUATION, question(world.member, world.enterprise, "dimona"), catalogue_token, HTTP_X_REQUEST_ID="<script>"
    )
    assert response["X-Request-ID"] != "<script>" and len(response["X-Request-ID"]) == 32


def test_decisions_are_not_cached(world, catalogue_token):
    response = ask(EVALUATION, question(world.member, world.enterprise, "dimona"), catalogue_token)
    assert response["Cache-Control"] == "no-store"


def test_a_service_added_to_the_catalogue_is_a_scope_at_once(world):
    from tests.decisions.conftest import register, token

    service = OnlineService.objects.create(code="new_service", names={"en": "New"})
    client, secret = register("New", ("new_service",))
    answer = ask(EVALUATION, question(world.member, world.enterprise, service.code), token(client, secret)).json()
    assert answer["context"]["reason"] == "not_offered"
