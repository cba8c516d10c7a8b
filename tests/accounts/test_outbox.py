"""The foreign Main Access Manager's messages: written with the designation, sent in order, once,
left pending (never lost) while the SMTP server or the SMS gateway is down, and in plain text as
typed. How long they stay pending: tests/accounts/test_outbox_retries.py."""

from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client

from access import selectors, services
from access.models import AuditEvent
from accounts import outbox
from accounts.models import OutboundMessage
from accounts.sms import LocmemBackend
from accounts.tasks import deliver_message
from tests import factories
from tests.factories import actor_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign_main(world):
    return factories.foreign_main(
        world, given_name="Jean", surname="Dupré", email="jean@example.fr", mobile_phone="+33612345678", language="fr"
    )


def messages_of(person):
    email = OutboundMessage.objects.get(user=person.user, channel="email")
    sms = OutboundMessage.objects.get(user=person.user, channel="sms")
    return email, sms


def password_in(text):
    return text.strip().splitlines()[-1]


def test_the_designation_writes_both_messages_and_sends_nothing_yet(foreign_main):
    email, sms = messages_of(foreign_main)
    assert (email.status, email.recipient, email.purpose) == ("pending", "jean@example.fr", "username")
    assert (sms.status, sms.recipient, sms.after) == ("waiting", "+33612345678", email)
    assert not foreign_main.user.has_usable_password()
    assert mail.outbox == [] and LocmemBackend.outbox == []


def test_username_by_email_then_password_by_sms_once_each(foreign_main):
    email, sms = messages_of(foreign_main)
    assert deliver_message(email.pk) == "sent"
    username = foreign_main.user.get_username()
    assert len(mail.outbox) == 1
    assert username in mail.outbox[0].body
    assert mail.outbox[0].to == ["jean@example.fr"]
    assert "Votre nom d'utilisateur" in mail.outbox[0].subject  # in the person's language
    sms.refresh_from_db()
    assert sms.status == "pending"

    assert deliver_message(sms.pk) == "sent"
    assert len(LocmemBackend.outbox) == 1
    password = password_in(LocmemBackend.outbox[0].body)
    assert LocmemBackend.outbox[0].to == "+33612345678"
    assert authenticate(username=username, password=password) == foreign_main.user
    # Delivered once: running the task again sends nothing.
    assert deliver_message(email.pk) == "sent"
    assert deliver_message(sms.pk) == "sent"
    assert len(mail.outbox) == 1 and len(LocmemBackend.outbox) == 1
    # Nothing stores the password in clear.
    for message in OutboundMessage.objects.all():
        assert password not in str(message.__dict__)
    assert password not in mail.outbox[0].body


def test_the_task_that_sends_the_username_queues_the_sms_on_commit(
    foreign_main, eager_tasks, django_capture_on_commit_callbacks
):
    email, sms = messages_of(foreign_main)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_message(email.pk) == "sent"
    sms.refresh_from_db()
    assert sms.status == "sent"  # queued once the e-mail was committed as sent, and run inline here
    assert len(mail.outbox) == 1 and len(LocmemBackend.outbox) == 1
    assert authenticate(username=foreign_main.user.get_username(), password=password_in(LocmemBackend.outbox[0].body))


def test_smtp_down_keeps_the_message_pending_until_the_server_returns(foreign_main, smtp_server):
    email, sms = messages_of(foreign_main)
    smtp_server.stop()
    assert deliver_message(email.pk) == "pending"
    email.refresh_from_db()
    sms.refresh_from_db()
    assert (email.status, email.attempts, sms.status) == ("pending", 1, "waiting")
    assert "e-mail not accepted" in email.last_error

    smtp_server.start()
    assert deliver_message(email.pk) == "sent"
    assert deliver_message(email.pk) == "sent"
    assert len(smtp_server.messages) == 1
    assert foreign_main.user.get_username() in smtp_server.bodies()[0]


@pytest.mark.parametrize("fault", ["error", "slow"])
def test_sms_gateway_failing_keeps_the_sms_pending_until_it_answers(foreign_main, sms_gateway, fault):
    email, sms = messages_of(foreign_main)
    deliver_message(email.pk)
    sms_gateway.mode = fault
    assert deliver_message(sms.pk) == "pending"
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("pending", 1)
    assert sms_gateway.accepted == []

    sms_gateway.mode = "ok"
    assert deliver_message(sms.pk) == "sent"
    assert deliver_message(sms.pk) == "sent"
    assert len(sms_gateway.accepted) == 1
    password = password_in(sms_gateway.accepted[0]["text"])
    assert authenticate(username=foreign_main.user.get_username(), password=password) == foreign_main.user


def test_resending_rotates_the_password(world, foreign_main):
    email, sms = messages_of(foreign_main)
    deliver_message(email.pk)
    deliver_message(sms.pk)
    old_password = password_in(LocmemBackend.outbox[-1].body)
    designation = selectors.main_manager_of(world.enterprise).designation
    services.main_manager_resend_credentials(actor_of(world, world.legal_representative), designation)
    username = foreign_main.user.get_username()
    assert authenticate(username=username, password=old_password) is None
    for message in OutboundMessage.objects.filter(status="pending"):
        deliver_message(message.pk)
    for message in OutboundMessage.objects.filter(status="pending"):
        deliver_message(message.pk)
    new_password = password_in(LocmemBackend.outbox[-1].body)
    assert new_password != old_password
    assert authenticate(username=username, password=new_password) is not None
    assert AuditEvent.objects.filter(action="credentials_sent", target_person=foreign_main).count() == 1


def test_a_foreign_person_needs_an_email_and_a_mobile(world):
    with pytest.raises(services.ActionRefused):
        factories.foreign_main(world, mobile_phone="")
    assert not OutboundMessage.objects.exists()
    assert selectors.main_manager_of(world.enterprise).designation.person == world.main


def test_only_a_legal_representative_designates_the_main_manager(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        factories.foreign_main(world, by=world.co_main)
    assert not OutboundMessage.objects.exists()


def test_the_legal_representative_resends_from_the_main_manager_page(world, login, foreign_main):
    client = login(world.legal_representative)
    response = client.post(f"/e/{world.enterprise.pk}/main-manager/credentials/", {}, follow=True)
    assert "A new username and temporary password are on their way" in response.content.decode()
    assert OutboundMessage.objects.filter(user=foreign_main.user, channel="email").count() == 2


@pytest.mark.parametrize("language", ["en", "fr", "nl", "de"])
def test_the_username_email_names_the_enterprise_and_the_portals_address(world, settings, language):
    settings.PORTAL_URL = "https://portal.example.be"
    person = factories.foreign_main(world, email="ana@example.pt", language=language)
    email, _sms = messages_of(person)
    assert deliver_message(email.pk) == "sent"
    body = mail.outbox[0].body
    assert f"Acme ({world.enterprise.number_display})" in body
    assert "https://portal.example.be/" in body
    assert person.user.get_username() in body


def test_new_credentials_name_the_enterprise_too(world, foreign_main, settings):
    settings.PORTAL_URL = "https://portal.example.be"
    designation = selectors.main_manager_of(world.enterprise).designation
    services.main_manager_resend_credentials(actor_of(world, world.legal_representative), designation)
    latest = OutboundMessage.objects.filter(user=foreign_main.user, purpose="username").latest("pk")
    assert deliver_message(latest.pk) == "sent"
    assert f"Acme ({world.enterprise.number_display})" in mail.outbox[-1].body
    assert "https://portal.example.be/" in mail.outbox[-1].body


# --- Plain text as typed ---------------------------------------------------------------------


def header_text(value):
    from email.header import decode_header, make_header

    return str(make_header(decode_header(value)))


@pytest.mark.parametrize(("given_name", "surname"), [("Zoë", "D'Hondt"), ("Ölçer & <Fils>", 'Van "den" Berg')])
def test_names_and_characters_arrive_as_typed_by_email_and_sms(world, smtp_server, sms_gateway, given_name, surname):
    person = factories.foreign_main(world, given_name=given_name, surname=surname)
    email, sms = messages_of(person)
    assert deliver_message(email.pk) == "sent"
    assert deliver_message(sms.pk) == "sent"

    [received] = smtp_server.messages
    body = smtp_server.bodies()[0]
    assert body.splitlines()[0] == f"Hello {given_name} {surname},"
    assert person.user.get_username() in body
    assert header_text(received["Subject"]) == "Your username for Access Management"
    [text] = [accepted["text"] for accepted in sms_gateway.accepted]
    assert text.startswith("Access Management – your temporary password (it works once, until ")
    for entity in ("&#x27;", "&#39;", "&amp;", "&lt;", "&gt;", "&quot;", "&#x"):
        assert entity not in body + text


EMAIL_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"


def test_every_email_and_sms_template_renders_as_typed_and_subjects_on_one_line():
    from django.utils import timezone, translation

    from accounts.models import User

    typed = 'Ölçer & <Fils> D\'Hondt "x"'
    context = {
        "user": User(first_name=typed, last_name=typed),
        "username": typed,
        "password": typed,
        "expires": timezone.now(),
    }
    names = sorted(path.name for path in EMAIL_TEMPLATES.glob("**/*") if path.is_file())
    assert names  # a template moved elsewhere would make this test pass on nothing
    for language in ("fr", "nl", "de", "en"):
        with translation.override(language):
            for name in names:
                text = outbox.render_text(name, context)
                assert "&#" not in text and "&amp;" not in text and "&lt;" not in text and "&quot;" not in text, name
                if name.endswith("_subject.txt"):
                    subject = outbox.render_subject(name, context)
                    assert subject and "\n" not in subject and "\r" not in subject, name


def test_nothing_renders_the_email_templates_with_html_escaping():
    """The templates of e-mails and SMS go through outbox.render_text only: the site's engine
    would escape them."""
    root = EMAIL_TEMPLATES.parents[1]
    sources = [
        path
        for app in ("access", "accounts", "portal", "contactdata", "chaman", "ebox", "devidp")
        for path in (root / app).glob("**/*.py")
    ]
    assert sources
    for path in sources:
        assert '"emails/' not in path.read_text() and "'emails/" not in path.read_text(), path


# --- A replaced Main Access Manager gets nothing more ---------------------------------------------


def replace_by_a_belgian_person(world):
    person = factories.person(None, "Bea", "Belgian")
    current = selectors.main_manager_of(world.enterprise).designation
    services.main_manager_designate(actor_of(world, world.legal_representative), person, replaces=current.pk)


def replace_by_staff(world):
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create_superuser("staff-member", password=factories.PASSWORD)
    current = selectors.main_manager_of(world.enterprise).designation
    services.main_manager_designate_as_staff(
        enterprise=world.enterprise,
        person=factories.person(None, "Bea", "Belgian"),
        staff=staff,
        reason="The legal representative asked by letter",
        ip="192.0.2.1",
        replaces=current.pk,
    )


def deliver_everything():
    """What the worker and the sweeper would do: every row, sent or not, twice (for the SMS)."""
    for _ in range(2):
        for message_id in OutboundMessage.objects.values_list("pk", flat=True):
            deliver_message(message_id)


@pytest.mark.parametrize("replace", [replace_by_a_belgian_person, replace_by_staff])
def test_a_main_manager_replaced_before_delivery_receives_nothing(world, smtp_server, sms_gateway, replace):
    person = factories.foreign_main(world, email="jean@example.fr")
    replace(world)
    deliver_everything()

    assert smtp_server.messages == [] and sms_gateway.accepted == []
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"cancelled"}
    person.user.refresh_from_db()
    assert not person.user.has_usable_password() and not person.user.password_is_temporary
    event = AuditEvent.objects.get(action="credentials_withdrawn", target_person=person)
    assert event.enterprise == world.enterprise
    assert [(m["channel"], m["purpose"]) for m in event.after["cancelled_messages"]] == [
        ("email", "username"),
        ("sms", "temporary_password"),
    ]


def test_a_main_manager_replaced_between_the_e_mail_and_the_sms_cannot_log_in(world, smtp_server, sms_gateway):
    person = factories.foreign_main(world, email="jean@example.fr")
    email, sms = messages_of(person)
    deliver_message(email.pk)
    assert len(smtp_server.messages) == 1
    username = person.user.get_username()

    replace_by_a_belgian_person(world)
    deliver_everything()

    assert sms_gateway.accepted == []
    sms.refresh_from_db()
    assert sms.status == "cancelled" and sms.sent_at is None
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/accounts/login/", {"login": username, "password": ""})
    assert not response.wsgi_request.user.is_authenticated
    event = AuditEvent.objects.get(action="credentials_withdrawn", target_person=person)
    assert [m["id"] for m in event.after["cancelled_messages"]] == [sms.pk]


def test_the_temporary_password_of_a_replaced_main_manager_stops_working(world, sms_gateway):
    person = factories.foreign_main(world)
    deliver_everything()
    password = password_in(sms_gateway.accepted[0]["text"])
    assert authenticate(username=person.user.get_username(), password=password) == person.user

    replace_by_a_belgian_person(world)

    assert authenticate(username=person.user.get_username(), password=password) is None
    event = AuditEvent.objects.get(action="credentials_withdrawn", target_person=person)
    assert event.after["cancelled_messages"] == [] and "password" in event.after["reset"]
