"""ContactData: every manager and user of the enterprise reads and updates it; nobody else."""

import pytest

from access.models import AuditEvent
from contactdata.models import Address, ContactData
from tests.queries import queries_of

pytestmark = pytest.mark.django_db

VALID = {
    "general-general_email": "info@acme.be",
    "general-general_phone": "02 509 59 59",
    "general-correspondence_language": "nl",
    "registered_office-street": "Rue de la Loi",
    "registered_office-number": "16",
    "registered_office-postal_code": "1000",
    "registered_office-city": "Bruxelles",
    "domain-nsso_employer-name": "Paula Payroll",
    "domain-nsso_employer-email": "payroll@acme.be",
}


def url(world):
    return f"/e/{world.enterprise.pk}/contact-data/"


def part_of(field: str) -> str:
    """Each part of the page is saved at its own address."""
    if field.startswith("general-"):
        return "general/"
    return "contacts/" if field.startswith("domain-") else "addresses/"


def save(client, world, data: dict) -> list:
    """The person saves the general contact, then the addresses, then the contact persons."""
    return [client.post(url(world) + part, data) for part in ("general/", "addresses/", "contacts/")]


@pytest.mark.parametrize(
    "persona, status",
    [
        ("main", 200),
        ("co_main", 200),
        ("access_manager", 200),
        ("group_manager", 200),
        ("member", 200),
        ("legal_representative", 403),
        ("outsider", 404),
        ("other_enterprise_manager", 404),
    ],
)
def test_who_opens_the_contact_data(world, login, persona, status):
    assert login(getattr(world, persona)).get(url(world)).status_code == status


def test_a_user_updates_the_contact_data_and_it_is_journaled(world, login):
    responses = save(login(world.member), world, VALID)
    assert [response.status_code for response in responses] == [302, 302, 302]
    data = ContactData.objects.get(enterprise=world.enterprise)
    assert (data.general_email, data.general_phone, data.correspondence_language) == (
        "info@acme.be",
        "+3225095959",
        "nl",
    )
    assert str(data.addresses.get(kind="registered_office")) == "Rue de la Loi 16, 1000 Bruxelles"
    assert data.domain_contacts.get().name == "Paula Payroll"
    events = list(AuditEvent.objects.filter(action="contactdata_updated").order_by("pk"))
    assert len(events) == 3  # one per part saved
    first, event = events[0], events[-1]
    assert {e.actor for e in events} == {world.member}
    assert first.before["general_email"] == ""
    assert event.after["addresses"] == {"registered_office": "Rue de la Loi 16, 1000 Bruxelles"}
    page = login(world.group_manager).get(url(world)).content.decode()
    assert "Paula Payroll" in page
    # Saving the same data again writes no new journal event.
    save(login(world.member), world, VALID)
    assert AuditEvent.objects.filter(action="contactdata_updated").count() == 3


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("registered_office-postal_code", "0999", "Enter a Belgian postal code of four digits"),
        ("registered_office-postal_code", "12a4", "Enter a Belgian postal code of four digits"),
        ("registered_office-postal_code", "١٠٠٠", "Enter a Belgian postal code of four digits"),
        ("general-general_phone", "12", "This phone number is not valid."),
        ("general-general_phone", "not a phone", "Enter a phone number"),
        ("general-general_email", "info@", "Enter a valid email address."),
        ("domain-nsso_employer-phone", "+32 2 12", "This phone number is not valid."),
    ],
)
def test_bad_input_gets_a_field_error_and_stores_nothing(world, login, field, value, message):
    response = login(world.member).post(url(world) + part_of(field), {**VALID, field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'aria-invalid="true"' in page
    assert not ContactData.objects.exists()
    assert not Address.objects.exists()
    assert not AuditEvent.objects.filter(action="contactdata_updated").exists()


def test_html_in_a_field_is_shown_as_text(world, login):
    save(login(world.member), world, {**VALID, "registered_office-city": "<script>alert(1)</script>"})
    page = login(world.main).get(url(world)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_the_page_keeps_its_number_of_queries(world, login):
    client = login(world.member)
    save(client, world, VALID)
    first = queries_of(client, url(world))
    save(
        client,
        world,
        {
            **VALID,
            "correspondence-street": "Rue Neuve",
            "correspondence-number": "1",
            "correspondence-postal_code": "1000",
            "correspondence-city": "Bruxelles",
        },
    )
    assert Address.objects.count() == 2
    assert queries_of(client, url(world)) == first


def test_a_phone_number_written_with_the_national_prefix_in_brackets_is_saved(world, login):
    login(world.member).post(
        url(world) + part_of("general-general_phone"), {**VALID, "general-general_phone": "+32 (0)2 509 59 59"}
    )
    assert ContactData.objects.get().general_phone == "+3225095959"
