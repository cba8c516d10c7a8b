"""Escalation and tampering over HTTP: what a signed-in person may try beyond their standing.

Forged designations, service ids beyond the grant ceiling, fields added to every form, acting on
oneself, a peer or a superior, removing the only Main Access Manager, and a session that outlives
its manager's designation. Every refusal is a readable answer (the 403 page with its reason, the
404 page, or a form error), never a 500, and nothing is written: not a row, not a journal event
(the counters of tests/security/test_authorization_matrix.py's `snapshot`).

Where tests/access already covers a case, it is not repeated here; docs/security.md cites both.
The stage (the world and its clients, built once for the module) is the matrix's.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_stubs_ext import StrOrPromise

from access import policy
from access.models import AuditEvent, Designation, EnterpriseBlock, Grant, Membership, OnlineService, Person
from chaman.models import Channel, StructuredMessageSettings, TechnicalContact
from contactdata.models import ContactData
from tests import conftest, factories
from tests.conftest import World
from tests.security.test_authorization_matrix import Stage, building, changed_tables, playing, snapshot

sign_in = conftest.login.__wrapped__()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker) -> Iterator[Stage]:
    with building(django_db_blocker) as built:
        yield built


@pytest.fixture
def db(built: Stage) -> Iterator[Stage]:
    """As in the matrix: a savepoint of the stage's transaction per test, instead of a test case."""
    with playing(built) as stage:
        yield stage


@pytest.fixture
def stage(db: Stage) -> Stage:
    return db


def service(code: str) -> OnlineService:
    return OnlineService.objects.get(code=code)


def url(stage: Stage, name: str, *args: Any) -> str:
    return reverse(f"access:{name}", args=[stage.acme, *args])


NO_STANDING = "You have no standing in this enterprise"


def refused(
    response, before, *, status: int, says: StrOrPromise | None = None, not_found: str = "Page not found"
) -> None:
    """A readable refusal that wrote nothing. A 404 is the page `not_found` (the heading of the
    plain 404, or NO_STANDING for an address of an enterprise where the person has none left)."""
    body = response.content.decode()
    assert response.status_code == status, f"expected {status}, got {response.status_code}"
    if status == 404:
        assert not_found in body
    if says is not None:
        assert escape(str(says)) in body, f"the answer does not say {says!r}"
    assert not changed_tables(before, snapshot()), f"a refused request wrote to {changed_tables(before, snapshot())}"


def form_error(response, before, says: str) -> None:
    refused(response, before, status=200, says=says)
    assert 'role="alert"' in response.content.decode()


def designation_post(kind: str, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "niss": factories.niss(), "given_name": "Eve", "surname": "Escalade", **extra}


# --- Forged designations -------------------------------------------------------------------------------
# tests/access/test_views.py has a Group Manager posting a co-MAM (status only) and an Access Manager
# naming a Group Manager in another domain's group; the service refusals are in test_services.py.


@pytest.mark.parametrize("persona", ["group_manager", "member"])
@pytest.mark.parametrize("kind", ["co_main", "main"])  # a Group Manager's is in the matrix
def test_a_group_manager_or_a_user_cannot_designate(stage: Stage, persona: str, kind: str) -> None:
    w = stage.world
    before = snapshot()
    data = designation_post(kind, domain=w.groups["employer"].role_type.domain_id, group=w.groups["employer"].pk)
    response = stage.clients[persona].post(url(stage, "manager_list"), data)
    refused(response, before, status=403, says=policy.NO_DESIGNATIONS)


def test_a_legal_representative_designates_only_the_main_manager(stage: Stage) -> None:
    before = snapshot()
    response = stage.clients["legal_representative"].post(url(stage, "manager_list"), designation_post("co_main"))
    refused(response, before, status=403, says=policy.CANNOT_DESIGNATE)


@pytest.mark.parametrize(
    ("persona", "kind", "scope"),
    [
        ("access_manager", "access_manager", "own domain"),
        ("access_manager", "access_manager", "other domain"),
        ("access_manager", "co_main", None),
        ("access_manager", "main", None),
        ("access_manager", "group_manager", "other enterprise's group"),
        ("co_main", "co_main", None),  # only the MAM designates co-MAMs (docs/design.md §4.2)
        ("co_main", "main", None),
        ("co_main", "access_manager", "missing domain"),
        ("co_main", "access_manager", "not a number"),
        ("main", "main", None),  # the MAM is named on the legal representative's page only
        ("main", "superuser", None),
    ],
)
def test_a_manager_cannot_designate_beyond_the_matrix(stage: Stage, persona: str, kind: str, scope: str | None) -> None:
    w = stage.world
    scopes: dict[str | None, dict[str, Any]] = {
        "own domain": {"domain": w.groups["employer"].role_type.domain_id},
        "other domain": {"domain": w.groups["taxpayer"].role_type.domain_id},
        "other enterprise's group": {"group": w.other_groups["employer"].pk},
        "missing domain": {"domain": 99_999_999},
        "not a number": {"domain": "1 OR 1=1"},
        None: {},
    }
    before = snapshot()
    response = stage.clients[persona].post(url(stage, "manager_list"), designation_post(kind, **scopes[scope]))
    form_error(response, before, "Select a valid choice")


@pytest.mark.parametrize(
    ("persona", "kind", "scope"),
    [
        ("access_manager", "group_manager", "pension_fund"),
        ("co_main", "access_manager", "finance"),
        ("main", "co_main", None),
    ],
)
def test_nobody_designates_themselves(stage: Stage, persona: str, kind: str, scope: str | None) -> None:
    w = stage.world
    me = getattr(w, persona)
    data = {"kind": kind, "niss": me.niss}
    if kind == "group_manager":
        assert scope
        data["group"] = w.groups[scope].pk
    if kind == "access_manager":
        data["domain"] = w.groups["taxpayer"].role_type.domain_id
    before = snapshot()
    response = stage.clients[persona].post(url(stage, "manager_list"), data)
    refused(response, before, status=403, says=policy.SELF)


# --- Service ids beyond the grant ceiling ----------------------------------------------------------------
# tests/access/test_views.py: biztax (another group's service) through the add-user form and, for the
# MAM, through the grant form. Here: every other kind of id, for a Group Manager and the MAM.

TAMPERED_SERVICES = {
    "another group's service": lambda: service("db2p").pk,
    "not delegatable": lambda: service("ebox").pk,
    "automatic, not delegatable": lambda: service("contactdata").pk,
    "missing id": lambda: 99_999_999,
    "not a number": lambda: "dimona",
    "a negative number": lambda: -1,
}


@pytest.mark.parametrize("tampered", TAMPERED_SERVICES)
def test_grant_form_refuses_services_beyond_the_ceiling(stage: Stage, tampered: str) -> None:
    # The ceiling binds the MAM too (docs/design.md §4.3).
    target = url(stage, "grant_add", stage.world.member_membership.pk)
    before = snapshot()
    response = stage.clients["main"].post(target, {"service": TAMPERED_SERVICES[tampered]()}, follow=True)
    refused(response, before, status=200, says="Select a valid choice")
    # Sent back on the membership's page, the error next to the field and in the summary.
    assert 'id="id_service_error"' in response.content.decode()
    assert 'href="#id_service"' in response.content.decode()


@pytest.mark.parametrize("tampered", TAMPERED_SERVICES)
def test_add_user_form_refuses_services_beyond_the_ceiling(stage: Stage, tampered: str) -> None:
    niss = factories.niss()
    data: dict[str, Any] = {"niss": niss, "given_name": "Nora", "surname": "New", "confirm": "on"}
    data["services"] = [service("dimona").pk, TAMPERED_SERVICES[tampered]()]
    before = snapshot()
    response = stage.clients["group_manager"].post(url(stage, "user_add", stage.world.groups["employer"].pk), data)
    form_error(response, before, "is not a valid value" if tampered == "not a number" else "Select a valid choice")
    assert not Person.objects.filter(niss=niss).exists()


def test_revoking_a_service_that_is_not_granted_or_does_not_exist(stage: Stage) -> None:
    client = stage.clients["group_manager"]
    membership = stage.world.member_membership.pk
    before = snapshot()
    not_granted = client.post(url(stage, "grant_revoke", membership, service("dmfa").pk), follow=True)
    refused(not_granted, before, status=200, says="This online service is not granted to this user.")
    refused(client.post(url(stage, "grant_revoke", membership, 99_999_999)), before, status=404)
    # An id that is not a number matches no address.
    not_a_number = f"/e/{stage.acme}/memberships/{membership}/services/dimona/revoke/"
    refused(client.post(not_a_number), before, status=404)


# --- Fields added to every form ------------------------------------------------------------------------

MASS_ASSIGNMENT = ("is_staff", "is_superuser", "enterprise", "enterprise_id", "niss", "person", "group")


def _extras(stage: Stage, form_fields: set[str]) -> dict[str, Any]:
    w = stage.world
    values = {
        "is_staff": "on",
        "is_superuser": "true",
        "enterprise": stage.other,
        "enterprise_id": stage.other,
        "niss": w.other_member.niss,
        "person": w.main.pk,
        "group": w.other_groups["employer"].pk,
    }
    return {key: value for key, value in values.items() if key not in form_fields}


def _state() -> dict[str, Counter]:
    """What a person would see of the access model, without ids or times: who holds what, where."""
    rows = {
        "people": Person.objects.values_list("niss", "given_name", "surname", "preferred_language", "user__username"),
        "accounts": get_user_model().objects.values_list("username", "is_staff", "is_superuser", "is_active"),
        "designations": Designation.objects.values_list(
            "enterprise__name", "person__niss", "kind", "domain__code", "group__role_type__code", "revoked_by__niss"
        ),
        "memberships": Membership.objects.values_list(
            "person__niss", "group__enterprise__name", "group__role_type__code", "status", "removed_by__niss"
        ),
        "grants": Grant.objects.values_list(
            "membership__person__niss", "membership__group__enterprise__name", "service__code", "revoked_by__niss"
        ),
        "blocks": EnterpriseBlock.objects.values_list("person__niss", "enterprise__name", "reason", "lifted_by__niss"),
        "journal": AuditEvent.objects.values_list(
            "enterprise__name", "actor__niss", "action", "target_person__niss", "group__role_type__code", "domain__code"
        ),
        "contact data": ContactData.objects.values_list("enterprise__name", "general_email", "correspondence_language"),
        "technical contacts": TechnicalContact.objects.values_list("sender__enterprise__name", "name", "email"),
        "channels": Channel.objects.values_list("sender__enterprise__name", "kind", "active"),
        "structured messages": StructuredMessageSettings.objects.values_list(
            "enterprise__name", "exchanges", "contact_name", "delivery"
        ),
    }
    return {name: Counter(values) for name, values in rows.items()}


def _outcome(client: Client, path: str, data: dict[str, Any]) -> tuple[Any, ...]:
    """What one post does, undone afterwards: its status, the rows it wrote per table, the state after."""
    savepoint = transaction.savepoint_create()
    before = snapshot()
    response = client.post(path, data)
    after = snapshot()
    written = {table: tuple(a - b for a, b in zip(after[table], before[table], strict=True)) for table in after}
    state = _state()
    transaction.savepoint_rollback(savepoint)
    transaction.savepoint_commit(savepoint)
    return response.status_code, written, state


FORMS: dict[str, tuple[str, Callable[[World], list[int]], Callable[[World], dict[str, Any]], set[str]]] = {
    # name: (persona, URL arguments, payload, the form's own fields)
    "user_add": (
        "group_manager",
        lambda w: [w.groups["employer"].pk],
        lambda w: {"niss": factories.niss(), "given_name": "A", "surname": "B", "confirm": "on"},
        {"niss"},
    ),
    "grant_add": (
        "group_manager",
        lambda w: [w.member_membership.pk],
        lambda w: {"service": service("dmfa").pk},
        set(),
    ),
    "membership_block": ("group_manager", lambda w: [w.member_membership.pk], lambda w: {"reason": "r"}, set()),
    "membership_delete": ("group_manager", lambda w: [w.member_membership.pk], lambda w: {"reason": "r"}, set()),
    "person_block": ("group_manager", lambda w: [w.member.pk], lambda w: {"reason": "r"}, set()),
    "manager_list": (
        "access_manager",
        lambda w: [],
        lambda w: {"kind": "group_manager", "group": w.groups["pension_fund"].pk, "niss": w.tax_member.niss},
        {"niss", "group"},
    ),
    "main_manager_belgian": (
        "legal_representative",
        lambda w: [],
        lambda w: {
            "belgian-niss": w.co_main.niss,
            "belgian-replaces": Designation.objects.get(person=w.main, kind="main").pk,
        },
        set(),
    ),
    "designation_revoke": (
        "main",
        lambda w: [Designation.objects.get(person=w.group_manager).pk],
        lambda w: {"reason": "r"},
        set(),
    ),
}
OTHER_FORMS: dict[str, tuple[str, dict[str, str]]] = {
    "contactdata:general_save": (
        "member",
        {"general-general_email": "a@example.be", "general-correspondence_language": "fr"},
    ),
    "contactdata:addresses_save": (
        "member",
        {
            "registered_office-street": "Rue Haute",
            "registered_office-number": "12",
            "registered_office-postal_code": "1000",
            "registered_office-city": "Bruxelles",
        },
    ),
    "contactdata:contacts_save": (
        "member",
        {"domain-nsso_employer-name": "Paul", "domain-nsso_employer-email": "p@example.be"},
    ),
    "chaman:contact_save": ("group_manager", {"name": "New", "email": "new@example.be"}),
    "chaman:channel_add": ("group_manager", {"kind": "ftp"}),
    "chaman:structured_messages": ("co_main", {"contact_name": "Sam", "delivery": "ebox"}),
    "access:review_start": (
        "main",
        {"deadline": (timezone.localdate() + timedelta(days=10)).strftime("%d/%m/%Y"), "end_unconfirmed": "no"},
    ),
    "access:unused_access": ("co_main", {"months": "12"}),
}


@pytest.mark.parametrize("name", [*FORMS, *OTHER_FORMS, "set_language"])
def test_added_fields_are_ignored(stage: Stage, name: str) -> None:
    w = stage.world
    if name in FORMS:
        persona, arguments, payload, own = FORMS[name]
        path, data = url(stage, name, *arguments(w)), payload(w)
    elif name in OTHER_FORMS:
        persona, data = OTHER_FORMS[name]
        path, own = reverse(name, args=[stage.acme]), set()
    else:
        persona, path, data, own = "member", reverse(name), {"language": "nl", "next": "/"}, set()
    client = stage.clients[persona]
    plain = _outcome(client, path, data)
    assert plain[0] == 302 and any(any(counts) for counts in plain[1].values()), f"the plain post fails: {plain}"
    extras = _extras(stage, own)
    assert set(extras) == set(MASS_ASSIGNMENT) - own
    assert _outcome(client, path, {**data, **extras}) == plain


# --- Acting on oneself, a peer, a superior -------------------------------------------------------------
# tests/access/test_views.py: a co-MAM opening the block and delete pages of the MAM (GET), and an
# Access Manager opening a peer's revocation page; test_services.py: the same refusals in the services.


def _member_of_employer(stage: Stage, person: Person) -> Membership:
    membership = factories.member(person, stage.world.groups["employer"], ("dimona",))
    return membership


ACTIONS = {
    # name: (URL arguments from (membership, person), data)
    "membership_block": (lambda m, p: [m.pk], {"reason": "coup"}),
    "membership_delete": (lambda m, p: [m.pk], {"reason": "coup"}),
    "grant_add": (lambda m, p: [m.pk], lambda: {"service": service("dmfa").pk}),
    "person_block": (lambda m, p: [p.pk], {"reason": "coup"}),
}


def _act(stage: Stage, client: Client, action: str, membership: Membership, person: Person):
    arguments, data = ACTIONS[action]
    return client.post(url(stage, action, *arguments(membership, person)), data() if callable(data) else data)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    ("actor", "target", "reason"),
    [
        ("group_manager", "group_manager", policy.SELF),
        ("main", "main", policy.SELF),
        ("co_main", "main", policy.MAIN_PROTECTED),
        ("co_main", "second co_main", policy.TARGET_NOT_BELOW),
        ("group_manager", "access_manager", policy.TARGET_NOT_BELOW),
        ("access_manager", "co_main", policy.TARGET_NOT_BELOW),
    ],
)
def test_nobody_acts_on_themselves_a_peer_or_a_superior(
    stage: Stage, action: str, actor: str, target: str, reason: str
) -> None:
    w = stage.world
    if target == "second co_main":
        person = factories.person(given_name="Second")
        factories.designate(w.enterprise, person, "co_main")
    else:
        person = getattr(w, target)
    membership = _member_of_employer(stage, person)
    before = snapshot()
    response = _act(stage, stage.clients[actor], action, membership, person)
    refused(response, before, status=403, says=reason)


def test_a_group_manager_cannot_add_themselves_with_more_services(stage: Stage) -> None:
    data = {"niss": stage.world.group_manager.niss, "confirm": "on", "services": [service("dmfa").pk]}
    before = snapshot()
    response = stage.clients["group_manager"].post(url(stage, "user_add", stage.world.groups["employer"].pk), data)
    refused(response, before, status=403, says=policy.SELF)


@pytest.mark.parametrize(
    ("actor", "target", "status", "reason"),
    [
        ("co_main", "second co_main", 403, policy.CANNOT_DESIGNATE),  # only the MAM revokes co-MAMs
        ("access_manager", "finance_manager", 404, None),  # a peer's designation is not even listed
        ("co_main", "co_main", 403, policy.CANNOT_DESIGNATE),
        ("access_manager", "access_manager", 403, policy.CANNOT_DESIGNATE),
    ],
)
def test_nobody_revokes_a_peer_or_themselves(stage: Stage, actor: str, target: str, status: int, reason: str) -> None:
    w = stage.world
    if target == "second co_main":
        designation = factories.designate(w.enterprise, factories.person(), "co_main")
    else:
        designation = Designation.objects.get(person=getattr(w, target), revoked_at__isnull=True)
    before = snapshot()
    response = stage.clients[actor].post(url(stage, "designation_revoke", designation.pk), {"reason": "coup"})
    refused(response, before, status=status, says=reason)


# --- The enterprise always keeps its Main Access Manager -----------------------------------------------
# test_services.py: a legal representative cannot revoke the MAM through the service.


@pytest.mark.parametrize("persona", ["main", "co_main", "legal_representative"])
def test_nobody_revokes_the_main_manager(stage: Stage, persona: str) -> None:
    designation = Designation.objects.get(person=stage.world.main, kind="main")
    before = snapshot()
    response = stage.clients[persona].post(url(stage, "designation_revoke", designation.pk), {"reason": "coup"})
    refused(response, before, status=403, says=policy.MAIN_PROTECTED)


def test_the_main_manager_cannot_block_themselves_for_all_groups(stage: Stage) -> None:
    _member_of_employer(stage, stage.world.main)
    before = snapshot()
    response = stage.clients["main"].post(url(stage, "person_block", stage.world.main.pk), {"reason": "leaving"})
    refused(response, before, status=403, says=policy.SELF)


def test_replacing_the_main_manager_by_themselves_changes_nothing(stage: Stage) -> None:
    replaces = Designation.objects.get(person=stage.world.main, kind="main").pk
    data = {"belgian-niss": stage.world.main.niss, "belgian-replaces": replaces}
    before = snapshot()
    response = stage.clients["legal_representative"].post(url(stage, "main_manager_belgian"), data)
    form_error(response, before, "This person is already the Main Access Manager.")


@pytest.mark.parametrize("model", ["designation", "membership", "enterpriseblock"])
def test_staff_cannot_delete_what_the_journal_relies_on(stage: Stage, model: str) -> None:
    w = stage.world
    rows = {
        "designation": lambda: Designation.objects.get(person=w.main, kind="main"),
        "membership": lambda: Membership.objects.create(person=w.pension_member, group=w.groups["employer"]),
        "enterpriseblock": lambda: EnterpriseBlock.objects.create(person=w.member, enterprise=w.enterprise, reason="r"),
    }
    row = rows[model]()
    path = reverse(f"admin:access_{model}_delete", args=[row.pk])
    before = snapshot()
    refused(stage.clients["staff"].post(path, {"post": "yes"}), before, status=403)
    assert type(row)._default_manager.filter(pk=row.pk).exists()


# --- A session that outlives the designation -------------------------------------------------------------
# test_services.py: a stale actor refused by the service. Here: the open session, over HTTP.


def test_a_revoked_group_manager_s_open_session_can_no_longer_act(stage: Stage) -> None:
    w = stage.world
    manager = stage.clients["group_manager"]
    assert manager.get(url(stage, "group_detail", w.groups["employer"].pk)).status_code == 200
    designation = Designation.objects.get(person=w.group_manager)
    revoked = stage.clients["main"].post(url(stage, "designation_revoke", designation.pk), {"reason": "Left"})
    assert revoked.status_code == 302
    assert Designation.objects.get(pk=designation.pk).revoked_at is not None
    before = snapshot()
    # Revoked, they have no standing left in the enterprise: its pages say so.
    response = manager.post(url(stage, "membership_block", w.member_membership.pk), {"reason": "too late"})
    refused(response, before, status=404, not_found=NO_STANDING)
    refused(
        manager.post(url(stage, "grant_add", w.member_membership.pk), {"service": 1}),
        before,
        status=404,
        not_found=NO_STANDING,
    )
    refused(manager.get(url(stage, "group_detail", w.groups["employer"].pk)), before, status=404, not_found=NO_STANDING)


def test_a_manager_blocked_for_all_groups_can_no_longer_act(stage: Stage) -> None:
    w = stage.world
    manager = stage.clients["access_manager"]
    _member_of_employer(stage, w.access_manager)  # blocking for all groups is done on a user's page
    blocked = stage.clients["main"].post(url(stage, "person_block", w.access_manager.pk), {"reason": "Inquiry"})
    assert blocked.status_code == 302
    assert EnterpriseBlock.objects.filter(person=w.access_manager, lifted_at__isnull=True).exists()
    before = snapshot()
    for path, data in [
        (url(stage, "membership_block", w.pension_membership.pk), {"reason": "still here"}),
        (url(stage, "manager_list"), designation_post("group_manager", group=w.groups["pension_fund"].pk)),
    ]:
        response = manager.post(path, data)
        if response.status_code == 302:  # the block ended their sessions: back to the login page
            assert response["Location"].startswith(reverse("account_login")), response["Location"]
            assert not changed_tables(before, snapshot())
        else:
            refused(response, before, status=403, says=policy.BLOCKED)


def test_a_revoked_co_main_manager_s_open_session_cannot_designate(stage: Stage) -> None:
    w = stage.world
    second = factories.person("second_co_main", given_name="Second")
    designation = factories.designate(w.enterprise, second, "co_main")
    client = sign_in(second)
    assert client.get(url(stage, "manager_list")).status_code == 200
    revoked = stage.clients["main"].post(url(stage, "designation_revoke", designation.pk), {"reason": "Done"})
    assert revoked.status_code == 302
    before = snapshot()
    data = designation_post("access_manager", domain=w.groups["taxpayer"].role_type.domain_id)
    refused(client.post(url(stage, "manager_list"), data), before, status=404, not_found=NO_STANDING)
