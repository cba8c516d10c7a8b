"""Authorization over HTTP of every URL of the portal, driven by the URL conf.

Every pattern the resolver knows has a row in ROWS, or is one of Django's admin pages, allauth's
pages or the development identity provider's, listed in OUT_OF_SCOPE with the reason;
`test_every_url_has_a_row` fails, naming it, for any other. A row says how to build the URL's
arguments for each kind of target, and what each persona gets (columns in the order of PERSONAS):

    in_scope          Acme's employer group (domain nsso_employer), its user `member`, its Group
                      Manager; for the pages of a whole enterprise: Acme
    other_group       the pension-fund group of the same domain, its user, its Group Manager
    other_domain      the taxpayer group (domain finance), its user, its Group Manager
    other_enterprise  an object of the enterprise "Other" behind Acme's address (a tampered id);
                      for the pages of a whole enterprise: Other's own address
    missing           an id that exists nowhere

Answers to a GET:
    200, 403, 405   that status
    404      that status, and the very page the persona gets for an enterprise that does not
             exist where they have no standing in the address's enterprise, for an address the
             portal does not have elsewhere (compared whole, but for the CSRF token and the
             address typed): a 404 tells nothing about what exists
    login    a redirect to the login page, which comes back here; admin-login: the admin's
    home     a redirect to the home page; 302: another redirect
    -        not asked (see NOT_ASKED)
Outcomes of a POST whose payload succeeds when allowed; what each table had written is compared
before and after (the journal included):
    done     a redirect, and rows written (a journal row among them where the row says so)
    form     the form again (200) with its error, nothing written
    kept     a redirect, nothing written
    others   as for a GET, and nothing written

The world is built once for the module (conftest's `world`, with a Chaman sender and channels and
e-Box messages for both enterprises, and a staff user) inside a transaction, and each test runs
in a savepoint of it: every cell starts from the same state, and its writes vanish after it.
"""

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils import timezone

from access.models import (
    ApprovalRequest,
    Designation,
    Domain,
    EnterpriseBlock,
    Grant,
    Membership,
    OnlineService,
    Person,
)
from chaman.models import Channel, Sender, TechnicalContact
from ebox.models import Message
from imports.models import Import, ImportRow
from provisioning.models import ProvisioningToken
from tests import conftest, factories
from tests.conftest import World
from tests.credentials import ssh_public_key
from tests.staff import create_staff, log_in_staff

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

PERSONAS = (
    "legal_representative",
    "main",
    "co_main",
    "access_manager",
    "group_manager",
    "member",
    "outsider",
    "other_enterprise_manager",
    "anonymous",
    "staff",
)
TARGETS = ("in_scope", "other_group", "other_domain", "other_enterprise", "missing")
NO_TARGET = "-"  # a page that belongs to no enterprise
MISSING = 99_999_999

# --- The stage: the world, built once -------------------------------------------------------------


@dataclass
class Stage:
    world: World
    clients: dict[str, Client]
    sessions: dict[str, str]
    senders: dict[str, Sender]
    channels: dict[str, Channel]
    messages: dict[str, Message]
    staff: Any
    not_found: dict[str, str] = field(default_factory=dict)  # persona:kind -> their 404 page, normalised

    @property
    def acme(self) -> int:
        return self.world.enterprise.pk

    @property
    def other(self) -> int:
        return self.world.other_enterprise.pk


@contextmanager
def building(django_db_blocker) -> Iterator[Stage]:
    """The stage, in a transaction rolled back at the end. The fast hasher and a long
    re-authentication window hold for as long as it lasts: its sessions are opened once, here."""
    quick = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ACCOUNT_REAUTHENTICATION_TIMEOUT=3600,
        REAUTHENTICATION_SECONDS=3600,
    )
    with quick, django_db_blocker.unblock(), transaction.atomic():
        # conftest's own fixture functions, called once here rather than for each test.
        conftest.catalogue.__wrapped__(None, None)  # type: ignore[attr-defined]  # reloaded if a transactional test flushed it
        SERVICE_IDS.clear()
        world = conftest.world.__wrapped__(None)  # type: ignore[attr-defined]
        senders, channels = {}, {}
        for key, enterprise, number in (("acme", world.enterprise, "111111"), ("other", world.other_enterprise, "999")):
            senders[key] = Sender.objects.create(enterprise=enterprise, number=number)
            TechnicalContact.objects.create(sender=senders[key], name="Tina Tech", email="tech@example.be")
        key, fingerprint = ssh_public_key(), "SHA256:stage"
        channels["acme"] = Channel.objects.create(
            sender=senders["acme"], kind="sftp", ssh_public_key=key, key_fingerprint=fingerprint
        )
        channels["other"] = Channel.objects.create(sender=senders["other"], kind="ftp")

        def message(enterprise, subject, service=None):
            required = OnlineService.objects.get(code=service) if service else None
            return Message.objects.create(
                enterprise=enterprise, sender_institution="ONSS", subject=subject, body="-", required_service=required
            )

        messages = {
            "in_scope": message(world.enterprise, "For everyone"),
            "other_group": message(world.enterprise, "For pension funds", "db2p"),
            "other_domain": message(world.enterprise, "For taxpayers", "myminfin"),
            "other_enterprise": message(world.other_enterprise, "Other's"),
        }
        staff, _secret = create_staff()
        login = conftest.login.__wrapped__()  # type: ignore[attr-defined]
        clients = {name: login(getattr(world, name)) for name in PERSONAS if name not in ("anonymous", "staff")}
        clients["anonymous"] = Client(HTTP_ACCEPT_LANGUAGE="en")
        clients["staff"] = log_in_staff(Client(HTTP_ACCEPT_LANGUAGE="en"), staff)
        sessions = {
            name: client.cookies[settings.SESSION_COOKIE_NAME].value
            for name, client in clients.items()
            if name != "anonymous"
        }
        yield Stage(world, clients, sessions, senders, channels, messages, staff)
        transaction.set_rollback(True)


@contextmanager
def playing(built: Stage) -> Iterator[Stage]:
    """The built stage for one test, in a savepoint of the stage's transaction rolled back after
    it. Each test starts with only its session: no message or language cookie left by the last."""
    for name, client in built.clients.items():
        client.cookies = SimpleCookie()
        if name in built.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = built.sessions[name]
    savepoint = transaction.savepoint_create()
    try:
        yield built
    finally:
        transaction.savepoint_rollback(savepoint)
        # Released too, as atomic() does: a thousand savepoints left open, one inside the other,
        # would slow every query of the transaction down.
        transaction.savepoint_commit(savepoint)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker) -> Iterator[Stage]:
    with building(django_db_blocker) as built:
        yield built


@pytest.fixture
def db(built: Stage) -> Iterator[Stage]:
    """pytest-django's `db`, replaced in this module: a savepoint of the stage's transaction rather
    than a test case per test, which costs more than many of these cells. (A fixture named `db`
    is also what has pytest-django set the test database up.)"""
    with playing(built) as stage:
        yield stage


@pytest.fixture
def stage(db: Stage) -> Stage:
    return db


# --- What changed in the database ------------------------------------------------------------------

# Every table a request may write: the people, enterprises, designations, users and the journal,
# the accounts and their messages, Chaman, ContactData, the e-Box, allauth's, the admin's log. Left
# out: the sessions (a request may touch its own), the catalogue and Django's permissions and
# content types (written by migrations only).
CATALOGUE = {"access.Domain", "access.RoleType", "access.OnlineService"}
WRITTEN_APPS = (
    "access",
    "accounts",
    "contactdata",
    "chaman",
    "ebox",
    "decisions",
    "provisioning",
    "mandates",
    "imports",
    "oauth2_provider",
    "account",
    "socialaccount",
    "mfa",
    "admin",
)


def _written_by_requests(model: Any) -> bool:
    owner = model._meta.auto_created or model  # a many-to-many table goes with its model
    return owner._meta.label not in CATALOGUE


TABLES = sorted(
    {
        model._meta.db_table
        for label in WRITTEN_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if _written_by_requests(model)
    }
)


def snapshot() -> dict[str, tuple[int, int, int]]:
    """The rows each table had inserted, updated and deleted so far in the transaction, as
    PostgreSQL counts them: a refused request must write nothing, not even a write it undoes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables WHERE relname = ANY(%s)",
            [TABLES],
        )
        counts = {name: (inserted, updated, deleted) for name, inserted, updated, deleted in cursor.fetchall()}
    return {table: counts.get(table, (0, 0, 0)) for table in TABLES}


def changed_tables(before: Mapping[str, tuple[int, ...]], after: Mapping[str, tuple[int, ...]]) -> list[str]:
    return [table for table in TABLES if before[table] != after[table]]


def test_the_snapshot_sees_an_insert_an_update_and_a_delete(db) -> None:
    before = snapshot()
    person = factories.person("snap", given_name="Snap")
    inserted = snapshot()
    Person.objects.filter(pk=person.pk).update(surname="Changed")
    updated = snapshot()
    Person.objects.filter(pk=person.pk).delete()
    deleted = snapshot()
    assert changed_tables(before, inserted) == ["access_person", "accounts_user"]
    assert changed_tables(inserted, updated) == ["access_person"]
    assert changed_tables(updated, deleted) == ["access_person"]
    with transaction.atomic():
        sid = transaction.savepoint_create()
        factories.person(given_name="Undone")
        transaction.savepoint_rollback(sid)
        transaction.savepoint_commit(sid)
    assert changed_tables(deleted, snapshot()) == ["access_person"], "a write undone is still a write"


# --- Targets: the objects each kind of target designates ------------------------------------------


def _pk(obj: Any) -> int:
    return obj.pk if obj is not None else MISSING


def enterprise_of(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": {"in_scope": s.acme, "other_enterprise": s.other, "missing": MISSING}[target]}


def group_of(s: Stage, target: str):
    w = s.world
    return {
        "in_scope": w.groups["employer"],
        "other_group": w.groups["pension_fund"],
        "other_domain": w.groups["taxpayer"],
        "other_enterprise": w.other_groups["employer"],
    }.get(target)


def person_of(s: Stage, target: str) -> Person | None:
    w = s.world
    return {
        "in_scope": w.member,
        "other_group": w.pension_member,
        "other_domain": w.tax_member,
        "other_enterprise": w.other_member,
    }.get(target)


def membership_of(s: Stage, target: str) -> Membership | None:
    w = s.world
    return {
        "in_scope": w.member_membership,
        "other_group": w.pension_membership,
        "other_domain": w.tax_membership,
        "other_enterprise": w.other_membership,
    }.get(target)


# A service the target's group offers and its user does not hold yet; one the user holds.
NEW_SERVICE = {"in_scope": "dmfa", "other_group": "chaman", "other_domain": "intervat"}
HELD_SERVICE = {"in_scope": "dimona", "other_group": "db2p", "other_domain": "myminfin"}


SERVICE_IDS: dict[str, int] = {}


def service_id(code: str) -> int:
    if code not in SERVICE_IDS:  # the catalogue's ids stay while the module runs
        SERVICE_IDS[code] = OnlineService.objects.get(code=code).pk
    return SERVICE_IDS[code]


def designation_of(s: Stage, target: str) -> Designation | None:
    """The Group Manager of the target's group (made here for the groups that have none)."""
    w = s.world
    if target == "in_scope":
        return Designation.objects.get(person=w.group_manager, kind="group_manager")
    if target in ("other_group", "other_domain"):
        return factories.designate(w.enterprise, factories.person(), "group_manager", group=group_of(s, target))
    if target == "other_enterprise":
        return Designation.objects.get(person=w.other_enterprise_manager, kind="main")
    return None


def channel_of(s: Stage, target: str) -> Channel | None:
    return {"in_scope": s.channels["acme"], "other_enterprise": s.channels["other"]}.get(target)


def import_of(s: Stage, target: str, status: str = Import.Status.PREVIEW) -> Import | None:
    """An import of users, which belongs to the manager who uploaded it: Acme's Group Manager of the
    employer group; a Group Manager of the pension-fund group; the Access Manager of finance; Other's MAM."""
    w = s.world
    if target == "missing":
        return None
    authors = {
        "in_scope": lambda: (w.group_manager, w.enterprise, w.groups["employer"]),
        "other_group": lambda: (
            factories.designate(
                w.enterprise, factories.person(), "group_manager", group=w.groups["pension_fund"]
            ).person,
            w.enterprise,
            w.groups["pension_fund"],
        ),
        "other_domain": lambda: (w.finance_manager, w.enterprise, w.groups["taxpayer"]),
        "other_enterprise": lambda: (w.other_enterprise_manager, w.other_enterprise, w.other_groups["employer"]),
    }
    author, enterprise, group = authors[target]()
    finished = timezone.now() if status == Import.Status.DONE else None
    job = Import.objects.create(
        enterprise=enterprise,
        created_by=author,
        filename="users.csv",
        encoding="utf-8",
        separator=";",
        status=status,
        total=1,
        changes=1,
        carried_out=1 if finished else 0,
        finished_at=finished,
    )
    ImportRow.objects.create(
        job=job,
        line=2,
        cells={"niss": "85.07.30-033.28", "group": group.role_type.code, "action": "add", "services": "dmfa"},
        niss="85070303328",
        group=group,
        action="add",
        verdict="new_user",
        outcome="new_user" if finished else "",
        done={"membership": 0, "grants": []} if finished else None,
    )
    return job


# URL arguments per kind of target.


def by_enterprise(s: Stage, target: str) -> dict[str, int]:
    return enterprise_of(s, target)


def by_group(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "group_id": _pk(group_of(s, target))}


def by_person(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "person_id": _pk(person_of(s, target))}


def by_membership(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "membership_id": _pk(membership_of(s, target))}


def by_grant(s: Stage, target: str) -> dict[str, int]:
    return {**by_membership(s, target), "service_id": service_id(HELD_SERVICE.get(target, "dimona"))}


def own_grant_of(s: Stage, target: str) -> Grant | None:
    """The target's user's grant of the service they hold: in scope, the grant of Acme's `member`."""
    membership = membership_of(s, target)
    if membership is None:
        return None
    held = HELD_SERVICE.get(target, "dimona")
    return Grant.objects.filter(membership=membership, service__code=held, revoked_at__isnull=True).first()


# A person's own access: the same targets, asked of everyone. Only the user whose grant or
# membership it is may act on it; to anyone else it does not exist.


def by_own_grant(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "grant_id": _pk(own_grant_of(s, target))}


def by_own_membership(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "membership_id": _pk(membership_of(s, target))}


def by_own_enterprise(s: Stage, target: str) -> dict[str, int]:
    return enterprise_of(s, target)


def by_designation(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "designation_id": _pk(designation_of(s, target))}


def by_message(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "message_id": _pk(s.messages.get(target))}


def by_channel(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "channel_id": _pk(channel_of(s, target))}


def by_import(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "import_id": _pk(import_of(s, target))}


def by_finished_import(s: Stage, target: str) -> dict[str, int]:
    """An import that ended a moment ago: it can be undone."""
    return {"enterprise_id": s.acme, "import_id": _pk(import_of(s, target, Import.Status.DONE))}


def by_admin_enterprise(s: Stage, target: str) -> dict[str, int]:
    return enterprise_of(s, target)


def by_admin_user(s: Stage, target: str) -> dict[str, Any]:
    """Staff may set anyone's password: a user of each group, of Other, and a missing one."""
    w = s.world
    users = {
        "in_scope": w.member.user_id,
        "other_group": w.pension_member.user_id,
        "other_domain": w.tax_member.user_id,
        "other_enterprise": w.other_enterprise_manager.user_id,
        "missing": MISSING,
    }
    return {"id": users[target]}


def no_arguments(s: Stage, target: str) -> dict[str, int]:
    return {}


# Payloads that succeed when the actor is allowed, and the state they need.


def new_person() -> dict[str, str]:
    return {"niss": factories.niss(), "given_name": "Nora", "surname": "Newcomer"}


def add_user_payload(s: Stage, target: str) -> dict[str, Any]:
    return {**new_person(), "confirm": "on", "services": [service_id(NEW_SERVICE.get(target, "dimona"))]}


def reason_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"reason": "Checked by the authorization matrix"}


def grant_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"service": service_id(NEW_SERVICE.get(target, "dmfa"))}


def empty_payload(s: Stage, target: str) -> dict[str, Any]:
    return {}


def designate_payload(s: Stage, target: str) -> dict[str, Any]:
    # A Group Manager for a group that has none: pension fund in Acme, employer in Other.
    group = s.world.other_groups["employer"] if target == "other_enterprise" else s.world.groups["pension_fund"]
    return {"kind": "group_manager", "group": group.pk, **new_person()}


def current_main_designation(enterprise_id: int) -> int | None:
    designation = Designation.objects.filter(enterprise_id=enterprise_id, kind="main", revoked_at__isnull=True).first()
    return designation.pk if designation else None


def main_manager_payload(s: Stage, target: str) -> dict[str, Any]:
    replaces = current_main_designation(enterprise_of(s, target)["enterprise_id"])
    return {
        **{f"belgian-{key}": value for key, value in new_person().items()},
        "belgian-replaces": replaces or "",
    }


def foreign_main_manager_payload(s: Stage, target: str) -> dict[str, Any]:
    replaces = current_main_designation(enterprise_of(s, target)["enterprise_id"])
    return {
        "foreign-given_name": "Fay",
        "foreign-surname": "Faraway",
        "foreign-email": "fay@example.fr",
        "foreign-mobile_phone": "+33 6 12 34 56 78",
        "foreign-language": "fr",
        "foreign-replaces": replaces or "",
    }


def contact_data_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"general-general_email": "info@example.be", "general-correspondence_language": "nl"}


def addresses_payload(s: Stage, target: str) -> dict[str, Any]:
    return {
        "registered_office-street": "Rue de la Loi",
        "registered_office-number": "16",
        "registered_office-postal_code": "1000",
        "registered_office-city": "Bruxelles",
    }


def domain_contacts_payload(s: Stage, target: str) -> dict[str, Any]:
    # A contact person for every domain: each actor is offered those of their own enterprise's groups.
    people = (
        {f"domain-{code}-name": "Paula Payroll", f"domain-{code}-email": "payroll@example.be"}
        for code in Domain.objects.values_list("code", flat=True)
    )
    return {key: value for person in people for key, value in person.items()}


def sender_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"number": "4242", "name": "Tom Tech", "email": "tom@example.be"}


def contact_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"name": "Tom Tech", "email": "tom@example.be"}


def channel_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"kind": "ftp"}


def replace_payload(s: Stage, target: str) -> dict[str, Any]:
    channel = channel_of(s, target)
    return {f"replace-{_pk(channel)}-credential": ssh_public_key("new@example")}


def structured_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"exchanges": "on", "contact_name": "Sam", "contact_email": "sam@example.be", "delivery": "ebox"}


def language_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"language": "nl", "next": "/"}


def password_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"new_password1": "A-long-new-passphrase-42", "new_password2": "A-long-new-passphrase-42"}


def signup_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"username": "newcomer", "password1": "A-long-new-passphrase-42", "password2": "A-long-new-passphrase-42"}


def find_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"niss": s.world.member.niss}


def staff_password_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"password1": "A-new-password-2026", "password2": "A-new-password-2026", "usable_password": "true"}


def staff_main_manager_payload(s: Stage, target: str) -> dict[str, Any]:
    replaces = current_main_designation(enterprise_of(s, target)["enterprise_id"])
    return {**new_person(), "language": "fr", "reason": "Exception procedure", "replaces": replaces or ""}


def reset_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"email": "marie.main@example.be", "password1": "A-long-new-passphrase-42", "password2": "x"}


def reset_key(s: Stage, target: str) -> dict[str, Any]:
    return {"uidb36": "2", "key": {"missing": f"{MISSING}-x"}.get(target, "set-password")}


def email_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"email": "someone.else@example.be", "action_add": "", "password1": "A-long-new-passphrase-42"}


def confirmation_key(s: Stage, target: str) -> dict[str, Any]:
    return {"key": {"missing": f"{MISSING}:x"}.get(target, "MQ:1tqFXp:confirmation")}


def staff_reason_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"reason": "Lost phone"}


def understood_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"understood": "on", "reason": "Checked by the authorization matrix"}


def journal_filter_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"who": "Mats", "action": "membership_blocked", "since": "01/01/2026"}


def import_payload(s: Stage, target: str) -> dict[str, Any]:
    """A file of one row that adds the employer group's user a service: each enterprise has that group."""
    from tests.imports.files import csv_file, row

    return {"file": csv_file([row(s.world.member.niss, services="dmfa")])}


def evaluation_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"subject": "person", "resource": "enterprise", "action": "dimona"}


def with_a_foreign_main_manager(s: Stage, target: str) -> None:
    """The enterprise's MAM has no Belgian number: their credentials can be sent again."""
    enterprise_id = enterprise_of(s, target)["enterprise_id"]
    if enterprise_id == MISSING:
        return
    user = get_user_model().objects.create_user(username=f"foreign-{enterprise_id}")
    person = Person.objects.create(
        user=user, given_name="Ana", surname="Silva", email="ana@example.pt", mobile_phone="+351912345678"
    )
    Designation.objects.filter(enterprise_id=enterprise_id, kind="main").update(revoked_at=timezone.now())
    Designation.objects.create(enterprise_id=enterprise_id, person=person, kind="main")


def block_membership(s: Stage, target: str) -> None:
    membership = membership_of(s, target)
    if membership is not None:
        Membership.objects.filter(pk=membership.pk).update(
            status="blocked", blocked_at=timezone.now(), block_reason="Before the cell"
        )


def block_everywhere(s: Stage, target: str) -> None:
    person = person_of(s, target)
    if person is not None:
        enterprise = s.world.other_enterprise if target == "other_enterprise" else s.world.enterprise
        EnterpriseBlock.objects.create(person=person, enterprise=enterprise, reason="Before the cell")


def without_sender(s: Stage, target: str) -> None:
    Sender.objects.filter(enterprise_id=enterprise_of(s, target)["enterprise_id"]).delete()


# Provisioning: the tokens of the managers, and SCIM's addresses.


def token_of(s: Stage, target: str) -> int:
    """A provisioning token of the MAM (in scope), of the co-MAM, of the Access Manager, of Other's
    MAM for Other (behind Acme's address): each is revoked by its own manager only."""
    from tests.provisioning.conftest import make_token

    holder = {
        "in_scope": (s.world.main, s.world.enterprise),
        "other_group": (s.world.co_main, s.world.enterprise),
        "other_domain": (s.world.access_manager, s.world.enterprise),
        "other_enterprise": (s.world.other_enterprise_manager, s.world.other_enterprise),
    }.get(target)
    if holder is None:
        return MISSING
    make_token(*holder)
    return ProvisioningToken.objects.latest("pk").pk


def by_token(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "token_id": token_of(s, target)}


def token_payload(s: Stage, target: str) -> dict[str, Any]:
    valid_until = (timezone.localdate() + timedelta(days=30)).strftime("%d/%m/%Y")
    return {"name": "HR system", "valid_until": valid_until, "form_key": f"matrix-{target}"}


def scim_user(s: Stage, target: str) -> dict[str, Any]:
    return {"user_id": str(_pk(person_of(s, target)))}


def scim_group(s: Stage, target: str) -> dict[str, Any]:
    return {"group_id": str(_pk(group_of(s, target)))}


def scim_resource_type(s: Stage, target: str) -> dict[str, Any]:
    return {"name": "User"}


def scim_schema(s: Stage, target: str) -> dict[str, Any]:
    return {"urn": "urn:ietf:params:scim:schemas:core:2.0:User"}


def scim_elsewhere(s: Stage, target: str) -> dict[str, Any]:
    return {"path": "Nothing"}


# --- Mandates (docs/design.md §5.16) ------------------------------------------------------------------
# A mandate of a target: in scope, Acme's mandate to Other for Dimona (Acme the principal); other
# group, Other's mandate to Acme (Acme the provider, whose MAM and co-MAMs answer it); other domain,
# Acme's mandate to Other for MyMinfin (finance: not the nsso Access Manager's to end); other
# enterprise, a mandate of Other to a third enterprise behind Acme's address.


def mandate_of(s: Stage, target: str, status: str = "accepted", access: bool = False):  # type: ignore[no-untyped-def]
    from mandates.models import Mandate, MandateAccess

    w = s.world
    if target == "missing":
        return None
    if target == "other_enterprise":
        principal, provider = w.other_enterprise, factories.enterprise("Third", roles=("employer",))[0]
    elif target == "other_group":
        principal, provider = w.other_enterprise, w.enterprise
    else:
        principal, provider = w.enterprise, w.other_enterprise
    code = "myminfin" if target == "other_domain" else "dimona"
    mandate = Mandate.objects.create(
        principal=principal,
        provider=provider,
        starts_on=timezone.localdate().replace(day=1, month=1),
        status=status,
        offered_by=w.main if principal == w.enterprise else w.other_enterprise_manager,
    )
    mandate.services.set([service_id(code)])
    if access:
        person = w.member if provider == w.enterprise else w.other_member
        MandateAccess.objects.create(mandate=mandate, person=person, service_id=service_id(code), granted_by=w.main)
    return mandate


def by_mandate(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "mandate_id": _pk(mandate_of(s, target))}


def by_offered_mandate(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "mandate_id": _pk(mandate_of(s, target, status="offered"))}


def by_mandate_access(s: Stage, target: str) -> dict[str, int]:
    from mandates.models import MandateAccess

    mandate = mandate_of(s, target, access=True)
    access = MandateAccess.objects.filter(mandate=mandate).first() if mandate else None
    return {"enterprise_id": s.acme, "mandate_id": _pk(mandate), "access_id": _pk(access)}


def mandate_offer_payload(s: Stage, target: str) -> dict[str, Any]:
    provider = s.world.enterprise if target == "other_enterprise" else s.world.other_enterprise
    start = timezone.localdate().replace(day=1, month=1)
    return {"provider": provider.number, "services": [service_id("dimona")], "starts_on": start.strftime("%d/%m/%Y")}


def mandate_access_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"person": s.world.member.pk, "service": service_id("dimona")}


# --- The table -------------------------------------------------------------------------------------


def answers(**by_target: str) -> dict[str, tuple[str, ...]]:
    table = {target.replace("__", "-"): tuple(line.split()) for target, line in by_target.items()}
    for target, line in table.items():
        assert len(line) == len(PERSONAS), f"{target}: {len(line)} answers for {len(PERSONAS)} personas"
    return table


POST_ONLY = None  # a GET answers 405 whatever the target: test_post_only_urls_refuse_a_get


@dataclass(frozen=True)
class Row:
    kwargs: Callable[[Stage, str], dict[str, int]]
    get: dict[str, tuple[str, ...]] | None
    post: dict[str, tuple[str, ...]] | None = None
    payload: Callable[[Stage, str], dict[str, Any]] = empty_payload
    prepare: Callable[[Stage, str], None] | None = None
    journaled: bool = True  # a successful POST writes a journal row
    get_writes: bool = False  # the GET itself writes (reading an e-Box message marks it read)
    setting: str | None = None  # the URL exists only when this setting is on


# Not asked: for the URLs of an object, the group and domain of a target probe the scope of those
# who have one in Acme (MAM, co-MAM, Access Manager, Group Manager), as the others have no scope for
# a group to fall out of; an object of Other behind Acme's address, and a missing id, are asked of
# everyone with a standing in Acme. For the pages of a whole enterprise, Other's address is asked
# of everyone with a standing in Acme or in Other, a missing enterprise of those with one in Acme.
# Those with no standing in Acme are asked about Acme itself: their every 404 is compared with
# their 404 for a missing enterprise (see `not_found_page`), and anonymous is sent to the login.
NOT_ASKED = "-"
NO_STANDING = {"outsider", "other_enterprise_manager", "anonymous", "staff"}
UNSCOPED = {"legal_representative", "member"} | NO_STANDING
NOT_ASKED_OF_OBJECTS = {
    "other_group": UNSCOPED,
    "other_domain": UNSCOPED,
    "other_enterprise": NO_STANDING,
    "missing": NO_STANDING,
}
NOT_ASKED_OF_ENTERPRISES = {"other_enterprise": NO_STANDING - {"other_enterprise_manager"}, "missing": NO_STANDING}

# Shorthands for lines that recur; every other line is written out.
#            LR  MAM coM AM  GM  user out other anon staff
# A page of a whole enterprise, at Other's address: only Other's manager is at home there.
# A user's pages and actions: the managers whose scope holds the group (docs/design.md §4.3).
MANAGES_THE_USER = answers(
    in_scope="404 200 200 200 200 404 404 404 login 404",
    other_group="- 200 200 200 404 - - - - -",
    other_domain="- 200 200 404 404 - - - - -",
    other_enterprise="404 404 404 404 404 404 - - - -",
    missing="404 404 404 404 404 404 - - - -",
)
MANAGES_THE_USER_DONE = answers(
    in_scope="404 done done done done 404 404 404 login 404",
    other_group="- done done done 404 - - - - -",
    other_domain="- done done 404 404 - - - - -",
    other_enterprise="404 404 404 404 404 404 - - - -",
    missing="404 404 404 404 404 404 - - - -",
)
# An import of users: its manager's alone; insiders who may not import are told so first (403).
IMPORT_OF_ITS_MANAGER = answers(
    in_scope="403 404 404 404 200 403 404 404 login 404",
    other_group="- 404 404 404 404 - - - - -",
    other_domain="- 404 404 404 404 - - - - -",
    other_enterprise="403 404 404 404 404 403 - - - -",
    missing="403 404 404 404 404 403 - - - -",
)
IMPORT_OF_ITS_MANAGER_DONE = answers(
    in_scope="403 404 404 404 done 403 404 404 login 404",
    other_group="- 404 404 404 404 - - - - -",
    other_domain="- 404 404 404 404 - - - - -",
    other_enterprise="403 404 404 404 404 403 - - - -",
    missing="403 404 404 404 404 403 - - - -",
)
OTHERS_OWN = "404 404 404 404 404 404 - 200 - -"
OTHERS_OWN_DONE = "404 404 404 404 404 404 - done - -"
SAME_FOR_ALL = {"200": "200 " * 10, "404": "404 " * 10, "405": "405 " * 10}
RESET_LINK = answers(**dict.fromkeys(TARGETS, SAME_FOR_ALL["200"]))
NOT_OFFERED = answers(**{NO_TARGET: SAME_FOR_ALL["404"]})

ROWS: dict[str, Row] = {
    # --- Access Management -------------------------------------------------------------------------
    "access:dashboard": Row(
        by_enterprise,
        answers(
            in_scope="200 200 200 200 200 200 404 404 login 404",
            other_enterprise=OTHERS_OWN,
            missing="404 404 404 404 404 404 - - - -",
        ),
    ),
    "access:group_detail": Row(
        by_group,
        answers(
            in_scope="403 200 200 200 200 403 404 404 login 404",
            other_group="- 200 200 200 403 - - - - -",
            other_domain="- 200 200 403 403 - - - - -",
            other_enterprise="404 404 404 404 404 404 - - - -",
            missing="404 404 404 404 404 404 - - - -",
        ),
    ),
    "access:user_add": Row(
        by_group,
        answers(
            in_scope="403 200 200 200 200 403 404 404 login 404",
            other_group="- 200 200 200 403 - - - - -",
            other_domain="- 200 200 403 403 - - - - -",
            other_enterprise="404 404 404 404 404 404 - - - -",
            missing="404 404 404 404 404 404 - - - -",
        ),
        post=answers(
            in_scope="403 done done done done 403 404 404 login 404",
            other_group="- done done done 403 - - - - -",
            other_domain="- done done 403 403 - - - - -",
            other_enterprise="404 404 404 404 404 404 - - - -",
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=add_user_payload,
    ),
    "access:user_list": Row(
        by_enterprise,
        answers(
            in_scope="403 200 200 200 200 403 404 404 login 404",
            other_enterprise=OTHERS_OWN,
            missing="404 404 404 404 404 404 - - - -",
        ),
    ),
    # Insiders who manage no user are told so (403) before any person is looked up.
    "access:user_detail": Row(
        by_person,
        answers(
            in_scope="403 200 200 200 200 403 404 404 login 404",
            other_group="- 200 200 200 404 - - - - -",
            other_domain="- 200 200 404 404 - - - - -",
            other_enterprise="403 404 404 404 404 403 - - - -",
            missing="403 404 404 404 404 403 - - - -",
        ),
    ),
    "access:person_block": Row(
        by_person,
        answers(
            in_scope="403 200 200 200 200 403 404 404 login 404",
            other_group="- 200 200 200 404 - - - - -",
            other_domain="- 200 200 404 404 - - - - -",
            other_enterprise="403 404 404 404 404 403 - - - -",
            missing="403 404 404 404 404 403 - - - -",
        ),
        post=answers(
            in_scope="403 done done done done 403 404 404 login 404",
            other_group="- done done done 404 - - - - -",
            other_domain="- done done 404 404 - - - - -",
            other_enterprise="403 404 404 404 404 403 - - - -",
            missing="403 404 404 404 404 403 - - - -",
        ),
        payload=reason_payload,
    ),
    "access:person_unblock": Row(
        by_person,
        POST_ONLY,
        post=answers(
            in_scope="403 done done done done 403 404 404 login 404",
            other_group="- done done done 404 - - - - -",
            other_domain="- done done 404 404 - - - - -",
            other_enterprise="403 404 404 404 404 403 - - - -",
            missing="403 404 404 404 404 403 - - - -",
        ),
        prepare=block_everywhere,
    ),
    "access:membership_edit": Row(
        by_membership,
        MANAGES_THE_USER,
    ),
    "access:grant_add": Row(
        by_membership,
        POST_ONLY,
        post=MANAGES_THE_USER_DONE,
        payload=grant_payload,
    ),
    "access:grant_revoke": Row(
        by_grant,
        POST_ONLY,
        post=MANAGES_THE_USER_DONE,
    ),
    "access:membership_block": Row(
        by_membership,
        MANAGES_THE_USER,
        post=MANAGES_THE_USER_DONE,
        payload=reason_payload,
    ),
    "access:membership_unblock": Row(
        by_membership,
        POST_ONLY,
        post=MANAGES_THE_USER_DONE,
        prepare=block_membership,
    ),
    "access:membership_delete": Row(
        by_membership,
        MANAGES_THE_USER,
        post=MANAGES_THE_USER_DONE,
        payload=reason_payload,
    ),
    # A legal representative opens the managers page (to see the MAM), but has no role to give
    # there: their post is refused.
    "access:manager_list": Row(
        by_enterprise,
        answers(
            in_scope="200 200 200 200 403 403 404 404 login 404",
            other_enterprise=OTHERS_OWN,
            missing="404 404 404 404 404 404 - - - -",
        ),
        post=answers(
            in_scope="403 done done done 403 403 404 404 login 404",
            other_enterprise=OTHERS_OWN_DONE,
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=designate_payload,
    ),
    "access:main_manager": Row(
        by_enterprise,
        answers(
            in_scope="200 403 403 403 403 403 404 404 login 404",
            other_enterprise="404 404 404 404 404 404 - 403 - -",
            missing="404 404 404 404 404 404 - - - -",
        ),
    ),
    "access:main_manager_belgian": Row(
        by_enterprise,
        POST_ONLY,
        post=answers(
            in_scope="done 403 403 403 403 403 404 404 login 404",
            other_enterprise="404 404 404 404 404 404 - 403 - -",
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=main_manager_payload,
    ),
    "access:main_manager_foreign": Row(
        by_enterprise,
        POST_ONLY,
        post=answers(
            in_scope="done 403 403 403 403 403 404 404 login 404",
            other_enterprise="404 404 404 404 404 404 - 403 - -",
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=foreign_main_manager_payload,
    ),
    # The enterprise's MAM has no Belgian number: its former MAM (main in Acme, Other's own MAM)
    # is no longer one of its managers.
    "access:main_manager_credentials": Row(
        by_enterprise,
        POST_ONLY,
        post=answers(
            in_scope="done 404 403 403 403 403 404 404 login 404",
            other_enterprise="404 404 404 404 404 404 - 404 - -",
            missing="404 404 404 404 404 404 - - - -",
        ),
        prepare=with_a_foreign_main_manager,
    ),
    # The designation of a Group Manager: of the employer group, of the pension-fund group, of
    # the taxpayer group; and Other's MAM.
    "access:designation_revoke": Row(
        by_designation,
        answers(
            in_scope="404 200 200 200 403 403 404 404 login 404",
            other_group="- 200 200 200 403 - - - - -",
            other_domain="- 200 200 404 403 - - - - -",
            other_enterprise="404 404 404 404 403 403 - - - -",
            missing="404 404 404 404 403 403 - - - -",
        ),
        post=answers(
            in_scope="404 done done done 403 403 404 404 login 404",
            other_group="- done done done 403 - - - - -",
            other_domain="- done done 404 403 - - - - -",
            other_enterprise="404 404 404 404 403 403 - - - -",
            missing="404 404 404 404 403 403 - - - -",
        ),
        payload=reason_payload,
    ),
    # The journal's filter is posted (a national register number may be in it): it writes nothing
    # and leads to the filtered journal.
    "access:journal": Row(
        by_enterprise,
        answers(
            in_scope="200 200 200 200 200 200 404 404 login 404",
            other_enterprise=OTHERS_OWN,
            missing="404 404 404 404 404 404 - - - -",
        ),
        post=answers(
            in_scope="kept kept kept kept kept kept 404 404 login 404",
            other_enterprise="404 404 404 404 404 404 - kept - -",
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=journal_filter_payload,
    ),
    # The journal as CSV: for whoever reads the journal, of their own journal only.
    "access:journal_export": Row(
        by_enterprise,
        answers(
            in_scope="200 200 200 200 200 200 404 404 login 404",
            other_enterprise=OTHERS_OWN,
            missing="404 404 404 404 404 404 - - - -",
        ),
    ),
    # A person's own access: everyone reads theirs in any enterprise; whoever has none there (an
    # outsider, staff, an enterprise that does not exist) gets the same page, which names none.
    "access:my_access": Row(
        by_own_enterprise,
        answers(
            in_scope="200 200 200 200 200 200 200 200 login 200",
            other_enterprise="200 200 200 200 200 200 200 200 login 200",
            missing="200 200 200 200 200 200 200 200 login 200",
        ),
    ),
    # Only Acme's `member` holds the grant and the membership in scope; every other grant or
    # membership, of a colleague, of Other behind Acme's address, or missing, is nobody's to them.
    "access:my_grant_renounce": Row(
        by_own_grant,
        answers(
            in_scope="404 404 404 404 404 200 404 404 login 404",
            other_group="404 404 404 404 404 404 404 404 login 404",
            other_domain="404 404 404 404 404 404 404 404 login 404",
            other_enterprise="404 404 404 404 404 404 404 404 login 404",
            missing="404 404 404 404 404 404 404 404 login 404",
        ),
        post=answers(
            in_scope="404 404 404 404 404 done 404 404 login 404",
            other_group="404 404 404 404 404 404 404 404 login 404",
            other_domain="404 404 404 404 404 404 404 404 login 404",
            other_enterprise="404 404 404 404 404 404 404 404 login 404",
            missing="404 404 404 404 404 404 404 404 login 404",
        ),
        payload=understood_payload,
    ),
    "access:my_group_leave": Row(
        by_own_membership,
        answers(
            in_scope="404 404 404 404 404 200 404 404 login 404",
            other_group="404 404 404 404 404 404 404 404 login 404",
            other_domain="404 404 404 404 404 404 404 404 login 404",
            other_enterprise="404 404 404 404 404 404 404 404 login 404",
            missing="404 404 404 404 404 404 404 404 login 404",
        ),
        post=answers(
            in_scope="404 404 404 404 404 done 404 404 login 404",
            other_group="404 404 404 404 404 404 404 404 login 404",
            other_domain="404 404 404 404 404 404 404 404 login 404",
            other_enterprise="404 404 404 404 404 404 404 404 login 404",
            missing="404 404 404 404 404 404 404 404 login 404",
        ),
        payload=understood_payload,
    ),
    # From the account menu outside an enterprise: the one enterprise's page, or the list (none
    # for the outsider and staff).
    "my_access_index": Row(no_arguments, answers(**{NO_TARGET: "302 302 302 302 302 302 200 302 login 200"})),
    # Who could act on a day: for the managers of at least one group, in the groups they manage.
    "access:who_could_act": Row(
        by_enterprise,
        answers(
            in_scope="403 200 200 200 200 403 404 404 login 404",
            other_enterprise=OTHERS_OWN,
            missing="404 404 404 404 404 404 - - - -",
        ),
    ),
    # Its download, asked without a day, leads back to the page that asks for one.
    "access:who_could_act_export": Row(
        by_enterprise,
        answers(
            in_scope="403 302 302 302 302 403 404 404 login 404",
            other_enterprise="404 404 404 404 404 404 - 302 - -",
            missing="404 404 404 404 404 404 - - - -",
        ),
    ),
    "activated": Row(no_arguments, answers(**{NO_TARGET: "200 200 200 200 200 200 200 200 login 200"})),
    # --- Imports of users: for whoever adds users (docs/design.md §5.14). An import is its
    # manager's own: anyone else, whatever their standing, gets 404 for it. Checking a file writes
    # the import and its rows, not the journal; starting it and undoing it queue a task that does.
    "imports:start": Row(
        by_enterprise,
        answers(
            in_scope="403 200 200 200 200 403 404 404 login 404",
            other_enterprise=OTHERS_OWN,
            missing="404 404 404 404 404 404 - - - -",
        ),
        post=answers(
            in_scope="403 done done done done 403 404 404 login 404",
            other_enterprise=OTHERS_OWN_DONE,
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=import_payload,
        journaled=False,
    ),
    "imports:template": Row(
        by_enterprise,
        answers(
            in_scope="403 200 200 200 200 403 404 404 login 404",
            other_enterprise=OTHERS_OWN,
            missing="404 404 404 404 404 404 - - - -",
        ),
    ),
    **{
        name: Row(by_import, IMPORT_OF_ITS_MANAGER) for name in ("imports:detail", "imports:progress", "imports:report")
    },
    "imports:commit": Row(by_import, POST_ONLY, post=IMPORT_OF_ITS_MANAGER_DONE, journaled=False),
    "imports:undo": Row(by_finished_import, POST_ONLY, post=IMPORT_OF_ITS_MANAGER_DONE, journaled=False),
    # --- ContactData, e-Box, Chaman ------------------------------------------------------------
    "contactdata:edit": Row(
        by_enterprise,
        answers(
            in_scope="403 200 200 200 200 200 404 404 login 404",
            other_enterprise=OTHERS_OWN,
            missing="404 404 404 404 404 404 - - - -",
        ),
    ),
    "contactdata:general_save": Row(
        by_enterprise,
        POST_ONLY,
        post=answers(
            in_scope="403 done done done done done 404 404 login 404",
            other_enterprise=OTHERS_OWN_DONE,
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=contact_data_payload,
    ),
    "contactdata:addresses_save": Row(
        by_enterprise,
        POST_ONLY,
        post=answers(
            in_scope="403 done done done done done 404 404 login 404",
            other_enterprise=OTHERS_OWN_DONE,
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=addresses_payload,
    ),
    "contactdata:contacts_save": Row(
        by_enterprise,
        POST_ONLY,
        post=answers(
            in_scope="403 done done done done done 404 404 login 404",
            other_enterprise=OTHERS_OWN_DONE,
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=domain_contacts_payload,
    ),
    "ebox:inbox": Row(
        by_enterprise,
        answers(
            in_scope="403 200 200 200 200 200 404 404 login 404",
            other_enterprise=OTHERS_OWN,
            missing="404 404 404 404 404 404 - - - -",
        ),
    ),
    # A message for everyone; for the holders of a pension-fund service; of a finance service.
    # Reading marks it read: a refused reading writes nothing.
    "ebox:message": Row(
        by_message,
        answers(
            in_scope="403 200 200 200 200 200 404 404 login 404",
            other_group="- 404 404 404 404 - - - - -",
            other_domain="- 404 404 404 404 - - - - -",
            other_enterprise="403 404 404 404 404 404 - - - -",
            missing="403 404 404 404 404 404 - - - -",
        ),
        get_writes=True,
        journaled=False,
    ),
    "chaman:index": Row(
        by_enterprise,
        answers(
            in_scope="403 200 200 200 200 403 404 404 login 404",
            other_enterprise=OTHERS_OWN,
            missing="404 404 404 404 404 404 - - - -",
        ),
    ),
    "chaman:sender_create": Row(
        by_enterprise,
        POST_ONLY,
        post=answers(
            in_scope="403 done done done done 403 404 404 login 404",
            other_enterprise=OTHERS_OWN_DONE,
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=sender_payload,
        prepare=without_sender,
    ),
    "chaman:contact_save": Row(
        by_enterprise,
        POST_ONLY,
        post=answers(
            in_scope="403 done done done done 403 404 404 login 404",
            other_enterprise=OTHERS_OWN_DONE,
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=contact_payload,
    ),
    "chaman:channel_add": Row(
        by_enterprise,
        POST_ONLY,
        post=answers(
            in_scope="403 done done done done 403 404 404 login 404",
            other_enterprise=OTHERS_OWN_DONE,
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=channel_payload,
    ),
    # Channels belong to the enterprise, not to a group: no group or domain targets.
    "chaman:channel_toggle": Row(
        by_channel,
        POST_ONLY,
        post=answers(
            in_scope="403 done done done done 403 404 404 login 404",
            other_enterprise="403 404 404 404 404 403 - - - -",
            missing="403 404 404 404 404 403 - - - -",
        ),
    ),
    "chaman:channel_replace": Row(
        by_channel,
        POST_ONLY,
        post=answers(
            in_scope="403 done done done done 403 404 404 login 404",
            other_enterprise="403 404 404 404 404 403 - - - -",
            missing="403 404 404 404 404 403 - - - -",
        ),
        payload=replace_payload,
    ),
    "chaman:structured_messages": Row(
        by_enterprise,
        answers(
            in_scope="403 200 200 403 403 403 404 404 login 404",
            other_enterprise=OTHERS_OWN,
            missing="404 404 404 404 404 404 - - - -",
        ),
        post=answers(
            in_scope="403 done done 403 403 403 404 404 login 404",
            other_enterprise=OTHERS_OWN_DONE,
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=structured_payload,
    ),
    # --- The portal around them ----------------------------------------------------------------
    "home": Row(no_arguments, answers(**{NO_TARGET: SAME_FOR_ALL["200"]})),
    # What every public portal shows, linked from the footer of every page: open to all.
    "help": Row(no_arguments, answers(**{NO_TARGET: SAME_FOR_ALL["200"]})),
    "accessibility": Row(no_arguments, answers(**{NO_TARGET: SAME_FOR_ALL["200"]})),
    "privacy": Row(no_arguments, answers(**{NO_TARGET: SAME_FOR_ALL["200"]})),
    "health": Row(no_arguments, answers(**{NO_TARGET: SAME_FOR_ALL["200"]})),
    # Prometheus reads it with the bearer token METRICS_TOKEN (test_metrics_are_for_the_bearer_of_
    # the_token_only below); without a token configured, as here, there is nothing at the address.
    "metrics": Row(no_arguments, answers(**{NO_TARGET: SAME_FOR_ALL["404"]})),
    # The icon, for browsers that ask for it at the root: a redirect to the static file, for all.
    "favicon": Row(no_arguments, answers(**{NO_TARGET: "302 " * 10})),
    # Everyone may choose a language; it is kept as the preference of those who are a person.
    "set_language": Row(
        no_arguments,
        answers(**{NO_TARGET: SAME_FOR_ALL["405"]}),
        post=answers(**{NO_TARGET: "done done done done done done done done kept kept"}),
        payload=language_payload,
        journaled=False,
    ),
    # Only a first local login that still has to choose its password gets the form.
    "account_setup_password": Row(
        no_arguments,
        answers(**{NO_TARGET: "home home home home home home home home login home"}),
        post=answers(**{NO_TARGET: "home home home home home home home home login home"}),
        payload=password_payload,
    ),
    # Accounts are made for people designated or added by a manager: signing up is closed.
    "account_signup": Row(
        no_arguments,
        answers(**{NO_TARGET: "302 302 302 302 302 302 302 302 200 302"}),
        post=answers(**{NO_TARGET: "kept kept kept kept kept kept kept kept 200 kept"}),
        payload=signup_payload,
    ),
    # Local accounts have no reset by e-mail: the pages say whom to ask, whatever is posted.
    "account_reset_password": Row(
        no_arguments,
        answers(**{NO_TARGET: SAME_FOR_ALL["200"]}),
        post=answers(**{NO_TARGET: SAME_FOR_ALL["200"]}),
        payload=reset_payload,
    ),
    "account_reset_password_done": Row(
        no_arguments,
        answers(**{NO_TARGET: SAME_FOR_ALL["200"]}),
        post=answers(**{NO_TARGET: SAME_FOR_ALL["200"]}),
        payload=reset_payload,
    ),
    # A link's parts name no object of an enterprise: whatever is put in them, the same page.
    "account_reset_password_from_key": Row(
        reset_key,
        RESET_LINK,
        post=RESET_LINK,
        payload=reset_payload,
    ),
    "account_reset_password_from_key_done": Row(
        no_arguments,
        answers(**{NO_TARGET: SAME_FOR_ALL["200"]}),
        post=answers(**{NO_TARGET: SAME_FOR_ALL["200"]}),
        payload=reset_payload,
    ),
    # Everyone logged in sees their own sessions and ends their other ones (each persona here has
    # only this one: nothing else to end); their sessions are nobody else's to see.
    "usersessions_list": Row(
        no_arguments,
        answers(**{NO_TARGET: "200 200 200 200 200 200 200 200 login 200"}),
        post=answers(**{NO_TARGET: "kept kept kept kept kept kept kept kept login kept"}),
        journaled=False,
    ),
    # allauth's pages that the portal does not offer: a local password for a person who logs in
    # with a federal identity, an e-mail address added by the person. Nothing posted is read.
    "account_set_password": Row(no_arguments, NOT_OFFERED, post=NOT_OFFERED, payload=email_payload),
    "account_email": Row(no_arguments, NOT_OFFERED, post=NOT_OFFERED, payload=email_payload),
    "account_email_verification_sent": Row(no_arguments, NOT_OFFERED, post=NOT_OFFERED, payload=email_payload),
    "account_confirm_email": Row(
        confirmation_key,
        answers(**dict.fromkeys(TARGETS, SAME_FOR_ALL["404"])),
        post=answers(**dict.fromkeys(TARGETS, SAME_FOR_ALL["404"])),
        payload=email_payload,
    ),
    # Development only (DEBUG): what the portal sent, for whoever runs it on their machine.
    "dev_outbox": Row(no_arguments, answers(**{NO_TARGET: SAME_FOR_ALL["200"]}), setting="DEV_OUTBOX_ENABLED"),
    # --- The decision point (token-authenticated: see "Token-authenticated routes" below) --------
    # Public: the metadata of the Policy Decision Point.
    "decisions:configuration": Row(
        no_arguments,
        answers(**{NO_TARGET: SAME_FOR_ALL["200"]}),
        post=answers(**{NO_TARGET: SAME_FOR_ALL["405"]}),
    ),
    # Public: the API in OpenAPI 3.1.
    "decisions:openapi": Row(
        no_arguments,
        answers(**{NO_TARGET: SAME_FOR_ALL["200"]}),
        post=answers(**{NO_TARGET: SAME_FOR_ALL["405"]}),
    ),
    # A session is no credential: whoever is logged in, without an access token the answer is 401
    # (before the body is read); a GET is a 405 for all, anonymous included.
    "decisions:access_evaluation": Row(
        no_arguments,
        answers(**{NO_TARGET: SAME_FOR_ALL["405"]}),
        post=answers(**{NO_TARGET: "401 " * 10}),
        payload=evaluation_payload,
    ),
    "decisions:access_evaluations": Row(
        no_arguments,
        answers(**{NO_TARGET: SAME_FOR_ALL["405"]}),
        post=answers(**{NO_TARGET: "401 " * 10}),
        payload=evaluation_payload,
    ),
    "decisions:search_resource": Row(
        no_arguments,
        answers(**{NO_TARGET: SAME_FOR_ALL["405"]}),
        post=answers(**{NO_TARGET: "401 " * 10}),
        payload=evaluation_payload,
    ),
    # The token endpoint authenticates the client by its secret, never by a session.
    "decisions:token": Row(
        no_arguments,
        answers(**{NO_TARGET: SAME_FOR_ALL["405"]}),
        post=answers(**{NO_TARGET: "401 " * 10}),
        payload=lambda stage, target: {"grant_type": "client_credentials"},
        journaled=False,
    ),
    # --- Provisioning (docs/provisioning.md) ----------------------------------------------------------
    # A manager's tokens: whoever manages users; a token is revoked by its own manager only.
    "provisioning:tokens": Row(
        by_enterprise,
        answers(
            in_scope="403 200 200 200 200 403 404 404 login 404",
            other_enterprise=OTHERS_OWN,
            missing="404 404 404 404 404 404 - - - -",
        ),
    ),
    # A token made is shown on the page that answers (200, "made"), never after a redirect.
    "provisioning:token_create": Row(
        by_enterprise,
        POST_ONLY,
        post=answers(
            in_scope="403 made made made made 403 404 404 login 404",
            other_enterprise="404 404 404 404 404 404 - made - -",
            missing="404 404 404 404 404 404 - - - -",
        ),
        payload=token_payload,
    ),
    "provisioning:token_revoke": Row(
        by_token,
        POST_ONLY,
        post=answers(
            in_scope="403 done 404 404 404 403 404 404 login 404",
            other_group="403 404 done 404 404 403 404 404 login 404",
            other_domain="403 404 404 done 404 403 404 404 login 404",
            other_enterprise="403 404 404 404 404 403 404 404 login 404",
            missing="403 404 404 404 404 403 404 404 login 404",
        ),
    ),
    # SCIM: a session is no credential. Whoever is logged in, without a provisioning token the answer
    # is 401 (the token section below asks with tokens); a method an address does not take is a 405,
    # and an address SCIM does not have a SCIM 404 ("api404"). The API's description is public.
    "scim:openapi": Row(
        no_arguments,
        answers(**{NO_TARGET: SAME_FOR_ALL["200"]}),
        post=answers(**{NO_TARGET: SAME_FOR_ALL["405"]}),
    ),
    "scim:root": Row(no_arguments, answers(**{NO_TARGET: "api404 " * 10}), post=answers(**{NO_TARGET: "api404 " * 10})),
    "scim:not_found": Row(
        scim_elsewhere,
        answers(**dict.fromkeys(TARGETS, "api404 " * 10)),
        post=answers(**dict.fromkeys(TARGETS, "api404 " * 10)),
    ),
    "scim:service_provider_config": Row(
        no_arguments, answers(**{NO_TARGET: "401 " * 10}), post=answers(**{NO_TARGET: "405 " * 10})
    ),
    "scim:resource_types": Row(
        no_arguments, answers(**{NO_TARGET: "401 " * 10}), post=answers(**{NO_TARGET: "405 " * 10})
    ),
    "scim:resource_type": Row(
        scim_resource_type,
        answers(**dict.fromkeys(TARGETS, "401 " * 10)),
        post=answers(**dict.fromkeys(TARGETS, "405 " * 10)),
    ),
    "scim:schemas": Row(no_arguments, answers(**{NO_TARGET: "401 " * 10}), post=answers(**{NO_TARGET: "405 " * 10})),
    "scim:schema": Row(
        scim_schema,
        answers(**dict.fromkeys(TARGETS, "401 " * 10)),
        post=answers(**dict.fromkeys(TARGETS, "405 " * 10)),
    ),
    "scim:users": Row(no_arguments, answers(**{NO_TARGET: "401 " * 10}), post=answers(**{NO_TARGET: "401 " * 10})),
    "scim:users_search": Row(
        no_arguments, answers(**{NO_TARGET: "405 " * 10}), post=answers(**{NO_TARGET: "401 " * 10})
    ),
    "scim:user": Row(
        scim_user,
        answers(**dict.fromkeys(TARGETS, "401 " * 10)),
        post=answers(**dict.fromkeys(TARGETS, "405 " * 10)),
    ),
    "scim:groups": Row(no_arguments, answers(**{NO_TARGET: "401 " * 10}), post=answers(**{NO_TARGET: "401 " * 10})),
    "scim:groups_search": Row(
        no_arguments, answers(**{NO_TARGET: "405 " * 10}), post=answers(**{NO_TARGET: "401 " * 10})
    ),
    "scim:group": Row(
        scim_group,
        answers(**dict.fromkeys(TARGETS, "401 " * 10)),
        post=answers(**dict.fromkeys(TARGETS, "405 " * 10)),
    ),
    "scim:search": Row(no_arguments, answers(**{NO_TARGET: "405 " * 10}), post=answers(**{NO_TARGET: "401 " * 10})),
    # --- The admin's own views of the project (staff only) -------------------------------------
    # The admin's login reads no password: the portal's login, then a second factor, open the admin.
    "admin:login": Row(
        no_arguments,
        answers(**{NO_TARGET: "403 " * 8 + "login 302"}),
        post=answers(**{NO_TARGET: "403 " * 8 + "login kept"}),
        payload=lambda stage, target: {"username": "staff", "password": factories.PASSWORD},
        journaled=False,
    ),
    "admin:access_person_find": Row(
        no_arguments,
        answers(**{NO_TARGET: "admin-login " * 9 + "302"}),
        post=answers(**{NO_TARGET: "admin-login " * 9 + "kept"}),
        payload=find_payload,
    ),
    "admin:access_enterprise_main_manager": Row(
        by_admin_enterprise,
        answers(
            in_scope="admin-login " * 9 + "200",
            other_enterprise="admin-login " * 9 + "200",
            missing="admin-login " * 9 + "404",
        ),
        post=answers(
            in_scope="admin-login " * 9 + "done",
            other_enterprise="admin-login " * 9 + "done",
            missing="admin-login " * 9 + "404",
        ),
        payload=staff_main_manager_payload,
    ),
    # Django's own view, journaled by the project's user admin (access.admin).
    "admin:auth_user_password_change": Row(
        by_admin_user,
        answers(
            **{target: "admin-login " * 9 + "200" for target in TARGETS if target != "missing"},
            missing="admin-login " * 9 + "404",
        ),
        post=answers(
            **{target: "admin-login " * 9 + "done" for target in TARGETS if target != "missing"},
            missing="admin-login " * 9 + "404",
        ),
        payload=staff_password_payload,
    ),
    "admin:access_enterprise_main_manager_credentials": Row(
        by_admin_enterprise,
        answers(
            in_scope="admin-login " * 9 + "200",
            other_enterprise="admin-login " * 9 + "200",
            missing="admin-login " * 9 + "404",
        ),
        post=answers(
            in_scope="admin-login " * 9 + "done",
            other_enterprise="admin-login " * 9 + "done",
            missing="admin-login " * 9 + "404",
        ),
        payload=staff_reason_payload,
        prepare=with_a_foreign_main_manager,
    ),
}

# --- Access reviews and unused access (docs/design.md §5.13) ----------------------------------------
# A review of a target: in scope, the open review of the whole of Acme (every group); other_group,
# an earlier review of the whole of Acme, closed; other_domain, the open review of the finance
# domain (neither the nsso Access Manager's groups nor the Group Manager's are in it); other
# enterprise, Other's open review behind Acme's address. A grant of a target, in the open review of
# the whole of Acme: the user's of each group; Other's user's behind it (a grant not in the review).


def _reviewer(s: Stage, enterprise_id: int):  # type: ignore[no-untyped-def]
    from access.selectors import Actor, standing_of

    w = s.world
    person = w.main if enterprise_id == s.acme else w.other_enterprise_manager
    enterprise = w.enterprise if enterprise_id == s.acme else w.other_enterprise
    return Actor(person=person, enterprise=enterprise, standing=standing_of(person.pk, enterprise_id))


def review_of(s: Stage, target: str):  # type: ignore[no-untyped-def]
    from access import services

    if target == "missing":
        return None
    enterprise_id = s.other if target == "other_enterprise" else s.acme
    domain = Domain.objects.get(code="finance") if target == "other_domain" else None
    deadline = timezone.localdate() + timedelta(days=10)
    review = services.review_start(_reviewer(s, enterprise_id), domain=domain, deadline=deadline, end_unconfirmed=True)
    if target == "other_group":
        review.closed_at = timezone.now()
        review.save(update_fields=["closed_at"])
    return review


def by_review(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "review_id": _pk(review_of(s, target))}


def by_review_grant(s: Stage, target: str) -> dict[str, int]:
    review = review_of(s, "in_scope")
    grant = own_grant_of(s, target)
    return {"enterprise_id": s.acme, "review_id": _pk(review), "grant_id": _pk(grant)}


def review_start_payload(s: Stage, target: str) -> dict[str, Any]:
    deadline = timezone.localdate() + timedelta(days=10)
    return {"deadline": deadline.strftime("%d/%m/%Y"), "end_unconfirmed": "yes"}


def review_page_payload(s: Stage, target: str) -> dict[str, Any]:
    """The member's grant; in the review of finance, the taxpayer's."""
    grant = own_grant_of(s, "other_domain" if target == "other_domain" else "in_scope")
    return {"grant": [_pk(grant)]}


def unused_access_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"months": "6"}


MAIN_MANAGERS_ONLY = answers(
    in_scope="403 200 200 403 403 403 404 404 login 404",
    other_enterprise=OTHERS_OWN,
    missing="404 404 404 404 404 404 - - - -",
)
MAIN_MANAGERS_ONLY_DONE = answers(
    in_scope="403 done done 403 403 403 404 404 login 404",
    other_enterprise=OTHERS_OWN_DONE,
    missing="404 404 404 404 404 404 - - - -",
)
# Answering for one grant of the open review: the managers who may revoke it (as grant_revoke).
ANSWERS_THE_GRANT = answers(
    in_scope="403 done done done done 403 404 404 login 404",
    other_group="- done done done 404 - - - - -",
    other_domain="- done done 404 404 - - - - -",
    other_enterprise="403 404 404 404 404 403 - - - -",
    missing="403 404 404 404 404 403 - - - -",
)

ROWS.update(
    {
        # Every manager lists the reviews (those that cover their groups); the MAM and co-MAMs follow them all.
        "access:review_list": Row(
            by_enterprise,
            answers(
                in_scope="403 200 200 200 200 403 404 404 login 404",
                other_enterprise=OTHERS_OWN,
                missing="404 404 404 404 404 404 - - - -",
            ),
        ),
        "access:review_start": Row(
            by_enterprise, MAIN_MANAGERS_ONLY, post=MAIN_MANAGERS_ONLY_DONE, payload=review_start_payload
        ),
        # The progress: the MAM and co-MAMs; the others are told so (403) before any review is looked up.
        "access:review_detail": Row(
            by_review,
            answers(
                in_scope="403 200 200 403 403 403 404 404 login 404",
                other_group="- 200 200 403 403 - - - - -",
                other_domain="- 200 200 403 403 - - - - -",
                other_enterprise="403 404 404 403 403 403 - - - -",
                missing="403 404 404 403 403 403 - - - -",
            ),
        ),
        # The grants to answer: a manager whose groups the review covers; a closed review is read.
        "access:review_answer": Row(
            by_review,
            answers(
                in_scope="403 200 200 200 200 403 404 404 login 404",
                other_group="- 200 200 200 200 - - - - -",
                other_domain="- 200 200 403 403 - - - - -",
                other_enterprise="403 404 404 404 404 403 - - - -",
                missing="403 404 404 404 404 403 - - - -",
            ),
        ),
        # A page's grants confirmed at once: the member's; a closed review takes no answer (403).
        "access:review_page_confirm": Row(
            by_review,
            POST_ONLY,
            post=answers(
                in_scope="403 done done done done 403 404 404 login 404",
                other_group="- 403 403 403 403 - - - - -",
                other_domain="- done done 403 403 - - - - -",
                other_enterprise="403 404 404 404 404 403 - - - -",
                missing="403 404 404 404 404 403 - - - -",
            ),
            payload=review_page_payload,
        ),
        "access:review_grant_confirm": Row(by_review_grant, POST_ONLY, post=ANSWERS_THE_GRANT),
        "access:review_grant_revoke": Row(by_review_grant, POST_ONLY, post=ANSWERS_THE_GRANT),
        "access:unused_access": Row(
            by_enterprise, MAIN_MANAGERS_ONLY, post=MAIN_MANAGERS_ONLY_DONE, payload=unused_access_payload
        ),
    }
)

# --- Four eyes (docs/design.md §5.15) --------------------------------------------------------------------


def request_of(s: Stage, target: str) -> ApprovalRequest | None:
    """A request for a co-MAM: Acme's, asked by its MAM and waiting (in_scope); Acme's, past its
    expiry (other_group: a stale request); Acme's, already approved (other_domain); Other's
    (other_enterprise, behind Acme's address)."""
    if target == "missing":
        return None
    w = s.world
    other = target == "other_enterprise"
    enterprise = w.other_enterprise if other else w.enterprise
    requester = w.other_enterprise_manager if other else w.main
    now = timezone.now()
    request = ApprovalRequest.objects.create(
        enterprise=enterprise,
        kind="designation",
        params={"kind": "co_main", "domain": None},
        target=factories.person(None, "Cora", "Second"),
        requested_by=requester,
        expires_at=now + (timedelta(seconds=-1) if target == "other_group" else timedelta(days=7)),
    )
    if target == "other_domain":
        request.status, request.decided_by, request.decided_at = "approved", w.co_main, now
        request.save(update_fields=["status", "decided_by", "decided_at"])
    return request


def by_request(s: Stage, target: str) -> dict[str, int]:
    return {"enterprise_id": s.acme, "request_id": _pk(request_of(s, target))}


def four_eyes_payload(s: Stage, target: str) -> dict[str, Any]:
    return {"enabled": "0"}


# Deciding a request: a second manager who did not ask for it (the MAM asked: 403 for them), while
# it waits; a stale or decided one is refused (403); others are told so before any lookup (403).
DECIDES_THE_REQUEST = answers(
    in_scope="done 403 done 403 403 403 404 404 login 404",
    other_group="- 403 403 403 403 - - - - -",
    other_domain="- 403 403 403 403 - - - - -",
    other_enterprise="404 404 404 403 403 403 - - - -",
    missing="404 404 404 403 403 403 - - - -",
)

ROWS.update(
    {
        # The requests: the second managers (MAM, co-MAMs, legal representatives).
        "access:approval_list": Row(
            by_enterprise,
            answers(
                in_scope="200 200 200 403 403 403 404 404 login 404",
                other_enterprise=OTHERS_OWN,
                missing="404 404 404 404 404 404 - - - -",
            ),
        ),
        "access:approval_approve": Row(by_request, POST_ONLY, post=DECIDES_THE_REQUEST),
        "access:approval_refuse": Row(by_request, POST_ONLY, post=DECIDES_THE_REQUEST),
        # The setting: the MAM's alone.
        "access:four_eyes": Row(
            by_enterprise,
            POST_ONLY,
            post=answers(
                in_scope="403 done 403 403 403 403 404 404 login 404",
                other_enterprise=OTHERS_OWN_DONE,
                missing="404 404 404 404 404 404 - - - -",
            ),
            payload=four_eyes_payload,
        ),
    }
)

# --- What the table leaves out, and why ------------------------------------------------------------

ALLAUTH = (
    "allauth's own page (login, logout, passwords, one-time codes, recovery codes, federated login): tests/accounts"
)
ALLAUTH_NAMES = {
    "account_login",
    "account_logout",
    "account_inactive",
    "account_reauthenticate",
    "account_change_password",
    "account_confirm_login_code",
    "mfa_index",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",
    "socialaccount_connections",
    "openid_connect_login",
    "openid_connect_callback",
}
# allauth's unnamed redirects from its former addresses.
ALLAUTH_ROUTES = {
    "accounts/social/login/cancelled/",
    "accounts/social/login/error/",
    "accounts/social/signup/",
    "accounts/social/connections/",
}
OUT_OF_SCOPE: dict[str, str] = dict.fromkeys(ALLAUTH_NAMES | ALLAUTH_ROUTES, ALLAUTH)
DEV_IDP = (
    "the development identity provider: an OpenID provider's public endpoints, mounted only when "
    "DEV_IDP_ENABLED is set (off by default); tests/accounts/test_identity.py and the browser tests drive it"
)
DEV_IDP_NAMES = {
    "devidp:root",
    "devidp:configuration",
    "devidp:authorize",
    "devidp:token",
    "devidp:userinfo",
    "devidp:jwks",
}
OUT_OF_SCOPE.update(dict.fromkeys(DEV_IDP_NAMES, DEV_IDP))

ADMIN = (
    "Django's admin, for staff only by its own checks (test_admin_pages_are_for_staff_only here; "
    "tests/access/test_admin.py for what the project's admin allows)"
)
ADMIN_SITE_NAMES = {
    "admin:index",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
    "admin:app_list",
}
ADMIN_MODEL_VIEWS = ("changelist", "add", "history", "delete", "change")
# Django's own code; a view of the project's (access.admin, ...) never matches.
ADMIN_MODULES = (
    "django.contrib.admin.",
    "django.contrib.auth.admin",
    "django.contrib.contenttypes.views",
    "django.views.generic.base",
)


def admin_model_names() -> set[str]:
    return {
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
        for model in admin.site._registry
        for view in ADMIN_MODEL_VIEWS
    } | {"admin:auth_user_password_change"}


@dataclass(frozen=True)
class Pattern:
    key: str  # the namespaced name, or the route of an unnamed pattern
    route: str
    module: str


def url_patterns(resolver: URLResolver | None = None) -> list[Pattern]:
    """Every pattern of the URL conf, walked recursively."""

    def walk(resolver: URLResolver, prefix: str, namespace: str | None) -> Iterator[Pattern]:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace])) or None
                yield from walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                name = ":".join(filter(None, [namespace, entry.name])) if entry.name else None
                yield Pattern(name or route, route, entry.callback.__module__)

    return list(walk(resolver or get_resolver(), "", None))


def why_covered(pattern: Pattern) -> str | None:
    """The row or the rule that covers a pattern; None when nothing does."""
    if pattern.key in ROWS:
        return "row"
    if pattern.key in OUT_OF_SCOPE and pattern.module.startswith(("allauth.", "django.views.generic.base", "devidp.")):
        return OUT_OF_SCOPE[pattern.key]
    if pattern.route.startswith("admin/") and pattern.module.startswith(ADMIN_MODULES):
        unnamed = not pattern.key.startswith("admin:")
        if unnamed or pattern.key in ADMIN_SITE_NAMES or pattern.key in admin_model_names():
            return ADMIN
    return None


def uncovered(patterns: list[Pattern]) -> list[str]:
    return [f"{p.key} ({p.route}, {p.module})" for p in patterns if why_covered(p) is None]


# Mandates: the page of the enterprise's mandates, for those who give them (MAM, co-MAMs, Access
# Managers) and answer them (MAM, co-MAMs); an object of another mandate is not found.
MANDATE_ELSEWHERE = "403 404 404 404 403 403 - - - -"
ROWS.update(
    {
        "mandates:list": Row(
            by_enterprise,
            answers(
                in_scope="403 200 200 200 403 403 404 404 login 404",
                other_enterprise=OTHERS_OWN,
                missing="404 404 404 404 404 404 - - - -",
            ),
        ),
        "mandates:offer": Row(
            by_enterprise,
            POST_ONLY,
            post=answers(
                in_scope="403 done done done 403 403 404 404 login 404",
                other_enterprise=OTHERS_OWN_DONE,
                missing="404 404 404 404 404 404 - - - -",
            ),
            payload=mandate_offer_payload,
        ),
        "mandates:detail": Row(
            by_mandate,
            answers(
                in_scope="403 200 200 200 403 403 404 404 login 404",
                other_group="- 200 200 404 403 - - - - -",
                other_domain="- 200 200 200 403 - - - - -",
                other_enterprise=MANDATE_ELSEWHERE,
                missing=MANDATE_ELSEWHERE,
            ),
        ),
        # The provider's MAM and co-MAMs answer an offer; the principal does not answer its own.
        **{
            name: Row(
                by_offered_mandate,
                POST_ONLY,
                post=answers(
                    in_scope="403 403 403 403 403 403 404 404 login 404",
                    other_group="- done done 404 403 - - - - -",
                    other_domain="- 403 403 403 403 - - - - -",
                    other_enterprise=MANDATE_ELSEWHERE,
                    missing=MANDATE_ELSEWHERE,
                ),
            )
            for name in ("mandates:accept", "mandates:refuse")
        },
        # Either side ends it: the principal's MAM, co-MAMs and Access Manager of its domains;
        # the provider's MAM and co-MAMs.
        "mandates:end": Row(
            by_mandate,
            POST_ONLY,
            post=answers(
                in_scope="403 done done done 403 403 404 404 login 404",
                other_group="- done done 404 403 - - - - -",
                other_domain="- done done 403 403 - - - - -",
                other_enterprise=MANDATE_ELSEWHERE,
                missing=MANDATE_ELSEWHERE,
            ),
        ),
        # Access under a mandate: given and taken back by the provider's MAM and co-MAMs only.
        "mandates:access_grant": Row(
            by_mandate,
            POST_ONLY,
            post=answers(
                in_scope="403 403 403 403 403 403 404 404 login 404",
                other_group="- done done 404 403 - - - - -",
                other_domain="- 403 403 403 403 - - - - -",
                other_enterprise=MANDATE_ELSEWHERE,
                missing=MANDATE_ELSEWHERE,
            ),
            payload=mandate_access_payload,
        ),
        "mandates:access_revoke": Row(
            by_mandate_access,
            POST_ONLY,
            post=answers(
                in_scope="403 403 403 403 403 403 404 404 login 404",
                other_group="- done done 404 403 - - - - -",
                other_domain="- 403 403 403 403 - - - - -",
                other_enterprise=MANDATE_ELSEWHERE,
                missing=MANDATE_ELSEWHERE,
            ),
        ),
    }
)

# --- The cells -------------------------------------------------------------------------------------

PRESENT = {pattern.key for pattern in url_patterns()}


def _asked(row: Row, target: str, column: int) -> bool:
    return any(answers and answers[target][column] != NOT_ASKED for answers in (row.get, row.post))


def _cells() -> list[Any]:
    cells = []
    for name, row in ROWS.items():
        if name not in PRESENT:  # a development URL that is off: test_rows_name_only_urls_that_exist
            continue
        for target in row.get or row.post or {}:
            for column, persona in enumerate(PERSONAS):
                if _asked(row, target, column):
                    cells.append(pytest.param(name, target, persona, id=f"{name}|{target}|{persona}"))
    return cells


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def normalised(response: "TestResponse", path: str) -> str:
    body = response.content.decode()
    return CSRF.sub('name="csrfmiddlewaretoken" value=""', body).replace(path, "{path}")


ENTERPRISE_ADDRESS = re.compile(r"^/e/(\d+)/")


def not_found_page(s: Stage, persona: str, path: str) -> str:
    """The yardstick of a 404: the persona's page for an enterprise that does not exist, where they
    have no standing in the enterprise of the address (one page that says so, whether it exists or
    not); their page for an address the portal does not have, anywhere else. Anonymous is sent to
    the login at an enterprise's address, and staff have no person, hence no standing to be told
    of: their yardstick is the missing address. Whether the persona stands in the enterprise is
    what its dashboard answers now (a cell's preparation may have changed it)."""
    address = ENTERPRISE_ADDRESS.match(path)
    outsider = (
        address is not None
        and persona not in ("anonymous", "staff")
        and s.clients[persona].get(reverse("access:dashboard", args=[int(address.group(1))])).status_code == 404
    )
    key = f"{persona}:{'outsider' if outsider else 'missing page'}"
    if key not in s.not_found:
        yardstick = reverse("access:dashboard", args=[MISSING]) if outsider else "/no-such-page/"
        response = s.clients[persona].get(yardstick)
        assert response.status_code == 404
        s.not_found[key] = normalised(response, yardstick)
    return s.not_found[key]


def redirected_to(response: "TestResponse", where: str, back_to: str | None = None) -> None:
    assert response.status_code == 302, f"expected a redirect, got {response.status_code}"
    location = urlsplit(response["Location"])
    assert location.path == where, response["Location"]
    if back_to is not None:
        assert parse_qs(location.query).get("next") == [back_to], response["Location"]


def check_answer(s: Stage, persona: str, response: "TestResponse", expected: str, path: str) -> None:
    if expected == "api404":
        assert response.status_code == 404, response.status_code
        assert response["Content-Type"] == "application/scim+json"
    elif expected == "login":
        redirected_to(response, reverse("account_login"), back_to=path)
    elif expected == "admin-login":
        redirected_to(response, reverse("admin:login"), back_to=path)
    elif expected in ("home", "kept"):
        assert response.status_code == 302, response.status_code
        if expected == "home":
            redirected_to(response, reverse("home"))
    elif expected == "302":
        assert response.status_code == 302, response.status_code
    elif expected == "404":
        assert response.status_code == 404, response.status_code
        assert normalised(response, path) == not_found_page(s, persona, path), "this 404 differs from a missing id's"
    elif expected == "form":
        assert response.status_code == 200, response.status_code
        assert 'role="alert"' in response.content.decode(), "no error shown"
    else:
        assert response.status_code == int(expected), f"expected {expected}, got {response.status_code}"


@pytest.mark.parametrize(("name", "target", "persona"), _cells())
def test_cell(stage: Stage, name: str, target: str, persona: str) -> None:
    row = ROWS[name]
    column = PERSONAS.index(persona)
    client = stage.clients[persona]
    if row.prepare:
        row.prepare(stage, target)
    url = reverse(name, kwargs=row.kwargs(stage, target))

    if row.get is not None and row.get[target][column] != NOT_ASKED:
        before = snapshot() if row.get_writes else None
        response = client.get(url)
        expected = row.get[target][column]
        check_answer(stage, persona, response, expected, url)
        if before is not None:
            changed = changed_tables(before, snapshot())
            assert bool(changed) == (expected == "200"), f"tables changed: {changed}"

    if row.post is None or row.post[target][column] == NOT_ASKED:
        return
    outcome = row.post[target][column]
    before = snapshot()
    response = client.post(url, row.payload(stage, target))
    changed = changed_tables(before, snapshot())
    if outcome in ("done", "made"):
        expected_status = 302 if outcome == "done" else 200
        assert response.status_code == expected_status, f"expected success, got {response.status_code}"
        assert changed, "the action succeeded but changed nothing: is the payload right?"
        if row.journaled:
            assert "access_auditevent" in changed, f"no journal row; changed: {changed}"
    else:
        check_answer(stage, persona, response, outcome, url)
        assert not changed, f"a refused POST changed {changed}"


@pytest.mark.parametrize("name", [name for name, row in ROWS.items() if row.get is POST_ONLY and name in PRESENT])
def test_post_only_urls_refuse_a_get(stage: Stage, name: str) -> None:
    url = reverse(name, kwargs=ROWS[name].kwargs(stage, "in_scope"))
    for persona in PERSONAS:
        response = stage.clients[persona].get(url)
        check_answer(stage, persona, response, "login" if persona == "anonymous" else "405", url)


# --- The choice of an enterprise, searched and paged ------------------------------------------------

# The enterprise each persona acts for (the rest act for none).
ACTS_FOR = {"other_enterprise_manager": "other", **dict.fromkeys(PERSONAS[:6], "acme")}


@pytest.mark.parametrize("name", ["home", "my_access_index"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_choice_of_an_enterprise_searched_lists_only_the_personas_own(
    stage: Stage, name: str, persona: str
) -> None:
    """`?q=` and `?page=` change which of their enterprises a person sees, never whose: searched by
    the name or the number of Acme and of Other, on any page, each persona finds only the
    enterprise they act for, and the same status as without them."""
    client = stage.clients[persona]
    url = reverse(name)
    for key, enterprise in (("acme", stage.world.enterprise), ("other", stage.world.other_enterprise)):
        for typed in (enterprise.name, enterprise.number_display, enterprise.number):
            for page in ("1", "99999", "abc"):
                response = client.get(url, {"q": typed, "page": page})
                if persona == "anonymous" and name == "my_access_index":
                    redirected_to(response, reverse("account_login"))
                    continue
                assert response.status_code == 200, (typed, page)
                listed = f'href="/e/{enterprise.pk}/' in response.content.decode()
                assert listed == (ACTS_FOR.get(persona) == key), (typed, page)


# --- A person's own access: a forged post changes nothing --------------------------------------------


@pytest.mark.parametrize("name", ["access:my_grant_renounce", "access:my_group_leave"])
def test_giving_up_or_leaving_without_the_pages_csrf_token_is_refused_and_changes_nothing(
    stage: Stage, name: str
) -> None:
    """What another site would post in the person's name: no token, a made-up one. Refused, and
    nothing written; the page's own token then goes through."""
    browser = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    browser.cookies[settings.SESSION_COOKIE_NAME] = stage.sessions["member"]
    url = reverse(name, kwargs=ROWS[name].kwargs(stage, "in_scope"))
    page = browser.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token, "no CSRF token on the confirmation page"
    for forged in ({}, {"csrfmiddlewaretoken": "x" * 64}):
        before = snapshot()
        response = browser.post(url, {**understood_payload(stage, "in_scope"), **forged})
        assert response.status_code == 403
        assert "CSRF verification failed" in response.content.decode()
        assert not changed_tables(before, snapshot())
    before = snapshot()
    response = browser.post(url, {**understood_payload(stage, "in_scope"), "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert "access_auditevent" in changed_tables(before, snapshot())


# --- Access over time: a forged post changes nothing --------------------------------------------------

FORGEABLE = [
    "mandates:offer",
    "mandates:end",
    "access:review_start",
    "access:review_page_confirm",
    "access:review_grant_confirm",
    "access:review_grant_revoke",
    "access:unused_access",
]


@pytest.mark.parametrize("name", FORGEABLE)
def test_a_forged_post_of_a_review_a_mandate_or_the_unused_access_is_refused_and_changes_nothing(
    stage: Stage, name: str
) -> None:
    """What another site would post in the MAM's name: no token, a made-up one. Refused, and
    nothing written; the token of the page the form is on then goes through."""
    browser = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    browser.cookies[settings.SESSION_COOKIE_NAME] = stage.sessions["main"]
    row = ROWS[name]
    kwargs = row.kwargs(stage, "in_scope")
    url = reverse(name, kwargs=kwargs)
    if "review_id" in kwargs:
        page_url = reverse("access:review_answer", args=[kwargs["enterprise_id"], kwargs["review_id"]])
    elif "mandate_id" in kwargs:
        page_url = reverse("mandates:detail", kwargs=kwargs)
    elif name.startswith("mandates:"):
        page_url = reverse("mandates:list", args=[kwargs["enterprise_id"]])
    else:
        page_url = url
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(page_url).content.decode())
    assert token, "no CSRF token on the page of the form"
    payload = row.payload(stage, "in_scope")
    for forged in ({}, {"csrfmiddlewaretoken": "x" * 64}):
        before = snapshot()
        response = browser.post(url, {**payload, **forged})
        assert response.status_code == 403
        assert "CSRF verification failed" in response.content.decode()
        assert not changed_tables(before, snapshot())
    before = snapshot()
    response = browser.post(url, {**payload, "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert "access_auditevent" in changed_tables(before, snapshot())


@pytest.mark.parametrize(
    ("name", "persona"),
    [("access:approval_approve", "co_main"), ("access:approval_refuse", "co_main"), ("access:four_eyes", "main")],
)
def test_a_forged_post_of_a_second_approval_is_refused_and_changes_nothing(
    stage: Stage, name: str, persona: str
) -> None:
    """What another site would post in a second manager's name: refused, nothing written; the
    token of the page of requests then goes through."""
    browser = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    browser.cookies[settings.SESSION_COOKIE_NAME] = stage.sessions[persona]
    url = reverse(name, kwargs=ROWS[name].kwargs(stage, "in_scope"))
    page = browser.get(reverse("access:approval_list", args=[stage.acme])).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the page of requests"
    payload = ROWS[name].payload(stage, "in_scope")
    for forged in ({}, {"csrfmiddlewaretoken": "x" * 64}):
        before = snapshot()
        response = browser.post(url, {**payload, **forged})
        assert response.status_code == 403
        assert "CSRF verification failed" in response.content.decode()
        assert not changed_tables(before, snapshot())
    before = snapshot()
    response = browser.post(url, {**payload, "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert "access_auditevent" in changed_tables(before, snapshot())


def test_approving_twice_in_two_tabs_carries_the_action_out_once(stage: Stage) -> None:
    """Two second managers (or one in two tabs) approve the same request: the first carries it
    out; the second is refused (403), and nothing more is written."""
    request = request_of(stage, "in_scope")
    assert request is not None
    url = reverse("access:approval_approve", args=[stage.acme, request.pk])
    first = stage.clients["co_main"].post(url)
    assert first.status_code == 302
    for persona in ("co_main", "legal_representative"):
        before = snapshot()
        again = stage.clients[persona].post(url)
        assert again.status_code == 403
        assert not changed_tables(before, snapshot())
    assert Designation.objects.filter(person=request.target, kind="co_main").count() == 1


def test_a_grant_of_the_enterprise_not_in_the_review_is_not_found_and_nothing_is_written(stage: Stage) -> None:
    """A grant made after the review started is in no review: answering for it, alone or among a
    page's, is a 404 for every manager, and nothing changes."""
    w = stage.world
    review = review_of(stage, "in_scope")
    later = Grant.objects.create(membership=w.member_membership, service=OnlineService.objects.get(code="dmfa"))
    held = own_grant_of(stage, "in_scope")
    for persona in ("main", "co_main", "access_manager", "group_manager"):
        client = stage.clients[persona]
        for name in ("access:review_grant_confirm", "access:review_grant_revoke"):
            before = snapshot()
            response = client.post(reverse(name, args=[stage.acme, review.pk, later.pk]))
            check_answer(stage, persona, response, "404", reverse(name, args=[stage.acme, review.pk, later.pk]))
            assert not changed_tables(before, snapshot())
        url = reverse("access:review_page_confirm", args=[stage.acme, review.pk])
        before = snapshot()
        response = client.post(url, {"grant": [_pk(held), later.pk]})
        check_answer(stage, persona, response, "404", url)
        assert not changed_tables(before, snapshot())


# --- Guards: every URL has a row, and the guard itself works ----------------------------------------


def test_every_url_has_a_row() -> None:
    missing = uncovered(url_patterns())
    assert not missing, "URLs without a row in tests/security/test_authorization_matrix.py:\n" + "\n".join(missing)


def test_the_guard_names_a_url_without_a_row() -> None:
    def new_page(request):
        return HttpResponse()

    conf = SimpleNamespace(
        urlpatterns=[
            *get_resolver().url_patterns,
            path("e/<int:enterprise_id>/new-page/", new_page, name="new_page"),
            path("admin/access/enterprise/<int:pk>/export/", new_page, name="admin:access_enterprise_export"),
        ]
    )
    found = uncovered(url_patterns(URLResolver(get_resolver().pattern, conf)))  # type: ignore[arg-type]  # a URLconf module's stand-in
    assert [entry.split(" ")[0] for entry in found] == ["new_page", "admin:access_enterprise_export"]


def test_rows_name_only_urls_that_exist() -> None:
    switched_off = {name for name, row in ROWS.items() if row.setting and not getattr(settings, row.setting)}
    stale = [name for name in ROWS if name not in PRESENT | switched_off]
    assert not stale, f"rows for URLs that no longer exist: {stale}"
    assert not [key for key in OUT_OF_SCOPE if key not in PRESENT], "out-of-scope entries that no longer exist"


def test_only_the_documented_cells_are_not_asked() -> None:
    rules: dict[Callable[[Stage, str], dict[str, int]], dict[str, set[str]]] = {
        **dict.fromkeys([by_group, by_person, by_membership, by_grant, by_designation], NOT_ASKED_OF_OBJECTS),
        **dict.fromkeys([by_review, by_review_grant], NOT_ASKED_OF_OBJECTS),
        by_request: NOT_ASKED_OF_OBJECTS,
        **dict.fromkeys([by_mandate, by_offered_mandate, by_mandate_access], NOT_ASKED_OF_OBJECTS),
        **dict.fromkeys([by_message, by_channel, by_import, by_finished_import], NOT_ASKED_OF_OBJECTS),
        by_enterprise: NOT_ASKED_OF_ENTERPRISES,
    }
    for name, row in ROWS.items():
        for answers in (row.get, row.post):
            for target, line in (answers or {}).items():
                dashes = {persona for persona, answer in zip(PERSONAS, line, strict=True) if answer == NOT_ASKED}
                assert dashes == rules.get(row.kwargs, {}).get(target, set()), (name, target)


def test_rows_cover_every_target_kind() -> None:
    """A URL with an object id answers for every kind of target; a page of a whole enterprise for
    Acme, Other and a missing one; so do channels, which belong to no group or domain."""
    routes = {pattern.key: pattern.route for pattern in url_patterns()}
    for name, row in ROWS.items():
        if name not in routes:
            continue
        arguments = set(re.findall(r"<(?:\w+:)?(\w+)>", routes[name]))
        if arguments - {"enterprise_id", "channel_id"}:
            expected = set(TARGETS)
        elif arguments:
            expected = {"in_scope", "other_enterprise", "missing"}
        else:
            expected = {NO_TARGET}
        assert row.get is None or set(row.get) == expected, name
        assert row.post is None or set(row.post) == expected, name
        assert row.get is not None or row.post is not None, name


# --- The metrics: the bearer of the token only, a session counts for nothing -----------------------

METRICS_TOKEN = "metrics-token-of-the-matrix-0123456789"


@pytest.mark.parametrize("persona", PERSONAS)
def test_metrics_are_for_the_bearer_of_the_token_only(stage: Stage, settings, persona: str) -> None:
    settings.METRICS_TOKEN = METRICS_TOKEN
    client, url = stage.clients[persona], reverse("metrics")
    assert client.get(url).status_code == 403
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN[:-1]}").status_code == 403
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}").status_code == 200


# --- Token-authenticated routes -------------------------------------------------------------------
# The decision point's API opens to an access token of a client whose scopes name the service asked
# about (docs/decisions-api.md §3). Each route is asked, with a valid body about Acme's `member` and
# Dimona, with: no token, a forged one, an expired one, the token of a client of another service,
# a token of a client made inactive, and a token of Dimona's client. A refusal writes nothing.
TOKEN_KINDS = ("none", "forged", "expired", "other_service", "inactive_client", "dimona")
TOKEN_ROWS = {
    #                                 none forged expired other inactive dimona
    "decisions:access_evaluation": "401 401 401 403 401 200",
    "decisions:access_evaluations": "401 401 401 403 401 200",
    "decisions:search_resource": "401 401 401 403 401 200",
}


def bearer_of(s: Stage, kind: str) -> str | None:
    from tests.decisions.conftest import register, token

    if kind == "none":
        return None
    if kind == "forged":
        return "forged-token-of-nobody-0123456789"
    client, secret = register(
        "Dimona" if kind != "other_service" else "Biztax", ("biztax",) if kind == "other_service" else ("dimona",)
    )
    bearer = token(client, secret)
    if kind == "expired":
        client.accesstoken_set.update(expires=timezone.now())
    if kind == "inactive_client":
        type(client).objects.filter(pk=client.pk).update(active=False)
    return bearer


def api_body(s: Stage, name: str) -> dict[str, Any]:
    subject = {"type": "person", "id": s.world.member.niss}
    if name == "decisions:search_resource":
        return {"subject": subject, "action": {"name": "dimona"}, "resource": {"type": "enterprise"}}
    question = {
        "subject": subject,
        "action": {"name": "dimona"},
        "resource": {"type": "enterprise", "id": s.world.enterprise.number},
    }
    return question if name == "decisions:access_evaluation" else {"evaluations": [question]}


@pytest.mark.parametrize(
    ("name", "kind"), [pytest.param(name, kind, id=f"{name}|{kind}") for name in TOKEN_ROWS for kind in TOKEN_KINDS]
)
def test_token_cell(stage: Stage, name: str, kind: str) -> None:
    import json

    expected = int(TOKEN_ROWS[name].split()[TOKEN_KINDS.index(kind)])
    bearer = bearer_of(stage, kind)
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    before = snapshot()
    response = Client().post(
        reverse(name), json.dumps(api_body(stage, name)), content_type="application/json", headers=headers
    )
    assert response.status_code == expected, response.content
    if expected != 200:
        assert not changed_tables(before, snapshot()), "a refused request wrote"


def test_every_api_route_has_a_token_row() -> None:
    public = {"decisions:configuration", "decisions:openapi", "decisions:token"}
    api = {key for key in PRESENT if key.startswith("decisions:")} - public
    assert api == set(TOKEN_ROWS)
    assert all(len(line.split()) == len(TOKEN_KINDS) for line in TOKEN_ROWS.values())


# --- SCIM: a provisioning token acts by the table of the pages ----------------------------------------
# A token acts with its manager's standing and scope (docs/provisioning.md §2). Each SCIM action is asked
# with a token of each persona (for Acme; Other's MAM's for Other), on each kind of target, and what it
# may do is what the pages let that persona do: the SCIM cell is allowed exactly where the page's cell
# says 200 or done, wherever the page's cell is asked. A token of someone who does not manage users (a
# legal representative, a user, an outsider) opens nothing: 403.
SCIM_PERSONAS = (
    "legal_representative",
    "main",
    "co_main",
    "access_manager",
    "group_manager",
    "member",
    "outsider",
    "other_enterprise_manager",
)
GRANTS_PATH = "urn:be:socialsecurity:access:scim:schemas:extension:2.0:Group:grants"


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": list(operations)}


@dataclass(frozen=True)
class ScimAction:
    page: str  # the page's row it answers to
    method: str
    path: Callable[[str, str], str]  # (person id, group id)
    body: Callable[[str, str], Any] | None = None
    prepare: Callable[[Stage, str], None] | None = None


SCIM_ACTIONS = {
    "read a user": ScimAction("access:user_detail", "GET", lambda person, group: f"/Users/{person}"),
    "read a group": ScimAction("access:group_detail", "GET", lambda person, group: f"/Groups/{group}"),
    "active false": ScimAction(
        "access:person_block",
        "PATCH",
        lambda person, group: f"/Users/{person}",
        lambda person, group: _patch({"op": "replace", "path": "active", "value": False}),
    ),
    "active true": ScimAction(
        "access:person_unblock",
        "PATCH",
        lambda person, group: f"/Users/{person}",
        lambda person, group: _patch({"op": "replace", "path": "active", "value": True}),
        prepare=block_everywhere,
    ),
    "grant a service": ScimAction(
        "access:grant_add",
        "PATCH",
        lambda person, group: f"/Groups/{group}",
        lambda person, group: _patch(
            {"op": "add", "path": GRANTS_PATH, "value": [{"value": person, "service": "{new}"}]}
        ),
    ),
    "revoke a service": ScimAction(
        "access:grant_revoke",
        "PATCH",
        lambda person, group: f"/Groups/{group}",
        lambda person, group: _patch(
            {"op": "remove", "path": f'{GRANTS_PATH}[value eq "{person}" and service eq "{{held}}"]'}
        ),
    ),
    "remove a member": ScimAction(
        "access:membership_delete",
        "PATCH",
        lambda person, group: f"/Groups/{group}",
        lambda person, group: _patch({"op": "remove", "path": f'members[value eq "{person}"]'}),
    ),
}
# What each token may do, by target: every action of the table alike.
POWERLESS = dict.fromkeys(TARGETS, "403")
SCIM_ALLOWED = {
    "legal_representative": POWERLESS,
    "main": {
        "in_scope": "yes",
        "other_group": "yes",
        "other_domain": "yes",
        "other_enterprise": "404",
        "missing": "404",
    },
    "co_main": {
        "in_scope": "yes",
        "other_group": "yes",
        "other_domain": "yes",
        "other_enterprise": "404",
        "missing": "404",
    },
    "access_manager": {
        "in_scope": "yes",
        "other_group": "yes",
        "other_domain": "404",
        "other_enterprise": "404",
        "missing": "404",
    },
    "group_manager": {
        "in_scope": "yes",
        "other_group": "404",
        "other_domain": "404",
        "other_enterprise": "404",
        "missing": "404",
    },
    "member": POWERLESS,
    "outsider": POWERLESS,
    # Other's MAM's token names Other: Acme's objects are nothing to it, Other's its own.
    "other_enterprise_manager": {
        "in_scope": "404",
        "other_group": "404",
        "other_domain": "404",
        "other_enterprise": "yes",
        "missing": "404",
    },
}


def scim_call(s: Stage, persona: str, action: ScimAction, target: str) -> tuple[Any, list[str]]:
    import json

    from tests.provisioning.conftest import make_token

    enterprise = s.world.other_enterprise if persona == "other_enterprise_manager" else s.world.enterprise
    token = make_token(getattr(s.world, persona), enterprise)
    if action.prepare:
        action.prepare(s, target)
    person, group = str(_pk(person_of(s, target))), str(_pk(group_of(s, target)))
    body = action.body(person, group) if action.body else None
    # Other's user of its employer group holds Dimona, as Acme's does: DmfA is new to both.
    text = (
        json.dumps(body)
        .replace("{new}", NEW_SERVICE.get(target, "dmfa"))
        .replace("{held}", HELD_SERVICE.get(target, "dimona"))
    )
    before = snapshot()
    client = Client()
    headers = {"Authorization": f"Bearer {token}"}
    url = "/scim/v2" + action.path(person, group)
    if action.method == "GET":
        response = client.get(url, headers=headers)
    else:
        response = client.generic(action.method, url, text, content_type="application/scim+json", headers=headers)
    # A token's last use is kept by any request it makes, allowed or not: bookkeeping, not a change.
    changed = [table for table in changed_tables(before, snapshot()) if table != "provisioning_provisioningtoken"]
    return response, changed


@pytest.mark.parametrize(
    ("action", "persona", "target"),
    [
        pytest.param(action, persona, target, id=f"{action}|{persona}|{target}")
        for action in SCIM_ACTIONS
        for persona in SCIM_PERSONAS
        for target in TARGETS
    ],
)
def test_scim_cell(stage: Stage, action: str, persona: str, target: str) -> None:
    scim = SCIM_ACTIONS[action]
    response, changed = scim_call(stage, persona, scim, target)
    expected = SCIM_ALLOWED[persona][target]
    if expected == "yes":
        assert response.status_code == 200, response.content
        if scim.method != "GET":
            assert "access_auditevent" in changed, f"no journal row; changed: {changed}"
    else:
        assert response.status_code == int(expected), response.content
        assert not changed, f"a refused request changed {changed}"


def test_scim_allows_what_the_pages_allow() -> None:
    """Wherever the page's cell is asked, the SCIM cell is allowed exactly when the page's is."""
    for action in SCIM_ACTIONS.values():
        row = ROWS[action.page]
        page = row.get if action.method == "GET" else row.post
        assert page is not None, action.page
        for persona in SCIM_PERSONAS:
            column = PERSONAS.index(persona)
            for target in TARGETS:
                cell = page[target][column]
                if cell == NOT_ASKED:
                    continue
                assert (cell in ("200", "done")) is (SCIM_ALLOWED[persona][target] == "yes"), (
                    action.page,
                    persona,
                    target,
                    cell,
                )


def test_every_scim_write_of_the_access_model_has_a_page_to_answer_to() -> None:
    assert {action.page for action in SCIM_ACTIONS.values()} <= set(ROWS)
    assert all(set(line) == set(TARGETS) for line in SCIM_ALLOWED.values())


# --- Django's admin: staff only ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["main", "member", "anonymous", "staff"])
def test_admin_pages_are_for_staff_only(stage: Stage, persona: str) -> None:
    client = stage.clients[persona]
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        if persona == "staff":
            assert response.status_code == 200, url
        else:
            redirected_to(response, reverse("admin:login"), back_to=url)


# --- The mandates, searched and paged --------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_search_of_the_mandates_never_lists_another_enterprise_s(stage: Stage, persona: str) -> None:
    """`?q=`, `?page=` and `?given_page=` change which of Acme's mandates a persona sees, never
    whose: searched by the name or number of Other and of a third enterprise, on any page, the
    mandate Other gave the third enterprise is never listed, and the status is the one without them."""
    own = mandate_of(stage, "in_scope")
    elsewhere = mandate_of(stage, "other_enterprise")
    client = stage.clients[persona]
    url = reverse("mandates:list", args=[stage.acme])
    expected = client.get(url).status_code
    for enterprise in (stage.world.other_enterprise, elsewhere.provider, elsewhere.principal):
        for typed in (enterprise.name, enterprise.number_display, enterprise.number):
            for page in ("1", "99999", "abc", "-1"):
                response = client.get(url, {"q": typed, "page": page, "given_page": page})
                assert response.status_code == expected, (typed, page)
                content = response.content.decode()
                assert f"/mandates/{elsewhere.pk}/" not in content, (typed, page)
                if expected == 200 and enterprise == stage.world.other_enterprise:
                    assert f"/e/{stage.acme}/mandates/{own.pk}/" in content, (typed, page)
