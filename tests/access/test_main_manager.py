"""The Main Access Manager's page: a form shown before the MAM changed replaces nobody, and the
designations and new credentials that cost an SMS are limited per actor and per enterprise."""

import re

import pytest

from access import selectors
from access.models import AuditEvent, Designation, Person
from accounts.models import OutboundMessage
from tests import factories

pytestmark = pytest.mark.django_db


CHANGED = "The Main Access Manager has just changed."
TOO_MANY = "Too many usernames and temporary passwords have been sent recently. Nothing was sent"


def shown_replaces(page: str, prefix: str) -> str:
    field = re.search(rf'<input type="hidden" name="{prefix}-replaces"[^>]*>', page)
    assert field, f"no {prefix}-replaces field on the page"
    value = re.search(r'value="(\d*)"', field.group(0))
    return value.group(1) if value else ""


def foreign_form(replaces: str, surname: str = "Silva") -> dict:
    return {
        "foreign-given_name": "Ana",
        "foreign-surname": surname,
        "foreign-email": "ana@example.pt",
        "foreign-mobile_phone": "+351912345678",
        "foreign-language": "en",
        "foreign-replaces": replaces,
    }


def belgian_form(replaces: str, niss: str) -> dict:
    return {
        "belgian-niss": niss,
        "belgian-given_name": "Bea",
        "belgian-surname": "Belgian",
        "belgian-replaces": replaces,
    }


@pytest.fixture
def second_representative(world):
    person = factories.person("second_lr", "Sam", "Second")
    world.enterprise.legal_representatives.create(person=person)
    return person


# --- A stale form --------------------------------------------------------------------------------


def test_a_form_shown_before_the_main_manager_changed_replaces_nobody(world, login, second_representative):
    path = f"/e/{world.enterprise.pk}/main-manager/"
    first, second = login(world.legal_representative), login(second_representative)
    stale = shown_replaces(first.get(path).content.decode(), "foreign")
    assert stale == str(selectors.main_manager_of(world.enterprise).designation.pk)

    # The other legal representative designates someone in the meantime.
    winner_niss = factories.niss()
    assert second.post(path + "belgian/", belgian_form(stale, winner_niss)).status_code == 302
    winner = selectors.main_manager_of(world.enterprise).designation
    events = AuditEvent.objects.count()

    response = first.post(path + "foreign/", foreign_form(stale))
    page = response.content.decode()
    assert response.status_code == 200
    assert CHANGED in page
    assert selectors.main_manager_of(world.enterprise).designation == winner
    assert winner.person.niss == winner_niss
    assert AuditEvent.objects.count() == events
    assert not OutboundMessage.objects.exists()
    assert not Designation.objects.filter(person__surname="Silva").exists()

    # The page now shows the new MAM, and the form replaces them: sent again, it goes through.
    assert "Bea Belgian" in page
    assert shown_replaces(page, "foreign") == str(winner.pk)
    assert first.post(path + "foreign/", foreign_form(str(winner.pk))).status_code == 302
    assert selectors.main_manager_of(world.enterprise).designation.person.surname == "Silva"


def test_a_form_shown_when_there_was_no_main_manager_replaces_nobody(world, login):
    Designation.objects.filter(enterprise=world.enterprise, kind="main").delete()
    path = f"/e/{world.enterprise.pk}/main-manager/"
    client = login(world.legal_representative)
    assert shown_replaces(client.get(path).content.decode(), "belgian") == ""
    factories.designate(world.enterprise, world.co_main, "main")

    response = client.post(path + "belgian/", belgian_form("", factories.niss()))
    assert CHANGED in response.content.decode()
    assert selectors.main_manager_of(world.enterprise).designation.person == world.co_main


def test_staff_designation_from_a_stale_form_replaces_nobody(world, staff_client):
    path = f"/admin/access/enterprise/{world.enterprise.pk}/main-manager/"
    stale = re.search(r'name="replaces" value="(\d*)"', staff_client.get(path).content.decode()).group(1)
    factories.foreign_main(world)
    current = selectors.main_manager_of(world.enterprise).designation

    late = {"given_name": "B", "surname": "Late", "language": "fr", "reason": "Letter", "replaces": stale}
    for person in ({"niss": factories.niss()}, {"email": "late@example.pt", "mobile_phone": "+351912345679"}):
        response = staff_client.post(path, late | person)
        assert CHANGED in response.content.decode()
        assert selectors.main_manager_of(world.enterprise).designation == current
    assert not Person.objects.filter(surname="Late").exists()
    assert OutboundMessage.objects.exclude(user=current.person.user).count() == 0


# --- Limits on what costs an SMS -------------------------------------------------------------------


@pytest.fixture
def limits(settings):
    settings.CREDENTIALS_RATE_PER_ACTOR = (2, 3600)
    settings.CREDENTIALS_RATE_PER_ENTERPRISE = (3, 86400)


def designate_foreign(client, world, surname: str):
    path = f"/e/{world.enterprise.pk}/main-manager/"
    replaces = shown_replaces(client.get(path).content.decode(), "foreign")
    return client.post(path + "foreign/", foreign_form(replaces, surname), follow=True)


def sms_queued() -> int:
    return OutboundMessage.objects.filter(channel="sms").count()


def test_designations_of_foreign_main_managers_are_limited_per_actor(world, login, limits):
    client = login(world.legal_representative)
    for surname in ("One", "Two"):
        assert "The Main Access Manager is designated" in designate_foreign(client, world, surname).content.decode()
    assert sms_queued() == 2

    page = designate_foreign(client, world, "Three").content.decode()
    assert TOO_MANY in page
    assert sms_queued() == 2
    assert selectors.main_manager_of(world.enterprise).designation.person.surname == "Two"
    assert not Designation.objects.filter(person__surname="Three").exists()
    refusal = AuditEvent.objects.get(action="credentials_limited")
    assert (refusal.actor, refusal.enterprise) == (world.legal_representative, world.enterprise)
    assert refusal.after["limit"] == "actor"


def test_new_credentials_are_limited_per_actor(world, login, limits):
    factories.foreign_main(world)  # the first sending
    client = login(world.legal_representative)
    path = f"/e/{world.enterprise.pk}/main-manager/"
    assert "are on their way" in client.post(path + "credentials/", {}, follow=True).content.decode()
    assert sms_queued() == 2

    page = client.post(path + "credentials/", {}, follow=True).content.decode()
    assert TOO_MANY in page
    assert sms_queued() == 2
    assert OutboundMessage.objects.filter(status="pending").count() == 1  # the second sending, untouched
    refusal = AuditEvent.objects.get(action="credentials_limited")
    assert refusal.target_person == selectors.main_manager_of(world.enterprise).designation.person
    assert AuditEvent.objects.filter(action="credentials_sent").count() == 1


def test_sendings_are_limited_per_enterprise_whoever_asks(world, login, second_representative, staff_client, limits):
    first, second = login(world.legal_representative), login(second_representative)
    path = f"/e/{world.enterprise.pk}/main-manager/"
    designate_foreign(first, world, "One")
    designate_foreign(first, world, "Two")
    assert "are on their way" in second.post(path + "credentials/", {}, follow=True).content.decode()
    assert sms_queued() == 3

    assert TOO_MANY in second.post(path + "credentials/", {}, follow=True).content.decode()
    credentials = f"/admin/access/enterprise/{world.enterprise.pk}/main-manager/credentials/"
    assert TOO_MANY in staff_client.post(credentials, {"reason": "Lost phone"}).content.decode()
    assert sms_queued() == 3
    refusals = AuditEvent.objects.filter(action="credentials_limited").order_by("pk")
    assert [(r.actor, r.after["limit"]) for r in refusals] == [
        (second_representative, "enterprise"),
        (None, "enterprise"),
    ]
    assert refusals[1].after["staff"] == "staff" and refusals[1].reason == "Lost phone"

    # Another enterprise is not held up by this one.
    other = factories.person("other_lr", "Olivia", "Other")
    world.other_enterprise.legal_representatives.create(person=other)
    other_path = f"/e/{world.other_enterprise.pk}/main-manager/"
    other_client = login(other)
    replaces = shown_replaces(other_client.get(other_path).content.decode(), "foreign")
    assert other_client.post(other_path + "foreign/", foreign_form(replaces, "Else")).status_code == 302


def test_staff_sendings_are_limited_per_member_of_staff(world, staff_client, limits):
    factories.foreign_main(world)
    credentials = f"/admin/access/enterprise/{world.enterprise.pk}/main-manager/credentials/"
    assert staff_client.post(credentials, {"reason": "Lost phone"}).status_code == 302
    assert staff_client.post(credentials, {"reason": "Lost phone again"}).status_code == 302
    response = staff_client.post(credentials, {"reason": "And again"})
    assert TOO_MANY in response.content.decode()
    assert sms_queued() == 3
    refusal = AuditEvent.objects.get(action="credentials_limited")
    assert refusal.after["limit"] == "actor" and refusal.after["staff"] == "staff"


@pytest.mark.parametrize(
    ("value", "rate"), [("5/h", (5, 3600)), ("10/d", (10, 86400)), ("3/15m", (3, 900)), ("", (5, 3600))]
)
def test_a_rate_is_read_from_the_environment(monkeypatch, value, rate):
    from portal.settings import env_rate

    monkeypatch.setenv("CREDENTIALS_RATE_PER_ACTOR", value)
    assert env_rate("CREDENTIALS_RATE_PER_ACTOR", "5/h") == rate


@pytest.mark.parametrize("value", ["5", "0/h", "five/h", "5/w", "5/xh"])
def test_a_bad_rate_stops_the_start_up(monkeypatch, value):
    from django.core.exceptions import ImproperlyConfigured

    from portal.settings import env_rate

    monkeypatch.setenv("CREDENTIALS_RATE_PER_ENTERPRISE", value)
    with pytest.raises(ImproperlyConfigured, match="CREDENTIALS_RATE_PER_ENTERPRISE must be a rate"):
        env_rate("CREDENTIALS_RATE_PER_ENTERPRISE", "10/d")


def test_only_those_who_may_send_use_up_the_enterprise_s_sendings(world, login, limits):
    from django.core.exceptions import PermissionDenied

    from access import services
    from tests.factories import actor_of

    factories.foreign_main(world)
    designation = selectors.main_manager_of(world.enterprise).designation
    for _ in range(3):
        with pytest.raises(PermissionDenied):
            services.main_manager_resend_credentials(actor_of(world, world.co_main), designation)
    client = login(world.legal_representative)
    path = f"/e/{world.enterprise.pk}/main-manager/"
    assert "are on their way" in client.post(path + "credentials/", {}, follow=True).content.decode()
    assert not AuditEvent.objects.filter(action="credentials_limited").exists()


def test_new_credentials_for_a_main_manager_replaced_meanwhile_are_refused(world, login):
    from access import services
    from tests.factories import actor_of

    factories.foreign_main(world)
    shown = selectors.main_manager_of(world.enterprise).designation
    services.main_manager_designate(actor_of(world, world.legal_representative), world.co_main, replaces=shown.pk)

    with pytest.raises(services.ActionRefused, match="The Main Access Manager has just changed"):
        services.main_manager_resend_credentials(actor_of(world, world.legal_representative), shown)
    assert not AuditEvent.objects.filter(action="credentials_sent").exists()


def test_without_the_cache_the_designation_stands_and_its_messages_wait(world, settings, caplog):
    settings.CACHES = {
        "default": {"BACKEND": "portal.cache.SharedClientRedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    person = factories.foreign_main(world)
    assert selectors.main_manager_of(world.enterprise).designation.person == person
    waiting = sorted(OutboundMessage.objects.values_list("channel", "status"))
    assert waiting == [("email", "pending"), ("sms", "waiting")]
    assert "Sendings of credentials not counted: the cache is unavailable" in caplog.text
