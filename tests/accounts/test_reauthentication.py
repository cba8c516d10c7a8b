"""Managers confirm who they are before designating and before blocking for all groups."""

import time

import pytest

from access.models import Designation, EnterpriseBlock
from tests import factories

pytestmark = pytest.mark.django_db


def designate_co_main(client, world, niss):
    return client.post(
        f"/e/{world.enterprise.pk}/managers/",
        {"kind": "co_main", "niss": niss, "given_name": "Cora", "surname": "Second"},
    )


def test_a_password_user_types_it_again_and_the_designation_then_goes_through(world, login):
    client = login(world.main, recently_authenticated=False)
    niss = factories.niss()
    response = designate_co_main(client, world, niss)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not Designation.objects.filter(person__niss=niss).exists()

    confirmed = client.post(response["Location"], {"password": factories.PASSWORD}, follow=True)
    assert confirmed.status_code == 200
    assert Designation.objects.filter(person__niss=niss, kind="co_main", revoked_at__isnull=True).exists()


def test_a_wrong_password_designates_nothing(world, login):
    client = login(world.main, recently_authenticated=False)
    niss = factories.niss()
    response = designate_co_main(client, world, niss)
    client.post(response["Location"], {"password": "not-the-password"})
    assert not Designation.objects.filter(person__niss=niss).exists()


def test_a_federated_manager_confirms_with_the_identity_provider(world, login):
    world.main.user.set_unusable_password()
    world.main.user.save()
    client = login(world.main, recently_authenticated=False)
    response = client.post(f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/", {"reason": "Inquiry"})
    assert response.status_code == 200
    assert "Confirm your identity" in response.content.decode()
    assert not EnterpriseBlock.objects.exists()
    session = client.session
    session["identity_confirmed_at"] = time.time()
    session.save()
    client.post(f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/", {"reason": "Inquiry"})
    assert EnterpriseBlock.objects.filter(person=world.member).exists()


def test_reading_the_pages_asks_nothing(world, login):
    client = login(world.main, recently_authenticated=False)
    assert client.get(f"/e/{world.enterprise.pk}/managers/").status_code == 200
    assert client.get(f"/e/{world.enterprise.pk}/users/{world.member.pk}/block/").status_code == 200
