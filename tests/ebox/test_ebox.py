"""e-Box Enterprise: who sees which message and task, read and unread per person."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from access.models import AuditEvent, OnlineService
from ebox.models import Message, Reading, Task
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def box(world):
    def message(subject, **extra):
        return Message.objects.create(
            enterprise=world.enterprise, sender_institution="ONSS", subject=subject, body="Body", **extra
        )

    general = message("Annual reminder")
    for_dimona = message("Dimona change", required_service=OnlineService.objects.get(code="dimona"))
    for_biztax = message("Tax notice", required_service=OnlineService.objects.get(code="biztax"))
    message("Old news", sent_at=timezone.now() - timedelta(days=10), expires_at=timezone.now() - timedelta(days=1))
    Message.objects.create(enterprise=world.other_enterprise, sender_institution="ONSS", subject="Other's", body="x")
    task = Task.objects.create(
        enterprise=world.enterprise, service=OnlineService.objects.get(code="dimona"), title="Confirm hires"
    )
    return {"general": general, "dimona": for_dimona, "biztax": for_biztax, "task": task}


def inbox(client, world):
    return client.get(f"/e/{world.enterprise.pk}/ebox/").content.decode()


def test_every_user_sees_the_messages_except_those_of_services_they_lack(world, login, box):
    page = inbox(login(world.member), world)  # holds dimona
    assert "Annual reminder" in page and "Dimona change" in page
    assert "Tax notice" not in page and "Old news" not in page and "Other&#x27;s" not in page
    assert "Confirm hires" in page
    tax = inbox(login(world.tax_member), world)  # holds myminfin, not dimona nor biztax
    assert "Annual reminder" in tax
    assert "Dimona change" not in tax and "Tax notice" not in tax and "Confirm hires" not in tax


def test_reading_marks_read_for_that_person_only_and_the_count_drops(world, login, box):
    member = login(world.member)
    assert "2 unread e-Box messages" in member.get("/").content.decode()
    page = member.get(f"/e/{world.enterprise.pk}/ebox/{box['general'].pk}/").content.decode()
    assert "Annual reminder" in page
    assert "1 unread e-Box message" in member.get("/").content.decode()
    assert Reading.objects.filter(person=world.member).count() == 1
    # Another reader still has it unread (the MAM holds no Dimona: one message for them).
    assert "1 unread message" in inbox(login(world.main), world)
    assert "Dimona change" not in inbox(login(world.main), world)


def test_a_message_of_a_service_one_lacks_is_not_found(world, login, box):
    assert login(world.member).get(f"/e/{world.enterprise.pk}/ebox/{box['biztax'].pk}/").status_code == 404
    other = Message.objects.get(subject="Other's")
    assert login(world.member).get(f"/e/{world.enterprise.pk}/ebox/{other.pk}/").status_code == 404


@pytest.mark.parametrize(
    "persona, status",
    [("member", 200), ("group_manager", 200), ("main", 200), ("legal_representative", 403), ("outsider", 404)],
)
def test_who_opens_the_ebox(world, login, persona, status):
    assert login(getattr(world, persona)).get(f"/e/{world.enterprise.pk}/ebox/").status_code == status


def test_staff_post_a_message_with_the_command_and_it_is_journaled(world, login):
    call_command(
        "post_ebox_message",
        world.enterprise.number_display,
        "--institution=SPF Finances",
        "--subject=New rules",
        "--body=Read them.",
        "--service=dimona",
    )
    message = Message.objects.get(subject="New rules")
    assert message.required_service.code == "dimona"
    assert AuditEvent.objects.get(action="ebox_message_posted").after["staff"] == "manage.py post_ebox_message"
    assert "New rules" in inbox(login(world.member), world)


def test_the_inbox_keeps_its_number_of_queries_as_messages_grow(world, login):
    client = login(world.member)
    inbox_url = f"/e/{world.enterprise.pk}/ebox/"

    def grow(count):
        Message.objects.bulk_create(
            Message(enterprise=world.enterprise, sender_institution="ONSS", subject=f"M{i}", body="x")
            for i in range(count)
        )

    grow(5)
    few = queries_of(client, inbox_url)
    grow(500)
    assert queries_of(client, inbox_url) == few


def test_a_message_reads_in_the_language_of_the_page_when_the_institution_gave_it(world, login):
    Message.objects.create(
        enterprise=world.enterprise,
        sender_institution="ONSS / RSZ",
        subject="Rappel",
        body="La déclaration est due.",
        language="fr",
        translations={"nl": {"subject": "Herinnering", "body": "De aangifte is verschuldigd."}},
    )
    Task.objects.create(
        enterprise=world.enterprise,
        service=OnlineService.objects.get(code="dimona"),
        title="Corriger deux déclarations",
        language="fr",
        translations={"nl": {"title": "Twee aangiften verbeteren", "description": "Vorige week geweigerd."}},
    )
    client = login(world.member)
    message = Message.objects.get(subject="Rappel")

    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    dutch = inbox(client, world)
    assert "Herinnering" in dutch and "Twee aangiften verbeteren" in dutch and "Vorige week geweigerd." in dutch
    assert "Rappel" not in dutch and "Corriger" not in dutch
    page = client.get(f"/e/{world.enterprise.pk}/ebox/{message.pk}/").content.decode()
    assert "<h1>Herinnering</h1>" in page and "De aangifte is verschuldigd." in page

    # Not given in German: shown as written, and marked as French for the reader's software.
    client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    page = client.get(f"/e/{world.enterprise.pk}/ebox/{message.pk}/").content.decode()
    assert '<h1 lang="fr">Rappel</h1>' in page
    assert '<div class="message-body" lang="fr"><p>La déclaration est due.</p></div>' in page
    assert 'lang="fr">Corriger deux déclarations</strong>' in inbox(client, world)


def test_staff_post_a_message_in_several_languages_with_the_command(world, login):
    call_command(
        "post_ebox_message",
        world.enterprise.number_display,
        "--institution=SPF Finances",
        "--language=fr",
        "--subject=Nouvelles règles",
        "--body=Lisez-les.",
        "--translation",
        "nl",
        "Nieuwe regels",
        "Lees ze.",
        "--translation",
        "en",
        "New rules",
        "Read them.",
    )
    message = Message.objects.get(subject="Nouvelles règles")
    assert message.language == "fr"
    assert message.translations == {
        "nl": {"subject": "Nieuwe regels", "body": "Lees ze."},
        "en": {"subject": "New rules", "body": "Read them."},
    }
    assert "New rules" in inbox(login(world.member), world)


def test_translations_in_another_shape_or_language_are_refused(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="translations"):
        call_command(
            "post_ebox_message",
            world.enterprise.number_display,
            "--institution=ONSS",
            "--subject=Hi",
            "--body=x",
            "--translation",
            "es",
            "Hola",
            "x",
        )
    assert not Message.objects.exists()
