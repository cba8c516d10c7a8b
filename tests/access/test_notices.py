"""People are told of changes to their own access (docs/design.md §5.9): each change records a
notice in its transaction; a person's notices are gathered into one e-mail of the outbox once
their batch has closed, written in their language, and delivered by the outbox to a real SMTP
server. Nobody is told of what they did; a person without an e-mail address is told nothing."""

from datetime import timedelta
from email.header import decode_header, make_header

import pytest
import time_machine
from django.db import transaction
from django.utils import formats, timezone

from access import notices, selectors, services
from access.models import Designation, Grant, Notice, OnlineService
from access.tasks import grants_expiring_tell, notices_send, notices_sweep
from accounts import outbox
from accounts.models import OutboundMessage
from accounts.tasks import deliver_message
from tests import factories
from tests.factories import actor_of

pytestmark = pytest.mark.django_db

WINDOW = 120
NNBSP = "\u202f"


@pytest.fixture(autouse=True)
def batch_of_two_minutes(settings):
    settings.NOTICE_BATCH_SECONDS = WINDOW


@pytest.fixture
def reachable(world):
    """The people the tests tell: the member of the employer group and the taxpayer, with an e-mail address."""
    for person, email in ((world.member, "mats@example.be"), (world.tax_member, "tom@example.be")):
        person.email = email
        person.save(update_fields=["email"])
    return world


def later(seconds: int = WINDOW + 1):
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=False)


def received(smtp_server) -> dict[str, tuple[str, str]]:
    """What the SMTP server received, by recipient: the subject and the body, as a reader sees them."""
    bodies = smtp_server.bodies()
    return {
        message["To"]: (str(make_header(decode_header(message["Subject"]))), bodies[index].replace("\r\n", "\n"))
        for index, message in enumerate(smtp_server.messages)
    }


def kinds(person) -> list[str]:
    return list(Notice.objects.filter(person=person).order_by("pk").values_list("kind", flat=True))


def service(code: str) -> OnlineService:
    return OnlineService.objects.get(code=code)


# --- What is recorded ------------------------------------------------------------------------------


def test_each_change_of_a_persons_access_records_a_notice(reachable):
    w = reachable
    gm, main = actor_of(w, w.group_manager), actor_of(w, w.main)
    membership = w.member_membership
    services.grant_create(gm, membership, service("dmfa"))
    services.grant_revoke(gm, membership, service("dmfa"))
    services.membership_block(gm, membership, reason="Badge lost", until=timezone.localdate() + timedelta(days=3))
    services.membership_unblock(gm, membership)
    services.person_block_everywhere(main, w.member, reason="Inquiry")
    services.person_unblock_everywhere(main, w.member)
    designation = services.designation_create(
        main, kind="group_manager", person=w.tax_member, group=w.groups["pension_fund"]
    )
    services.designation_revoke(main, designation)
    services.membership_delete(gm, membership, reason="Left")
    added = services.membership_create(
        main, group=w.groups["pension_fund"], person=w.member, services=[service("db2p")]
    )

    assert kinds(w.member) == [
        "granted",
        "revoked",
        "blocked",
        "unblocked",
        "blocked",
        "unblocked",
        "removed",
        "added",
        "granted",
    ]
    assert kinds(w.tax_member) == ["designated", "designation_revoked"]
    granted, _revoked, blocked_here, *_rest = Notice.objects.filter(person=w.member).order_by("pk")
    assert granted.details == {"group": "employer", "service": "dmfa"}
    assert granted.enterprise == w.enterprise and granted.sent_at is None
    assert blocked_here.details == {
        "group": "employer",
        "until": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "reason": "",  # not shared: the journal keeps it
    }
    assert Notice.objects.filter(person=w.tax_member).first().details == {  # type: ignore[union-attr]
        "kind": "group_manager",
        "domain": None,
        "group": "pension_fund",
    }
    assert added.pk and Notice.objects.filter(person=w.member, kind="added").get().details == {"group": "pension_fund"}
    with later():
        [message] = notices.notices_gather(w.tax_member.pk)
    assert (
        "- You have been designated Group Manager for the group Pension-fund manager.\n"
        "- You are no longer Group Manager for the group Pension-fund manager.\n"
    ) in message.body


def test_a_reason_is_told_only_when_the_manager_shares_it(reachable):
    w = reachable
    gm = actor_of(w, w.group_manager)
    services.membership_block(gm, w.member_membership, reason="Shared a password", share_reason=True)
    services.person_block_everywhere(actor_of(w, w.main), w.tax_member, reason="Kept private")
    assert Notice.objects.get(person=w.member).details["reason"] == "Shared a password"
    assert Notice.objects.get(person=w.tax_member).details == {"until": None, "reason": ""}
    # The choice is kept with the block, in the journal.
    blocks = selectors.journal_in_scope(actor_of(w, w.main)).filter(
        action__in=["membership_blocked", "enterprise_blocked"]
    )
    assert sorted(event.after["reason_shared"] for event in blocks) == [False, True]


def test_nobody_is_told_of_what_they_did_themselves(reachable):
    w = reachable
    w.legal_representative.email = "lea@example.be"
    w.legal_representative.save(update_fields=["email"])
    lr = actor_of(w, w.legal_representative)
    current = selectors.main_manager_of(w.enterprise)
    services.main_manager_designate(lr, w.legal_representative, replaces=current.designation.pk if current else None)
    assert Designation.objects.get(person=w.legal_representative, revoked_at__isnull=True).kind == "main"
    assert kinds(w.legal_representative) == []


def test_a_person_without_an_email_address_is_told_nothing(world):
    assert world.pension_member.email == ""
    services.membership_block(actor_of(world, world.main), world.pension_membership, reason="r", share_reason=True)
    assert not Notice.objects.exists()


def test_a_main_manager_without_a_belgian_number_learns_of_it_from_the_username_email(world):
    world.main.email = "marie@example.be"
    world.main.save(update_fields=["email"])
    foreign = factories.foreign_main(world, email="ana@example.pt")
    assert kinds(foreign) == []
    # The Main Access Manager they replaced is told.
    assert kinds(world.main) == ["designation_revoked"]
    assert OutboundMessage.objects.filter(user=foreign.user, purpose="username").count() == 1


def test_a_change_rolled_back_tells_nobody(reachable):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.grant_create(
            actor_of(reachable, reachable.group_manager), reachable.member_membership, service("dmfa")
        )
        raise RuntimeError("the request failed after the grant")
    assert not Notice.objects.exists()


def test_the_gathering_is_queued_on_commit_a_batch_later(reachable, monkeypatch, django_capture_on_commit_callbacks):
    published = []
    monkeypatch.setattr(notices_send, "apply_async", lambda args, countdown: published.append((args, countdown)))
    with django_capture_on_commit_callbacks() as callbacks:
        services.grant_create(
            actor_of(reachable, reachable.group_manager), reachable.member_membership, service("dmfa")
        )
    assert published == []  # not before the commit
    for callback in callbacks:
        callback()
    assert published == [((reachable.member.pk,), WINDOW + 1)]


# --- One e-mail per person per batch ------------------------------------------------------------------


def bulk_of_changes(w, count: int) -> None:
    """A manager at work: `count` changes to the member, three to the taxpayer, one after the other."""
    main = actor_of(w, w.main)
    for index in range(count):
        if index % 2:
            services.grant_revoke(main, w.member_membership, service("dmfa"))
        else:
            services.grant_create(main, w.member_membership, service("dmfa"))
    services.membership_block(main, w.tax_membership, reason="Audit", share_reason=True)
    services.membership_unblock(main, w.tax_membership)
    services.grant_revoke(main, w.tax_membership, service("myminfin"))


@pytest.mark.parametrize("count", [1, 12])
def test_a_bulk_of_changes_makes_one_email_per_person(
    reachable, count, smtp_server, eager_tasks, django_capture_on_commit_callbacks
):
    w = reachable
    bulk_of_changes(w, count)
    assert Notice.objects.filter(person=w.member).count() == count
    # Within the batch nothing is sent: more changes may come.
    assert notices_sweep() == 0 and notices_send(w.member.pk) == 0
    with later(), django_capture_on_commit_callbacks(execute=True):
        assert notices_sweep() == 2
    assert notices_sweep() == 0  # told once

    messages = OutboundMessage.objects.filter(purpose="access_changes").order_by("recipient")
    assert [(m.recipient, m.status, m.user_id) for m in messages] == [
        ("mats@example.be", "sent", w.member.user_id),
        ("tom@example.be", "sent", w.tax_member.user_id),
    ]
    mails = received(smtp_server)
    assert len(smtp_server.messages) == 2 and sorted(mails) == ["mats@example.be", "tom@example.be"]
    assert not Notice.objects.filter(sent_at__isnull=True).exists()
    subject, body = mails["mats@example.be"]
    assert subject == "Your access has changed – Access Management"
    assert body.count("\n- ") == count
    assert "Hello Mats Member," in body
    assert f"Acme ({w.enterprise.number_display})" in body
    assert "Online service granted: DmfA (multifunctional declaration), in the group Employer." in body
    tom = mails["tom@example.be"][1]
    assert "You are blocked for the group Corporate taxpayer.\n  Reason: Audit" in tom
    assert "You are unblocked for the group Corporate taxpayer." in tom
    assert "Online service revoked: MyMinfin" in tom
    for text in (body, tom):
        assert w.member.niss not in text and w.tax_member.niss not in text


def test_a_batch_stays_open_while_changes_keep_coming_but_not_forever(reachable):
    w = reachable
    gm = actor_of(w, w.group_manager)
    start = timezone.now()
    sent = []
    for minute in range(12):  # a change every minute: the batch of two minutes never closes by itself
        with time_machine.travel(start + timedelta(seconds=60 * minute), tick=False):
            if minute % 2:
                services.grant_revoke(gm, w.member_membership, service("dmfa"))
            else:
                services.grant_create(gm, w.member_membership, service("dmfa"))
            sent.append(len(notices.notices_gather(w.member.pk)))
    # Once the first change has waited five batches, what has come so far goes; the rest waits.
    assert sent == [0] * 10 + [1, 0]
    assert Notice.objects.filter(person=w.member, sent_at__isnull=True).count() == 1


def test_changes_in_two_enterprises_come_in_one_email(reachable):
    w = reachable
    other = selectors.Actor(
        person=w.other_enterprise_manager,
        enterprise=w.other_enterprise,
        standing=selectors.standing_of(w.other_enterprise_manager.pk, w.other_enterprise.pk),
    )
    services.membership_create(other, group=w.other_groups["employer"], person=w.member)
    services.membership_block(actor_of(w, w.group_manager), w.member_membership, reason="r")
    with later():
        [message] = notices.notices_gather(w.member.pk)
    assert f"Acme ({w.enterprise.number_display})\n- You are blocked for the group Employer." in message.body
    assert f"Other ({w.other_enterprise.number_display})\n- You have been added to the group Employer." in message.body


def test_the_email_is_written_in_the_persons_language(reachable):
    w = reachable
    expected = {
        "fr": ("Vos accès ont changé – Gestion des accès", f"Motif{NNBSP}: Audit"),
        "nl": ("Uw toegang is gewijzigd – Toegangsbeheer", "Reden: Audit"),
        "de": ("Ihr Zugriff hat sich geändert – Zugriffsverwaltung", "Grund: Audit"),
        "en": ("Your access has changed – Access Management", "Reason: Audit"),
    }
    for language, (subject, reason) in expected.items():
        w.member.preferred_language = language
        w.member.save(update_fields=["preferred_language"])
        services.membership_block(actor_of(w, w.group_manager), w.member_membership, reason="Audit", share_reason=True)
        services.membership_unblock(actor_of(w, w.group_manager), w.member_membership)
        with later():
            [message] = notices.notices_gather(w.member.pk)
        Notice.objects.filter(person=w.member).delete()
        assert (message.language, message.subject) == (language, subject)
        assert reason in message.body, message.body


def test_a_person_who_lost_their_email_address_gets_none_and_is_not_told_later(reachable):
    w = reachable
    services.membership_block(actor_of(w, w.group_manager), w.member_membership, reason="r")
    w.member.email = ""
    w.member.save(update_fields=["email"])
    with later():
        assert notices.notices_gather(w.member.pk) == []
    assert Notice.objects.get(person=w.member).sent_at is not None
    assert not OutboundMessage.objects.exists()


def test_a_person_is_told_once_however_often_the_gathering_runs(reachable):
    services.membership_block(actor_of(reachable, reachable.group_manager), reachable.member_membership, reason="r")
    with later():
        assert len(notices.notices_gather(reachable.member.pk)) == 1
        assert notices.notices_gather(reachable.member.pk) == []
        assert notices_sweep() == 0
    assert OutboundMessage.objects.count() == 1


def test_a_block_with_its_reason_shared_reaches_the_person_over_smtp_at_once_without_a_batch(
    reachable, settings, smtp_server, eager_tasks, django_capture_on_commit_callbacks
):
    """With tasks inline and no batch (as `make run`), the real path: on commit the gathering,
    then the outbox's delivery to the SMTP server."""
    settings.NOTICE_BATCH_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_block(
            actor_of(reachable, reachable.group_manager),
            reachable.member_membership,
            reason="Shared her badge",
            share_reason=True,
        )
    [message] = OutboundMessage.objects.all()
    assert (message.purpose, message.status, message.recipient) == ("access_changes", "sent", "mats@example.be")
    assert len(smtp_server.messages) == 1
    assert (
        "You are blocked for the group Employer.\n  Reason: Shared her badge"
        in received(smtp_server)["mats@example.be"][1]
    )
    assert smtp_server.messages[0]["Message-ID"].startswith(f"<outbox-{message.pk}-")
    # Sent as written, once: running the delivery again sends nothing more.
    assert deliver_message(message.pk) == "sent"
    assert len(smtp_server.messages) == 1


# --- Grants that end soon -------------------------------------------------------------------------


def test_a_grant_ending_within_14_days_is_told_of_once_per_end_date(reachable):
    w = reachable
    today = timezone.localdate()
    grant = Grant.objects.get(membership=w.member_membership, service__code="dimona")
    far = Grant.objects.get(membership=w.tax_membership, service__code="myminfin")
    Grant.objects.filter(pk=grant.pk).update(valid_until=today + timedelta(days=14))
    Grant.objects.filter(pk=far.pk).update(valid_until=today + timedelta(days=15))

    assert grants_expiring_tell() == 1
    assert grants_expiring_tell() == 0  # remembered
    notice = Notice.objects.get(kind="expiring")
    assert (notice.person, notice.grant, notice.valid_until) == (w.member, grant, today + timedelta(days=14))
    with later():
        [message] = notices.notices_gather(w.member.pk)
    date_text = formats.date_format(today + timedelta(days=14), "DATE_FORMAT")  # in English, as the test reads
    assert (
        f"Your online service Dimona (immediate declaration of employment), in the group Employer, ends on {date_text}."
        in message.body
    )

    # Its end moved: told again, for the new date.
    Grant.objects.filter(pk=grant.pk).update(valid_until=today + timedelta(days=10))
    assert grants_expiring_tell() == 1
    # A revoked grant, or one of a person without an e-mail address, is not told of.
    Grant.objects.filter(pk=grant.pk).update(valid_until=today + timedelta(days=9), revoked_at=timezone.now())
    pension = Grant.objects.get(membership=w.pension_membership)
    Grant.objects.filter(pk=pension.pk).update(valid_until=today + timedelta(days=2))
    assert grants_expiring_tell() == 0


def test_an_email_about_access_is_not_a_credential(world):
    """The Main Access Manager's page follows the username e-mail and the password SMS only, and
    new credentials cancel the credentials on their way, not an e-mail about access."""
    foreign = factories.foreign_main(world, email="ana@example.pt")
    told = outbox.written_email(
        recipient="ana@example.pt",
        language="en",
        subject="Your access has changed",
        body="-",
        purpose=OutboundMessage.Purpose.ACCESS_CHANGES,
        user=foreign.user,
    )
    status = selectors.main_manager_of(world.enterprise)
    assert status is not None
    assert [m.purpose for m in status.messages] == ["username", "temporary_password"]
    services.main_manager_resend_credentials(actor_of(world, world.legal_representative), status.designation)
    told.refresh_from_db()
    assert told.status == "pending"
    assert OutboundMessage.objects.filter(user=foreign.user, status="cancelled").count() == 2
