"""Every change staff make in the admin is journaled, before and after, with the change."""

from datetime import datetime

import pytest
from django.db import connection
from django.utils import timezone

from access.models import AuditEvent, Enterprise
from chaman.models import Channel, Sender, TechnicalContact
from contactdata.models import ContactData
from tests import factories
from tests.credentials import ssh_public_key

pytestmark = pytest.mark.django_db


def form_data(response) -> dict:
    """The change form as the admin filled it: what a browser would post back unchanged."""
    data: dict = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if isinstance(value, datetime):
                value = timezone.localtime(value)
                data[f"{key}_0"], data[f"{key}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
                continue
            data[key] = "on" if value is True else [str(v) for v in value] if isinstance(value, list) else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({formset.add_prefix(k): v for k, v in formset.management_form.initial.items()})
        for form in formset.forms:
            add(form)
    return data


def change(client, url: str, **changes) -> None:
    data = {**form_data(client.get(url)), **changes}
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors


def staff_events():
    return list(AuditEvent.objects.filter(action="staff_changed"))


def test_a_persons_number_email_and_mobile_changed_by_staff_are_journaled(staff_client, world):
    person = world.member
    old_niss, new_niss = person.niss, factories.niss()
    change(
        staff_client,
        f"/admin/access/person/{person.pk}/change/",
        niss=new_niss,
        email="new@example.be",
        mobile_phone="+32470123456",
    )
    [event] = staff_events()
    assert event.actor is None
    assert event.target_person == person
    assert event.after["staff"] == "staff"
    assert event.before["niss"] == old_niss and event.after["niss"] == new_niss
    assert event.after["email"] == "new@example.be"
    assert event.before["email"] == world.member.email
    assert event.after["mobile_phone"] == "+32470123456"


def test_an_enterprise_status_changed_by_staff_is_journaled_in_its_journal(staff_client, world):
    enterprise = world.enterprise
    change(staff_client, f"/admin/access/enterprise/{enterprise.pk}/change/", status="pending")
    [event] = staff_events()
    assert event.enterprise == enterprise
    assert (event.before["status"], event.after["status"], event.after["staff"]) == ("active", "pending", "staff")
    assert Enterprise.objects.get(pk=enterprise.pk).status == "pending"


def test_contact_data_changed_by_staff_are_journaled(staff_client, world):
    contact = ContactData.objects.create(enterprise=world.enterprise, general_email="info@acme.be")
    change(staff_client, f"/admin/contactdata/contactdata/{contact.pk}/change/", general_email="desk@acme.be")
    [event] = staff_events()
    assert event.enterprise == world.enterprise
    assert event.before == {"general_email": "info@acme.be"}
    assert event.after["general_email"] == "desk@acme.be"


def test_a_chaman_channel_changed_in_the_senders_page_is_journaled(staff_client, world):
    sender = Sender.objects.create(enterprise=world.enterprise, number="412345")
    TechnicalContact.objects.create(sender=sender, name="Tina Tech", email="tech@acme.be")
    channel = Channel.objects.create(sender=sender, kind="ftp")
    url = f"/admin/chaman/sender/{sender.pk}/change/"
    data = form_data(staff_client.get(url))
    index = next(k.split("-")[1] for k, v in data.items() if k.endswith("-id") and str(v) == str(channel.pk))
    data[f"channels-{index}-active"] = ""
    del data[f"channels-{index}-active"]
    assert staff_client.post(url, data).status_code == 302
    [event] = staff_events()
    assert event.enterprise == world.enterprise
    assert event.before[f"channel {channel.pk}"]["active"] is True
    assert event.after[f"channel {channel.pk}"]["active"] is False


def test_a_deletion_by_staff_is_journaled_with_what_was_deleted(staff_client, world):
    contact = ContactData.objects.create(enterprise=world.enterprise, general_email="info@acme.be")
    response = staff_client.post(f"/admin/contactdata/contactdata/{contact.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    [event] = staff_events()
    assert event.before["general_email"] == "info@acme.be"
    assert event.after["deleted"] is True
    assert not ContactData.objects.filter(pk=contact.pk).exists()


def test_a_change_that_fails_leaves_no_journal_row(staff_client, world):
    url = f"/admin/access/person/{world.member.pk}/change/"
    data = {**form_data(staff_client.get(url)), "niss": "85.07.30-033.29"}
    assert staff_client.post(url, data).status_code == 200
    assert staff_events() == []


def test_the_journal_row_is_written_in_the_changes_transaction(staff_client, world):
    """A journal that cannot be written (here: the table refuses inserts) undoes the change."""
    if connection.vendor != "postgresql":
        pytest.skip("the refusal is a PostgreSQL trigger")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'journal closed'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_insert BEFORE INSERT ON access_auditevent"
            " FOR EACH ROW EXECUTE FUNCTION refuse_insert()"
        )
    staff_client.raise_request_exception = False
    url = f"/admin/access/enterprise/{world.enterprise.pk}/change/"
    data = {**form_data(staff_client.get(url)), "status": "pending"}
    assert staff_client.post(url, data).status_code == 500
    assert Enterprise.objects.get(pk=world.enterprise.pk).status == "active"


def test_a_new_sftp_key_in_the_admin_is_journaled_by_fingerprint_not_by_key(staff_client, world):
    sender = Sender.objects.create(enterprise=world.enterprise, number="412345")
    TechnicalContact.objects.create(sender=sender, name="Tina Tech", email="tech@acme.be")
    url = f"/admin/chaman/sender/{sender.pk}/change/"
    data = form_data(staff_client.get(url))
    key = ssh_public_key()
    data.update({"channels-TOTAL_FORMS": "1", "channels-0-kind": "sftp", "channels-0-ssh_public_key": key})
    data.update({"channels-0-active": "on", "channels-0-created_at_0": "2026-01-01"})
    data["channels-0-created_at_1"] = "10:00:00"
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][1].formset.errors
    [event] = staff_events()
    [(label, added)] = [(k, v) for k, v in event.after.items() if k.startswith("channel ")]
    assert added["key_fingerprint"].startswith("SHA256:")
    assert added["ssh_public_key"] == "[hidden]"


def test_a_password_that_staff_set_is_journaled_without_it(staff_client, world):
    user = world.member.user
    response = staff_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": "A-new-password-2026", "password2": "A-new-password-2026", "usable_password": "true"},
    )
    assert response.status_code == 302
    [event] = staff_events()
    assert event.after["password"] == "[hidden]"
    user.refresh_from_db()
    assert user.check_password("A-new-password-2026")
    assert user.password not in str(event.after)
