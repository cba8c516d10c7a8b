"""Adding a user in two steps, as the real service does (docs/design.md §5.6): the national register
number first; then the online services and the confirmation, with the names only of a person the
portal does not know. The number travels in the posts, never in an address."""

import re

import pytest
from django.urls import reverse

from access.models import AuditEvent, Grant, Membership, OnlineService, Person
from tests import factories

pytestmark = pytest.mark.django_db


def add_url(world, group="employer"):
    return reverse("access:user_add", args=[world.enterprise.pk, world.groups[group].pk])


def fields(html: str) -> set[str]:
    """The names of the form's fields a person sees (hidden ones aside)."""
    names = set(re.findall(r'<input(?![^>]*type="hidden")[^>]*name="([^"]+)"', html))
    return names - {"csrfmiddlewaretoken", "q"}


def test_the_first_step_asks_the_number_only(world, login):
    page = login(world.group_manager).get(add_url(world)).content.decode()
    assert fields(page) == {"niss"}
    assert "Step 1 of 2" in page
    assert ">Continue</button>" in page
    assert "Dimona" not in page and "Given name" not in page


def test_a_person_the_portal_knows_is_named_and_only_the_services_are_asked(world, login):
    known = world.other_member  # Olga Othermember, a user of another enterprise
    response = login(world.group_manager).post(add_url(world), {"step": "number", "niss": known.niss_display})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Step 2 of 2" in page
    assert "<dd>Olga Othermember</dd>" in page
    assert fields(page) == {"services", "until", "confirm"}  # the services, with their optional end date
    assert f'type="hidden" name="niss" value="{known.niss}"' in page
    assert "Dimona" in page and "Biztax" not in page  # within the grant ceiling
    assert not Membership.objects.filter(person=known, group=world.groups["employer"]).exists()


def test_a_person_the_portal_does_not_know_is_asked_their_names(world, login):
    niss = factories.niss()
    page = login(world.group_manager).post(add_url(world), {"step": "number", "niss": niss}).content.decode()
    assert fields(page) == {"given_name", "surname", "services", "until", "confirm"}
    assert "The portal does not know this person yet" in page
    assert not Person.objects.filter(niss=niss).exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("85.07.30-033.29", "its check digits do not match"),
        ("", "This field is required."),
        ("85.07.30", "Enter a national register number of 11 digits"),
    ],
)
def test_a_wrong_number_stays_at_the_first_step_with_its_error(world, login, typed, message):
    page = login(world.group_manager).post(add_url(world), {"step": "number", "niss": typed}).content.decode()
    assert "Step 1 of 2" in page
    assert message in page
    assert 'aria-invalid="true"' in page


def test_someone_already_in_the_group_or_above_the_manager_is_refused_at_the_first_step(world, login):
    client = login(world.group_manager)
    already = client.post(add_url(world), {"step": "number", "niss": world.member.niss}).content.decode()
    assert "This person is already a user of this group." in already and "Step 1 of 2" in already
    above = client.post(add_url(world), {"step": "number", "niss": world.co_main.niss}).content.decode()
    assert "equal to or above yours" in above and "Step 1 of 2" in above


def test_the_second_step_adds_a_known_person_with_their_own_names(world, login):
    known = world.other_member
    dimona = OnlineService.objects.get(code="dimona")
    response = login(world.group_manager).post(
        add_url(world), {"niss": known.niss, "services": [dimona.pk], "confirm": "on", "given_name": "Not"}
    )
    membership = Membership.objects.get(person=known, group=world.groups["employer"])
    assert response["Location"] == reverse("access:membership_edit", args=[world.enterprise.pk, membership.pk])
    assert Grant.objects.filter(membership=membership, service=dimona).exists()
    known.refresh_from_db()
    assert known.full_name == "Olga Othermember"


def test_the_second_step_needs_the_names_of_a_newcomer_and_creates_nobody_without(world, login):
    niss = factories.niss()
    events = AuditEvent.objects.count()
    page = login(world.group_manager).post(add_url(world), {"niss": niss, "confirm": "on"}).content.decode()
    assert "Enter the person&#x27;s given name: the portal does not know them yet." in page
    assert "Enter the person&#x27;s surname: the portal does not know them yet." in page
    assert "Step 2 of 2" in page
    assert not Person.objects.filter(niss=niss).exists()
    assert AuditEvent.objects.count() == events


def test_change_the_number_goes_back_to_the_first_step_with_it(world, login):
    niss = factories.niss()
    page = login(world.group_manager).post(add_url(world), {"step": "back", "niss": niss}).content.decode()
    assert "Step 1 of 2" in page
    assert f'value="{niss}"' in page


def test_a_number_changed_on_the_way_to_the_second_step_goes_back_to_the_first(world, login):
    page = login(world.group_manager).post(add_url(world), {"niss": "85.07.30-033.29", "confirm": "on"})
    assert "Step 1 of 2" in page.content.decode()
    assert "its check digits do not match" in page.content.decode()
