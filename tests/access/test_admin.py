"""The staff admin: search by name, NISS and enterprise number; the journal is read-only."""

import pytest
from django.contrib.auth import get_user_model

from access import selectors, services
from access.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, world):
    staff = get_user_model().objects.create_superuser("staff", "staff@example.be", "x")
    client.force_login(staff)
    return client


def test_people_are_found_by_name_and_by_a_formatted_niss(staff_client, world):
    by_name = staff_client.get("/admin/access/person/", {"q": "Taxman"}).content.decode()
    assert "Taxman" in by_name
    assert "Member" not in by_name
    by_niss = staff_client.get("/admin/access/person/", {"q": world.member.niss_display}).content.decode()
    assert "Mats" in by_niss
    assert "Taxman" not in by_niss
    assert world.member.niss_masked in by_niss


def test_enterprises_are_found_by_number_with_dots_or_be(staff_client, world):
    number = world.other_enterprise.number_display
    page = staff_client.get("/admin/access/enterprise/", {"q": f"BE {number}"}).content.decode()
    assert "Other" in page
    assert "Acme" not in page


def test_memberships_filter_by_status(staff_client, world):
    page = staff_client.get("/admin/access/membership/", {"status__exact": "active", "q": "Pension"}).content.decode()
    assert "Paula Pension" in page


def test_the_journal_is_read_only(staff_client, world):
    actor = selectors.Actor(
        person=world.main,
        enterprise=world.enterprise,
        standing=selectors.standing_of(world.main.pk, world.enterprise.pk),
    )
    services.block_membership(actor, world.member_membership, reason="Audit")
    event = AuditEvent.objects.get()
    assert staff_client.get("/admin/access/auditevent/").status_code == 200
    assert staff_client.get("/admin/access/auditevent/add/").status_code == 403
    change = staff_client.get(f"/admin/access/auditevent/{event.pk}/change/")
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert staff_client.post(f"/admin/access/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk, reason="Audit").exists()
