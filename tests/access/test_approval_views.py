"""The page of second approvals (docs/design.md §5.15): what each manager sees and may do there,
in four languages, with the same number of queries however many requests wait."""

from datetime import timedelta

import pytest
from django.utils import timezone

from access.models import ApprovalRequest, AuditEvent, Designation, Domain, FourEyesSetting
from tests import factories
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


def page(world):
    return f"/e/{world.enterprise.pk}/approvals/"


def ask(world, count, *, by=None, kind="co_main"):
    finance = Domain.objects.get(code="finance")
    for _ in range(count):
        ApprovalRequest.objects.create(
            enterprise=world.enterprise,
            kind="designation",
            params={"kind": kind, "domain": finance.code if kind == "access_manager" else None},
            target=factories.person(None, "Cora", "Second"),
            requested_by=by or world.main,
            expires_at=timezone.now() + timedelta(days=7),
        )


def designate_co_main(client, world, niss):
    return client.post(
        f"/e/{world.enterprise.pk}/managers/",
        {"kind": "co_main", "niss": niss, "given_name": "Cora", "surname": "Second"},
        follow=True,
    )


def test_the_designation_waits_and_the_page_says_so(world, login):
    niss = factories.niss()
    response = designate_co_main(login(world.main), world, niss)
    text = response.content.decode()
    assert "The designation of Cora Second waits for a second manager&#x27;s approval." in text
    assert "Designate Cora Second as co-Main Access Manager" in text
    assert "Your request: another manager approves it." in text
    assert "Approve</button>" not in text
    assert not Designation.objects.filter(person__niss=niss).exists()


def test_a_second_manager_approves_on_the_page_and_the_co_main_appears(world, login):
    designate_co_main(login(world.main), world, niss := factories.niss())
    request = ApprovalRequest.objects.get()
    client = login(world.co_main)
    assert "Approve</button>" in client.get(page(world)).content.decode()
    response = client.post(f"/e/{world.enterprise.pk}/approvals/{request.pk}/approve/", follow=True)
    assert "Approved and carried out: Designate Cora Second as co-Main Access Manager." in response.content.decode()
    managers = client.get(f"/e/{world.enterprise.pk}/managers/").content.decode()
    assert "Cora Second" in managers
    assert Designation.objects.filter(person__niss=niss, kind="co_main", revoked_at__isnull=True).exists()


def test_refusing_on_the_page_does_nothing(world, login):
    designate_co_main(login(world.main), world, niss := factories.niss())
    request = ApprovalRequest.objects.get()
    response = login(world.legal_representative).post(
        f"/e/{world.enterprise.pk}/approvals/{request.pk}/refuse/", follow=True
    )
    assert "Refused: Designate Cora Second as co-Main Access Manager. Nothing was done." in response.content.decode()
    assert not Designation.objects.filter(person__niss=niss).exists()


def test_the_main_manager_turns_four_eyes_off_and_it_is_journaled(world, login):
    client = login(world.main)
    assert 'name="enabled"' in client.get(page(world)).content.decode()
    response = client.post(f"/e/{world.enterprise.pk}/approvals/setting/", {"enabled": "0"}, follow=True)
    assert "Now: these actions go through at once." in response.content.decode()
    assert FourEyesSetting.objects.get(enterprise=world.enterprise).enabled is False
    assert AuditEvent.objects.filter(action="four_eyes_changed", actor=world.main).exists()
    niss = factories.niss()
    designate_co_main(client, world, niss)
    assert Designation.objects.filter(person__niss=niss, kind="co_main").exists()


def test_a_wrong_value_for_the_setting_shows_the_form_again(world, login):
    response = login(world.main).post(f"/e/{world.enterprise.pk}/approvals/setting/", {"enabled": "maybe"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not FourEyesSetting.objects.exists()


def test_a_co_main_sees_the_setting_but_cannot_change_it(world, login):
    text = login(world.co_main).get(page(world)).content.decode()
    assert "Now: these actions wait for a second manager's approval." in text
    assert 'name="enabled"' not in text


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", "Secondes approbations"),
        ("nl", "Tweede goedkeuringen"),
        ("de", "Zweite Genehmigungen"),
        ("en", "Second approvals"),
    ],
)
def test_the_page_in_four_languages(world, login, language, words):
    ask(world, 1)
    client = login(world.co_main)
    client.cookies["django_language"] = language
    text = client.get(page(world), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}">' in text
    assert words in text


@pytest.mark.parametrize("persona", ["main", "co_main", "legal_representative"])
def test_the_same_queries_from_two_to_forty_requests(world, login, persona):
    client = login(getattr(world, persona))
    ask(world, 1)
    ask(world, 1, by=world.co_main, kind="access_manager")
    small = queries_of(client, page(world))
    ask(world, 19)
    ask(world, 19, by=world.co_main, kind="access_manager")
    decided = ApprovalRequest.objects.filter(requested_by=world.co_main)[:10]
    ApprovalRequest.objects.filter(pk__in=[r.pk for r in decided]).update(
        status="refused", decided_by=world.main, decided_at=timezone.now()
    )
    assert queries_of(client, page(world)) == small
