"""The journal is append-only in PostgreSQL itself, and every security event writes exactly one row.

The database refuses UPDATE, DELETE and TRUNCATE of the journal from any role (migrations 0004 and
journal_refuses_truncate), so that neither a bug that goes around the model's own refusal nor a
console session rewrites history. The suite empties the journal between transactional tests in
PostgreSQL's replica mode, where no ordinary trigger fires (tests/conftest.py).

The table of events is built from AuditEvent.Action: a new kind of event without a case here
fails `test_every_kind_of_event_has_a_case`.
"""

import ast
import html
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import requests
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.test import Client, TestCase
from django.utils import timezone

from access import services
from access.models import (
    AuditEvent,
    Designation,
    Enterprise,
    EnterpriseBlock,
    FourEyesSetting,
    Membership,
    OnlineService,
    Person,
)
from provisioning.models import ProvisionedUser, ProvisioningToken
from tests import factories
from tests.factories import actor_of
from tests.provisioning.conftest import make_token, patch_body, user_body
from tests.staff import create_staff, log_in_staff

APPEND_ONLY = "The journal is append-only"


def journal_written_by(action: Callable[[], object]) -> list[AuditEvent]:
    """The journal rows that `action` wrote, oldest first."""
    last = AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    action()
    return list(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))


# --- Append-only in the database -----------------------------------------------------------


@pytest.fixture
def event(world):
    services.membership_block(actor_of(world, world.group_manager), world.member_membership, reason="Inquiry")
    return AuditEvent.objects.get(action="membership_blocked")


@pytest.fixture(params=["connection role", "table owner without superuser"])
def journal_role(request, db):
    """The role the SQL runs as: the test connection's own (a superuser in CI), or a role that
    owns the journal table, as the portal's role does after running its own migrations. The
    role exists only inside the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone()[0], "CI connects as a superuser: the trigger must hold even then"
        if request.param != "connection role":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check may be pending on ALTER
            probe = f"journal_owner_probe_{os.getpid()}"  # role names are shared by every database
            cursor.execute(f"CREATE ROLE {probe} NOLOGIN NOSUPERUSER")
            cursor.execute(f"ALTER TABLE access_auditevent OWNER TO {probe}")
            cursor.execute(f"SET LOCAL ROLE {probe}")
    yield request.param
    if request.param != "connection role":
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def refused_by_the_database(sql: str, params: list) -> str:
    with pytest.raises(DatabaseError) as refusal, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(refusal.value)


@pytest.mark.django_db
class TestAppendOnly:
    def test_raw_update_is_refused(self, event, journal_role):
        message = refused_by_the_database("UPDATE access_auditevent SET reason = %s WHERE id = %s", ["x", event.pk])
        assert f"{APPEND_ONLY}: UPDATE of journal event {event.pk} refused" in message
        assert AuditEvent.objects.get(pk=event.pk).reason == "Inquiry"

    def test_raw_delete_is_refused(self, event, journal_role):
        message = refused_by_the_database("DELETE FROM access_auditevent WHERE id = %s", [event.pk])
        assert f"{APPEND_ONLY}: DELETE of journal event {event.pk} refused" in message
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_truncate_is_refused(self, event, journal_role):
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no pending check
        message = refused_by_the_database("TRUNCATE access_auditevent", [])
        assert f"{APPEND_ONLY}: TRUNCATE refused" in message
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_truncate_by_cascade_is_refused(self, event):
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        message = refused_by_the_database("TRUNCATE access_enterprise CASCADE", [])
        assert f"{APPEND_ONLY}: TRUNCATE refused" in message
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_orm_update_and_delete_are_refused_below_the_models_own_guard(self, event):
        # The model's queryset refuses in Python; the base manager goes around it to the database.
        with pytest.raises(TypeError):
            AuditEvent.objects.filter(pk=event.pk).update(reason="x")
        with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
            AuditEvent._base_manager.filter(pk=event.pk).update(reason="rewritten")
        with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
            AuditEvent._base_manager.filter(pk=event.pk).delete()
        with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
            super(AuditEvent, event).delete()  # Model.delete, without the model's override
        with pytest.raises(DatabaseError, match=APPEND_ONLY), transaction.atomic():
            event.reason = "rewritten"
            super(AuditEvent, event).save(force_update=True)
        assert AuditEvent.objects.get(pk=event.pk).reason == "Inquiry"

    def test_inserting_still_works(self, world, event):
        services.membership_unblock(actor_of(world, world.group_manager), world.member_membership)
        assert AuditEvent.objects.filter(action="membership_unblocked").count() == 1


# --- Every security event writes exactly one row --------------------------------------------


@dataclass
class Expected:
    actor: Person | None
    target: Person | None
    enterprise: Enterprise | None


def e(world, path=""):
    return f"/e/{world.enterprise.pk}/{path}"


def post(client: Client, path: str, data: dict | None = None) -> Callable[[], None]:
    """The action of a case: one POST that must succeed (a redirect)."""

    def act() -> None:
        response = client.post(path, data or {})
        assert response.status_code == 302, response.content.decode()[:2000]

    return act


def designate_a_co_main(world, login, staff):
    FourEyesSetting.objects.create(enterprise=world.enterprise, enabled=False)  # four eyes: below
    niss = factories.niss()
    data = {"kind": "co_main", "niss": niss, "given_name": "Cora", "surname": "Second"}
    return post(login(world.main), e(world, "managers/"), data), lambda: Expected(
        world.main, Person.objects.get(niss=niss), world.enterprise
    )


def revoke_the_group_manager(world, login, staff):
    designation = Designation.objects.get(person=world.group_manager)
    act = post(login(world.main), e(world, f"managers/{designation.pk}/revoke/"), {"reason": "Left"})
    return act, lambda: Expected(world.main, world.group_manager, world.enterprise)


def add_a_user(world, login, staff):
    path = e(world, f"groups/{world.groups['employer'].pk}/add/")
    act = post(login(world.group_manager), path, {"niss": world.outsider.niss_display, "confirm": "on"})
    return act, lambda: Expected(world.group_manager, world.outsider, world.enterprise)


def grant_a_service(world, login, staff):
    path = e(world, f"memberships/{world.member_membership.pk}/services/")
    act = post(login(world.group_manager), path, {"service": OnlineService.objects.get(code="dmfa").pk})
    return act, lambda: Expected(world.group_manager, world.member, world.enterprise)


def revoke_a_service(world, login, staff):
    dimona = OnlineService.objects.get(code="dimona")
    act = post(
        login(world.group_manager), e(world, f"memberships/{world.member_membership.pk}/services/{dimona.pk}/revoke/")
    )
    return act, lambda: Expected(world.group_manager, world.member, world.enterprise)


def block_for_the_group(world, login, staff):
    act = post(
        login(world.group_manager), e(world, f"memberships/{world.member_membership.pk}/block/"), {"reason": "R"}
    )
    return act, lambda: Expected(world.group_manager, world.member, world.enterprise)


def unblock_for_the_group(world, login, staff):
    Membership.objects.filter(pk=world.member_membership.pk).update(
        status="blocked", blocked_at=world.member_membership.created_at, block_reason="R"
    )
    act = post(login(world.group_manager), e(world, f"memberships/{world.member_membership.pk}/unblock/"))
    return act, lambda: Expected(world.group_manager, world.member, world.enterprise)


def block_everywhere(world, login, staff):
    act = post(login(world.main), e(world, f"users/{world.member.pk}/block/"), {"reason": "Inquiry"})
    return act, lambda: Expected(world.main, world.member, world.enterprise)


def unblock_everywhere(world, login, staff):
    EnterpriseBlock.objects.create(person=world.member, enterprise=world.enterprise, reason="Inquiry")
    act = post(login(world.main), e(world, f"users/{world.member.pk}/unblock/"))
    return act, lambda: Expected(world.main, world.member, world.enterprise)


def delete_from_the_group(world, login, staff):
    act = post(
        login(world.group_manager), e(world, f"memberships/{world.member_membership.pk}/delete/"), {"reason": "R"}
    )
    return act, lambda: Expected(world.group_manager, world.member, world.enterprise)


def give_up_a_service(world, login, staff):
    grant = world.member_membership.grants.get(service__code="dimona")
    act = post(login(world.member), e(world, f"my-access/services/{grant.pk}/give-up/"), {"understood": "on"})
    return act, lambda: Expected(world.member, world.member, world.enterprise)


def leave_a_group(world, login, staff):
    act = post(
        login(world.member), e(world, f"my-access/groups/{world.member_membership.pk}/leave/"), {"understood": "on"}
    )
    return act, lambda: Expected(world.member, world.member, world.enterprise)


def log_in_with_a_password(world, login, staff):
    data = {"login": world.member.user.username, "password": factories.PASSWORD}
    return post(Client(), "/accounts/login/", data), lambda: Expected(world.member, world.member, None)


def end_the_other_sessions(world, login, staff):
    here, there = Client(), Client()
    for client in (here, there):
        client.post("/accounts/login/", {"login": world.member.user.username, "password": factories.PASSWORD})
    return post(here, "/accounts/sessions/", {}), lambda: Expected(world.member, world.member, None)


def change_the_password(world, login, staff):
    data = {
        "oldpassword": factories.PASSWORD,
        "password1": "A-long-new-passphrase-42",
        "password2": "A-long-new-passphrase-42",
    }
    return post(login(world.member), "/accounts/password/change/", data), lambda: Expected(
        world.member, world.member, None
    )


def make_new_recovery_codes(world, login, staff):
    TOTP.activate(world.member.user, generate_totp_secret())
    RecoveryCodes.activate(world.member.user)
    generate = post(login(world.member), "/accounts/2fa/recovery-codes/generate/")

    def act() -> None:
        # allauth announces the new codes once their transaction is committed.
        with TestCase.captureOnCommitCallbacks(execute=True):
            generate()

    return act, lambda: Expected(world.member, world.member, None)


def resend_the_credentials(world, login, staff):
    foreign = factories.foreign_main(world)
    act = post(login(world.legal_representative), e(world, "main-manager/credentials/"), {})
    return act, lambda: Expected(world.legal_representative, foreign, world.enterprise)


def send_credentials_past_the_limit(world, login, staff):
    foreign = factories.foreign_main(world)  # the first sending of the hour
    designation = Designation.objects.get(person=foreign, kind="main")
    for _ in range(4):
        services.main_manager_resend_credentials(actor_of(world, world.legal_representative), designation)
    act = post(login(world.legal_representative), e(world, "main-manager/credentials/"), {})
    return act, lambda: Expected(world.legal_representative, foreign, world.enterprise)


def register_a_legal_representative(world, login, staff):
    data = {
        "number": world.other_enterprise.number,
        "name": world.other_enterprise.name,
        "preferred_language": world.other_enterprise.preferred_language,
        "status": world.other_enterprise.status,
        "legal_representatives-TOTAL_FORMS": "1",
        "legal_representatives-INITIAL_FORMS": "0",
        "legal_representatives-0-person": world.outsider.pk,
        "legal_representatives-0-valid_from": "2026-01-01",
        "groups-TOTAL_FORMS": "0",
        "groups-INITIAL_FORMS": "0",
    }
    act = post(staff, f"/admin/access/enterprise/{world.other_enterprise.pk}/change/", data)
    return act, lambda: Expected(None, world.outsider, world.other_enterprise)


def change_an_enterprise_in_the_admin(world, login, staff):
    enterprise = world.other_enterprise
    data = {
        "number": enterprise.number,
        "name": enterprise.name,
        "preferred_language": enterprise.preferred_language,
        "status": "pending",
        **{
            f"{prefix}-{key}": "0"
            for prefix in ("legal_representatives", "groups")
            for key in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }
    act = post(staff, f"/admin/access/enterprise/{enterprise.pk}/change/", data)
    return act, lambda: Expected(None, None, enterprise)


def update_the_contact_data(world, login, staff):
    data = {
        "registered_office-street": "Rue de la Loi",
        "registered_office-number": "16",
        "registered_office-postal_code": "1000",
        "registered_office-city": "Bruxelles",
    }
    act = post(login(world.member), e(world, "contact-data/addresses/"), data)
    return act, lambda: Expected(world.member, None, world.enterprise)


def post_an_ebox_message(world, login, staff):
    data = {
        "enterprise": world.enterprise.pk,
        "sender_institution": "ONSS",
        "subject": "Reminder",
        "body": "Body",
        "language": "en",  # the language it is written in: the form's choice, French unless changed
        "sent_at_0": "2026-01-05",
        "sent_at_1": "10:00:00",
    }
    return post(staff, "/admin/ebox/message/add/", data), lambda: Expected(None, None, world.enterprise)


def register_a_chaman_sender(world, login, staff):
    data = {"number": "654321", "name": "Tina", "email": "t@acme.be"}
    act = post(login(world.group_manager), e(world, "chaman/sender/"), data)
    return act, lambda: Expected(world.group_manager, None, world.enterprise)


def save_the_structured_messages(world, login, staff):
    data = {"exchanges": "on", "contact_name": "Sam", "delivery": "ebox"}
    act = post(login(world.main), e(world, "structured-messages/"), data)
    return act, lambda: Expected(world.main, None, world.enterprise)


# Provisioning (docs/provisioning.md): the tokens on the page, the HR system's record through SCIM.


def make_a_provisioning_token(world, login, staff):
    valid_until = (timezone.localdate() + timedelta(days=30)).strftime("%d/%m/%Y")
    client = login(world.main)

    def act() -> None:
        response = client.post(
            e(world, "provisioning/tokens/"), {"name": "Workday", "valid_until": valid_until, "form_key": "k"}
        )
        assert response.status_code == 200 and b"scim-" in response.content

    return act, lambda: Expected(world.main, None, world.enterprise)


def revoke_a_provisioning_token(world, login, staff):
    make_token(world.main, world.enterprise)
    token = ProvisioningToken.objects.get()
    act = post(login(world.main), e(world, f"provisioning/tokens/{token.pk}/revoke/"))
    return act, lambda: Expected(world.main, None, world.enterprise)


def scim(world, method: str, path: str, body: object = None) -> Callable[[], None]:
    """The action of a case: one SCIM request with a token of the MAM, which must succeed."""
    token = make_token(world.main, world.enterprise)

    def act() -> None:
        response = Client().generic(
            method,
            f"/scim/v2{path}",
            json.dumps(body) if body is not None else "",
            content_type="application/scim+json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code in (200, 201, 204), response.content.decode()[:2000]

    return act


def provision_a_person(world, login, staff):
    niss = factories.niss()
    act = scim(world, "POST", "/Users", user_body(niss))
    return act, lambda: Expected(world.main, Person.objects.get(niss=niss), world.enterprise)


def change_a_provisioned_person(world, login, staff):
    ProvisionedUser.objects.create(
        enterprise=world.enterprise,
        person=world.member,
        user_name="mats.before",
        given_name="Mats",
        surname="Member",
        created_by=world.main,
    )
    patch = patch_body({"op": "replace", "path": "userName", "value": "mats"})
    act = scim(world, "PATCH", f"/Users/{world.member.pk}", patch)
    return act, lambda: Expected(world.main, world.member, world.enterprise)


def let_a_provisioned_person_go(world, login, staff):
    person = factories.person()
    ProvisionedUser.objects.create(enterprise=world.enterprise, person=person, user_name="gone", created_by=world.main)
    act = scim(world, "DELETE", f"/Users/{person.pk}")
    return act, lambda: Expected(world.main, person, world.enterprise)


# --- Access over time (docs/design.md §5.13) ---------------------------------------------------


def _review(world, **kwargs):
    from datetime import timedelta

    from django.utils import timezone

    fields = {"domain": None, "deadline": timezone.localdate() + timedelta(days=5), "end_unconfirmed": True}
    return services.review_start(actor_of(world, world.main), **{**fields, **kwargs})


def start_a_review(world, login, staff):
    from datetime import timedelta

    from django.utils import timezone

    deadline = (timezone.localdate() + timedelta(days=30)).strftime("%d/%m/%Y")
    act = post(login(world.main), e(world, "reviews/start/"), {"deadline": deadline, "end_unconfirmed": "no"})
    return act, lambda: Expected(world.main, None, world.enterprise)


def confirm_a_grant_in_a_review(world, login, staff):
    review = _review(world)
    grant = world.member_membership.grants.get(service__code="dimona")
    act = post(login(world.group_manager), e(world, f"reviews/{review.pk}/grants/{grant.pk}/confirm/"))
    return act, lambda: Expected(world.group_manager, world.member, world.enterprise)


def remind_the_managers_of_a_review(world, login, staff):
    from datetime import timedelta

    from access import reviews

    review = _review(world)  # five days ahead: the start covers the week's reminder
    return lambda: reviews.reminders_send(review.deadline - timedelta(days=1)), lambda: Expected(
        None, None, world.enterprise
    )


def close_a_review(world, login, staff):
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from access import reviews

    review = _review(world, end_unconfirmed=False)
    after = timezone.make_aware(datetime.combine(review.deadline + timedelta(days=1), time(0, 5)))
    return lambda: reviews.reviews_close_due(after), lambda: Expected(None, None, world.enterprise)


def change_the_unused_access(world, login, staff):
    act = post(login(world.main), e(world, "unused-access/"), {"months": "12"})
    return act, lambda: Expected(world.main, None, world.enterprise)


def _unused_for_years(world):
    from datetime import timedelta

    from django.utils import timezone

    from access.models import Grant, UnusedAccessSetting

    long_ago = timezone.now() - timedelta(days=800)
    UnusedAccessSetting.objects.create(enterprise=world.enterprise, months=6, changed_at=long_ago)
    grant = world.member_membership.grants.get(service__code="dimona")
    Grant.objects.filter(pk=grant.pk).update(granted_at=long_ago)
    return grant


def warn_of_an_unused_grant(world, login, staff):
    from access import unused

    _unused_for_years(world)
    return lambda: unused.enterprise_sweep(world.enterprise.pk), lambda: Expected(None, world.member, world.enterprise)


def end_an_unused_grant(world, login, staff):
    from datetime import timedelta

    from django.utils import timezone

    from access import unused
    from access.models import UnusedGrantWarning

    grant = _unused_for_years(world)
    warned = timezone.now() - timedelta(days=14)
    UnusedGrantWarning.objects.create(grant=grant, ends_on=timezone.localdate(), months=6, warned_at=warned)
    return lambda: unused.enterprise_sweep(world.enterprise.pk), lambda: Expected(None, world.member, world.enterprise)


# The kinds that a login through the identity provider writes are in TestFederatedFirstLogin.
FEDERATED_FIRST_LOGIN = ("profile_updated", "logged_in", "enterprise_activated")

Case = Callable[..., tuple[Callable[[], None], Callable[[], Expected]]]

# --- Four eyes (docs/design.md §5.15) ----------------------------------------------------------------


def _co_main_requested(world):
    newcomer = factories.person(None, "Cora", "Second")
    request = services.designation_create(actor_of(world, world.main), kind="co_main", person=newcomer)
    return newcomer, request


def ask_for_a_co_main(world, login, staff):
    niss = factories.niss()
    data = {"kind": "co_main", "niss": niss, "given_name": "Cora", "surname": "Second"}
    return post(login(world.main), e(world, "managers/"), data), lambda: Expected(
        world.main, Person.objects.get(niss=niss), world.enterprise
    )


def refuse_a_request(world, login, staff):
    newcomer, request = _co_main_requested(world)
    act = post(login(world.co_main), e(world, f"approvals/{request.pk}/refuse/"), {})
    return act, lambda: Expected(world.co_main, newcomer, world.enterprise)


def expire_a_request(world, login, staff):
    from access import approvals

    newcomer, _request = _co_main_requested(world)
    later = timezone.now() + timedelta(days=8)
    return lambda: approvals.approvals_expire(later), lambda: Expected(None, newcomer, world.enterprise)


def approve_a_request_no_longer_allowed(world, login, staff):
    newcomer, request = _co_main_requested(world)
    factories.designate(world.enterprise, newcomer, "co_main")  # meanwhile, by another way
    act = post(login(world.co_main), e(world, f"approvals/{request.pk}/approve/"), {})
    return act, lambda: Expected(world.co_main, newcomer, world.enterprise)


def change_the_four_eyes_setting(world, login, staff):
    act = post(login(world.main), e(world, "approvals/setting/"), {"enabled": "0"})
    return act, lambda: Expected(world.main, None, world.enterprise)


CASES: dict[str, Case] = {
    "designation_created": designate_a_co_main,
    "designation_revoked": revoke_the_group_manager,
    "user_created": add_a_user,
    "service_granted": grant_a_service,
    "service_revoked": revoke_a_service,
    "membership_blocked": block_for_the_group,
    "membership_unblocked": unblock_for_the_group,
    "enterprise_blocked": block_everywhere,
    "enterprise_unblocked": unblock_everywhere,
    "membership_deleted": delete_from_the_group,
    "service_renounced": give_up_a_service,
    "group_left": leave_a_group,
    "logged_in": log_in_with_a_password,
    "sessions_ended": end_the_other_sessions,
    "password_changed": change_the_password,
    "recovery_codes_generated": make_new_recovery_codes,
    "credentials_sent": resend_the_credentials,
    "credentials_limited": send_credentials_past_the_limit,
    "representative_registered": register_a_legal_representative,
    "contactdata_updated": update_the_contact_data,
    "ebox_message_posted": post_an_ebox_message,
    "chaman_changed": register_a_chaman_sender,
    "structured_messages_changed": save_the_structured_messages,
    "staff_changed": change_an_enterprise_in_the_admin,
    "provisioning_token_created": make_a_provisioning_token,
    "provisioning_token_revoked": revoke_a_provisioning_token,
    "user_provisioned": provision_a_person,
    "provisioned_user_changed": change_a_provisioned_person,
    "user_deprovisioned": let_a_provisioned_person_go,
    "review_started": start_a_review,
    "review_confirmed": confirm_a_grant_in_a_review,
    "review_reminded": remind_the_managers_of_a_review,
    "review_closed": close_a_review,
    "unused_access_changed": change_the_unused_access,
    "unused_warned": warn_of_an_unused_grant,
    "unused_ended": end_an_unused_grant,
    "approval_requested": ask_for_a_co_main,
    "approval_refused": refuse_a_request,
    "approval_expired": expire_a_request,
    "approval_failed": approve_a_request_no_longer_allowed,
    "four_eyes_changed": change_the_four_eyes_setting,
}

# An approved request writes the action's row, then its own; an action that goes through for want
# of a second manager writes why, then its own row: below.
FOUR_EYES = ("approval_granted", "approval_skipped")


# Replacing a Main Access Manager without a Belgian number writes three rows: below.
REPLACEMENT = ("credentials_withdrawn",)


# Closing a review that ends what was not confirmed writes a row per grant ended, then its own: below.
REVIEW_CLOSING = ("review_ended",)


# A step of a mandate writes one row in each of its two enterprises' journals: below.
def _mandate(world, status="accepted"):  # type: ignore[no-untyped-def]
    from mandates.models import Mandate

    mandate = Mandate.objects.create(
        principal=world.enterprise,
        provider=world.other_enterprise,
        starts_on=timezone.localdate().replace(month=1, day=1),
        status=status,
        offered_by=world.main,
    )
    mandate.services.set(OnlineService.objects.filter(code="dimona"))
    return mandate


def _given(world, mandate):  # type: ignore[no-untyped-def]
    from mandates.models import MandateAccess

    return MandateAccess.objects.create(
        mandate=mandate,
        person=world.other_member,
        service=OnlineService.objects.get(code="dimona"),
        granted_by=world.other_enterprise_manager,
    )


def offer_a_mandate(world, login):  # type: ignore[no-untyped-def]
    data = {
        "provider": world.other_enterprise.number,
        "services": [OnlineService.objects.get(code="dimona").pk],
        "starts_on": timezone.localdate().replace(month=1, day=1).strftime("%d/%m/%Y"),
    }
    return post(login(world.main), e(world, "mandates/offer/"), data), world.main, None


def _provider_step(world, login, path: str, data: dict | None = None):  # type: ignore[no-untyped-def]
    path = f"/e/{world.other_enterprise.pk}/mandates/{path}"
    return post(login(world.other_enterprise_manager), path, data), world.other_enterprise_manager


def accept_a_mandate(world, login):  # type: ignore[no-untyped-def]
    return *_provider_step(world, login, f"{_mandate(world, 'offered').pk}/accept/"), None


def refuse_a_mandate(world, login):  # type: ignore[no-untyped-def]
    return *_provider_step(world, login, f"{_mandate(world, 'offered').pk}/refuse/"), None


def end_a_mandate(world, login):  # type: ignore[no-untyped-def]
    # Acme has a co-MAM: with four eyes on, the end would wait (its journal: tests/mandates/test_mandate_approvals.py).
    FourEyesSetting.objects.create(enterprise=world.enterprise, enabled=False)
    return post(login(world.main), e(world, f"mandates/{_mandate(world).pk}/end/")), world.main, None


def give_access_under_a_mandate(world, login):  # type: ignore[no-untyped-def]
    data = {"person": world.other_member.pk, "service": OnlineService.objects.get(code="dimona").pk}
    return *_provider_step(world, login, f"{_mandate(world).pk}/access/", data), world.other_member


def take_back_access_under_a_mandate(world, login):  # type: ignore[no-untyped-def]
    mandate = _mandate(world)
    path = f"{mandate.pk}/access/{_given(world, mandate).pk}/revoke/"
    return *_provider_step(world, login, path), world.other_member


MANDATE_STEPS = {
    "mandate_offered": offer_a_mandate,
    "mandate_accepted": accept_a_mandate,
    "mandate_refused": refuse_a_mandate,
    "mandate_ended": end_a_mandate,
    "mandate_access_granted": give_access_under_a_mandate,
    "mandate_access_revoked": take_back_access_under_a_mandate,
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", MANDATE_STEPS)
def test_a_step_of_a_mandate_writes_one_row_in_each_enterprise(world, login, kind):  # type: ignore[no-untyped-def]
    act, actor, target = MANDATE_STEPS[kind](world, login)
    rows = journal_written_by(act)
    assert [row.action for row in rows] == [kind, kind]
    assert {row.enterprise for row in rows} == {world.enterprise, world.other_enterprise}
    assert {(row.actor, row.target_person, row.ip_address) for row in rows} == {(actor, target, "127.0.0.1")}
    assert rows[0].after == rows[1].after and "mandate" in rows[0].after


def test_every_kind_of_event_has_a_case():
    assert set(AuditEvent.Action.values) == set(CASES) | set(FEDERATED_FIRST_LOGIN) | set(REPLACEMENT) | set(
        REVIEW_CLOSING
    ) | set(FOUR_EYES) | set(MANDATE_STEPS)


@pytest.mark.django_db
def test_an_approved_request_journals_the_designation_then_the_approval(world, login):
    newcomer, request = _co_main_requested(world)
    rows = journal_written_by(post(login(world.co_main), e(world, f"approvals/{request.pk}/approve/"), {}))
    assert [row.action for row in rows] == ["designation_created", "approval_granted"]
    made, approved = rows
    assert (made.actor, made.target_person) == (world.main, newcomer)
    assert made.after["via"] == {"approval": request.pk, "approved_by": world.co_main.full_name}
    assert (approved.actor, approved.target_person, approved.ip_address) == (world.co_main, newcomer, "127.0.0.1")


@pytest.mark.django_db
def test_without_a_second_manager_the_journal_says_why_then_what_was_done(world, login):
    Designation.objects.filter(person=world.co_main).update(revoked_at=timezone.now())
    niss = factories.niss()
    data = {"kind": "co_main", "niss": niss, "given_name": "Cora", "surname": "Second"}
    rows = journal_written_by(post(login(world.main), e(world, "managers/"), data))
    assert [row.action for row in rows] == ["approval_skipped", "designation_created"]
    assert rows[0].after == {"action": "designation", "why": "single_main_manager"}


@pytest.mark.django_db
def test_closing_a_review_writes_one_row_per_grant_ended_then_one_for_the_review(world):
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from access import reviews

    review = _review(world)
    after = timezone.make_aware(datetime.combine(review.deadline + timedelta(days=1), time(0, 5)))
    rows = journal_written_by(lambda: reviews.reviews_close_due(after))
    assert [row.action for row in rows] == ["review_ended"] * 3 + ["review_closed"]
    assert {row.actor for row in rows} == {None}
    assert {row.target_person for row in rows[:3]} == {world.member, world.pension_member, world.tax_member}
    assert {row.after["review"] for row in rows} == {review.pk}


@pytest.fixture
def staff(world):
    user, _secret = create_staff()
    return log_in_staff(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", CASES)
def test_the_event_writes_exactly_one_row(world, login, staff, kind):
    act, expected = CASES[kind](world, login, staff)  # prepares the scene, journals nothing yet
    rows = journal_written_by(act)
    assert [row.action for row in rows] == [kind]
    row, who = rows[0], expected()
    assert (row.actor, row.target_person, row.enterprise) == (who.actor, who.target, who.enterprise)
    if row.actor is not None:
        assert row.ip_address == "127.0.0.1"


@pytest.mark.django_db
def test_the_staff_exception_procedure_writes_one_revocation_and_one_designation(world, staff):
    niss = factories.niss()
    path = f"/admin/access/enterprise/{world.enterprise.pk}/main-manager/"
    data = {"niss": niss, "given_name": "Nora", "surname": "New", "language": "en", "reason": "LR unreachable"}
    data["replaces"] = Designation.objects.get(person=world.main, kind="main").pk
    rows = journal_written_by(post(staff, path, data))
    assert [row.action for row in rows] == ["designation_revoked", "designation_created"]
    revoked, created = rows
    assert (revoked.actor, revoked.target_person, revoked.enterprise) == (None, world.main, world.enterprise)
    assert (created.actor, created.target_person.niss, created.enterprise) == (None, niss, world.enterprise)
    assert created.after["staff"] == revoked.after["staff"] == "staff"
    assert created.reason == revoked.reason == "LR unreachable"


@pytest.mark.django_db
def test_replacing_a_foreign_main_manager_withdraws_their_login_in_the_journal(world, login):
    foreign = factories.foreign_main(world)
    designation = Designation.objects.get(person=foreign, kind="main")
    data = {"belgian-niss": world.co_main.niss, "belgian-replaces": designation.pk}
    rows = journal_written_by(post(login(world.legal_representative), e(world, "main-manager/belgian/"), data))
    assert [row.action for row in rows] == ["designation_revoked", "designation_created", "credentials_withdrawn"]
    withdrawn = rows[2]
    assert (withdrawn.actor, withdrawn.target_person, withdrawn.enterprise) == (
        world.legal_representative,
        foreign,
        world.enterprise,
    )
    assert withdrawn.ip_address == "127.0.0.1"
    assert len(withdrawn.after["cancelled_messages"]) == 2


# --- The first login through the identity provider, over real HTTP --------------------------


@pytest.fixture
def federal_login(settings, live_server):
    """The federated login goes to the development identity provider of the live server."""
    provider = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]
    app = {**provider["APPS"][0], "settings": {"server_url": f"{live_server.url}/dev-idp"}}
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {**provider, "APPS": [app]}}
    return live_server.url


def hidden_fields(page: str) -> dict[str, str]:
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in found}


@pytest.mark.django_db(transaction=True)
def test_a_first_federated_login_of_a_pending_main_manager_writes_one_row_of_each_kind(world, federal_login):
    pending, _groups = factories.enterprise("Pending", roles=("employer",))
    Enterprise.objects.filter(pk=pending.pk).update(status="pending", activated_at=None)
    main = factories.person(None, "Nadia", "Nouvelle")  # no login account yet
    Designation.objects.create(enterprise=pending, person=main, kind="main")

    def log_in_through_the_identity_provider():
        browser = requests.Session()
        browser.headers["Accept-Language"] = "en"
        browser.get(f"{federal_login}/accounts/login/", timeout=10)
        token = browser.cookies["csrftoken"]
        authorize = browser.post(
            f"{federal_login}/accounts/oidc/federal/login/", {"csrfmiddlewaretoken": token}, timeout=10
        )
        assert "Development identity provider" in authorize.text
        answer = {**hidden_fields(authorize.text), "niss": main.niss, "method": "itsme"}
        landing = browser.post(authorize.url, answer, timeout=20)
        assert landing.url.endswith("/activated/"), landing.text[:2000]

    rows = journal_written_by(log_in_through_the_identity_provider)
    assert sorted(row.action for row in rows) == sorted(FEDERATED_FIRST_LOGIN)
    main.refresh_from_db()
    for row in rows:
        assert (row.actor, row.target_person) == (main, main)
        assert row.enterprise == (pending if row.action == "enterprise_activated" else None)


# --- One way into the journal --------------------------------------------------------------------

# The benchmark's data set (bench/) is left out: it fabricates years of history in bulk, dated in the past.
PRODUCT = ("access", "accounts", "portal", "devidp", "contactdata", "chaman", "ebox")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
THE_JOURNAL = os.path.join("access", "journal.py")


def _writes_a_journal_row(call: ast.Call) -> bool:
    """AuditEvent.objects.create/get_or_create/update_or_create/bulk_create(...), AuditEvent(...)
    (saved or bulk-created later), or any manager's bulk_create of AuditEvent rows."""
    func = call.func
    if isinstance(func, ast.Name) and func.id == "AuditEvent":
        return True
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr not in {"create", "get_or_create", "update_or_create", "bulk_create"}:
        return False
    return "AuditEvent" in ast.unparse(func.value)


def journal_writes_outside_the_journal() -> list[str]:
    found = []
    for app in PRODUCT:
        for directory, _dirs, files in os.walk(os.path.join(ROOT, app)):
            if "migrations" in directory.split(os.sep):
                continue
            for name in files:
                if not name.endswith(".py"):
                    continue
                path = os.path.join(directory, name)
                relative = os.path.relpath(path, ROOT)
                if relative == THE_JOURNAL:
                    continue
                with open(path, encoding="utf-8") as source:
                    tree = ast.parse(source.read(), filename=relative)
                found += [
                    f"{relative}:{node.lineno}"
                    for node in ast.walk(tree)
                    if isinstance(node, ast.Call) and _writes_a_journal_row(node)
                ]
    return found


def test_journal_rows_are_created_only_by_the_journal():
    """access/journal.py's record is the one way a row enters the journal; a write anywhere else
    would bypass what it guarantees (the enterprise, the actor, the domain of the group, the ip)."""
    assert journal_writes_outside_the_journal() == []


def test_the_scan_sees_a_journal_row_written_directly():
    tree = ast.parse(
        "AuditEvent.objects.create(action='x')\nmodels.AuditEvent.objects.bulk_create([])\nAuditEvent(action='x').save()"
    )
    assert [_writes_a_journal_row(node) for node in ast.walk(tree) if isinstance(node, ast.Call)].count(True) == 3
