"""A permit is a use of the service: the portal records when, on PostgreSQL through the gate in
Redis (at most one write per person, enterprise and service per interval), and managers see it on
the user's pages, whose queries stay constant."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from access.models import Grant, OnlineService, ServiceUse
from tests.decisions.conftest import EVALUATION, EVALUATIONS, ask, enterprise_resource, person_subject, question
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


def use_of(world, code="dimona"):
    return ServiceUse.objects.filter(person=world.member, enterprise=world.enterprise, service__code=code).values_list(
        "last_used_at", flat=True
    )


def test_a_permit_records_the_use_a_denial_does_not(world, catalogue_token):
    before = timezone.now()
    ask(EVALUATION, question(world.member, world.enterprise, "dimona"), catalogue_token)
    ask(EVALUATION, question(world.member, world.enterprise, "dmfa"), catalogue_token)
    [used] = use_of(world)
    assert before <= used <= timezone.now()
    assert not use_of(world, "dmfa").exists()


def test_one_write_per_interval_then_the_next_use_moves_it(world, catalogue_token, settings):
    settings.SERVICE_USE_INTERVAL_SECONDS = 1
    ask(EVALUATION, question(world.member, world.enterprise, "dimona"), catalogue_token)
    long_ago = timezone.now() - timedelta(days=30)
    ServiceUse.objects.update(last_used_at=long_ago)
    ask(EVALUATION, question(world.member, world.enterprise, "dimona"), catalogue_token)
    assert list(use_of(world)) == [long_ago]  # within the interval: the gate in Redis held it back
    time.sleep(1.1)  # the gate's key expires in Redis
    ask(EVALUATION, question(world.member, world.enterprise, "dimona"), catalogue_token)
    assert use_of(world)[0] > long_ago


def test_a_batch_writes_each_use_once(world, catalogue_token):
    items = [{"action": {"name": code}} for code in ("dimona", "ebox", "contactdata")] * 30
    body = {
        "subject": person_subject(world.member),
        "resource": enterprise_resource(world.enterprise),
        "evaluations": items,
    }
    ask(EVALUATIONS, body, catalogue_token)
    assert ServiceUse.objects.filter(person=world.member).count() == 3


def test_what_a_short_circuit_did_not_answer_is_not_a_use(world, catalogue_token):
    body = {
        "subject": person_subject(world.member),
        "resource": enterprise_resource(world.enterprise),
        "options": {"evaluations_semantic": "permit_on_first_permit"},
        "evaluations": [{"action": {"name": "dimona"}}, {"action": {"name": "ebox"}}],
    }
    assert len(ask(EVALUATIONS, body, catalogue_token).json()["evaluations"]) == 1
    assert list(ServiceUse.objects.values_list("service__code", flat=True)) == ["dimona"]


def test_without_the_cache_the_decision_is_answered_and_no_use_written(world, catalogue_token, settings):
    settings.CACHES = {
        "default": {"BACKEND": "portal.cache.SharedClientRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    answer = ask(EVALUATION, question(world.member, world.enterprise, "dimona"), catalogue_token).json()
    assert answer == {"decision": True}
    assert not ServiceUse.objects.exists()


class TestPages:
    def test_the_membership_page_shows_the_last_use_of_each_granted_service(self, world, login, catalogue_token):
        page = f"/e/{world.enterprise.pk}/memberships/{world.member_membership.pk}/"
        client = login(world.group_manager)
        assert "No use recorded" in client.get(page).content.decode()
        ask(EVALUATION, question(world.member, world.enterprise, "dimona"), catalogue_token)
        ServiceUse.objects.update(last_used_at=timezone.make_aware(timezone.datetime(2026, 3, 14, 10, 0)))
        content = client.get(page).content.decode()
        assert "Last used on March 14, 2026" in content and "No use recorded" not in content

    def test_the_users_page_shows_it_per_group(self, world, login, catalogue_token):
        ask(EVALUATION, question(world.member, world.enterprise, "dimona"), catalogue_token)
        ServiceUse.objects.update(last_used_at=timezone.make_aware(timezone.datetime(2026, 3, 14, 10, 0)))
        content = login(world.main).get(f"/e/{world.enterprise.pk}/users/{world.member.pk}/").content.decode()
        assert "Dimona" in content and "Last used on March 14, 2026" in content

    def test_the_date_is_in_the_readers_language(self, world, login, catalogue_token):
        ask(EVALUATION, question(world.member, world.enterprise, "dimona"), catalogue_token)
        ServiceUse.objects.update(last_used_at=timezone.make_aware(timezone.datetime(2026, 3, 14, 10, 0)))
        world.group_manager.preferred_language = "fr"
        world.group_manager.save(update_fields=["preferred_language"])
        client = login(world.group_manager)
        client.post("/i18n/setlang/", {"language": "fr"})
        content = client.get(f"/e/{world.enterprise.pk}/memberships/{world.member_membership.pk}/").content.decode()
        assert "Dernière utilisation le 14 mars 2026" in content

    @pytest.mark.parametrize("page", ["membership", "user"])
    def test_the_queries_stay_constant_with_more_services_and_uses(self, world, login, catalogue_token, page):
        client = login(world.main)
        url = (
            f"/e/{world.enterprise.pk}/memberships/{world.member_membership.pk}/"
            if page == "membership"
            else f"/e/{world.enterprise.pk}/users/{world.member.pk}/"
        )
        small = queries_of(client, url)
        for code in ("dmfa", "drs", "capelo", "wide"):
            Grant.objects.create(membership=world.member_membership, service=OnlineService.objects.get(code=code))
            ask(EVALUATION, question(world.member, world.enterprise, code), catalogue_token)
        assert ServiceUse.objects.count() == 4
        assert queries_of(client, url) == small
