"""Logins: linking an identity to a person, and activating an enterprise at its MAM's first login."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access import journal, selectors
from access.identifiers import parse_niss
from access.models import AuditEvent, Enterprise, Language, Person
from access.policy import DesignationKind
from access.services.enterprises import enterprise_closure_follow

Action = AuditEvent.Action

# Claims of the federal authentication service, and the Person field each one fills.
PROFILE_CLAIMS = {
    "givenName": "given_name",
    "surname": "surname",
    "mail": "email",
    "prefLanguage": "preferred_language",
}


def person_get_by_identity(claims: dict[str, Any]) -> Person | None:
    """The person whose national register number the identity carries, or None if unknown."""
    try:
        niss = parse_niss(str(claims.get("egovNRN", "")))
    except ValidationError:  # a missing or malformed number: an unknown person
        return None
    return Person.objects.filter(niss=niss).select_related("user").first()


@transaction.atomic
def identity_link(person: Person, claims: dict[str, Any], *, ip: str | None) -> Any:
    """Update the person's profile from the identity and return their login account (made if none)."""
    before, after = {}, {}
    for claim, field in PROFILE_CLAIMS.items():
        value = str(claims.get(claim) or "").strip()
        if field == "preferred_language":
            value = value.lower()[:2]
            if value not in Language.values:
                continue
        if value and getattr(person, field) != value:
            before[field], after[field] = getattr(person, field), value
            setattr(person, field, value)
    if person.user is None:
        user = get_user_model().objects.create_user(username=f"person-{person.pk}")
        user.set_unusable_password()
        user.save(update_fields=["password"])
        person.user = user
        before["user"], after["user"] = None, user.get_username()
    user = person.user
    if (user.first_name, user.last_name) != (person.given_name, person.surname):
        user.first_name, user.last_name = person.given_name, person.surname
        user.save(update_fields=["first_name", "last_name"])
    if after:
        person.save()
        journal.record(
            Action.PROFILE_UPDATED, enterprise=None, actor=person, target=person, before=before, after=after, ip=ip
        )
    return person.user


# How allauth records each step of a login in the session, as RFC 8176 names the method. A recovery
# code is a one-time password too, but RFC 8176 has no value that tells it from an app's code: the
# journal says "otp" and adds "recovery_code": true, so that a login with a code kept on paper (the
# phone lost, perhaps) stands out.
AMR_OF_STEP = {"password": "pwd", "mfa": "otp"}


def login_method(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The methods of a local login, from allauth's records of its steps (password, second factor)."""
    amr: list[str] = []
    recovery_code = False
    for step in steps:
        value = AMR_OF_STEP.get(step.get("method", ""))
        if value is None or step.get("reauthenticated"):
            continue
        if value not in amr:
            amr.append(value)
        if step["method"] == "mfa":
            recovery_code = step.get("type") == "recovery_codes"
    return {"amr": amr, "acr": None, **({"recovery_code": True} if recovery_code else {})}


def credentials_change_record(person: Person, action: str, *, ip: str | None) -> AuditEvent:
    """Journal a change a person made to their own login: a new password, new recovery codes.
    Neither the password nor the codes are written."""
    return journal.record(action, enterprise=None, actor=person, target=person, ip=ip)


@transaction.atomic
def login_record(person: Person, *, method: dict[str, Any], ip: str | None) -> list[Enterprise]:
    """Journal the login; activate the enterprises of which this person is the pending MAM,
    unless their local account still has its set-up to finish (activation waits for it)."""
    journal.record(Action.LOGGED_IN, enterprise=None, actor=person, target=person, after=method, ip=ip)
    if person.user is not None and person.user.setup_required:
        return []
    return enterprises_activate_pending(person, method=method, ip=ip)


def sessions_ended_record(person: Person, *, ended: int, ip: str | None) -> None:
    """Journal a person ending their other sessions (their sessions page)."""
    journal.record(Action.SESSIONS_ENDED, enterprise=None, actor=person, target=person, after={"ended": ended}, ip=ip)


@transaction.atomic
def enterprises_activate_pending(person: Person, *, method: dict[str, Any], ip: str | None) -> list[Enterprise]:
    pending = Enterprise.objects.select_for_update().filter(
        status=Enterprise.Status.PENDING,
        pk__in=selectors.current_designations()
        .filter(person=person, kind=DesignationKind.MAIN)
        .values("enterprise_id"),
    )
    activated = []
    now = timezone.now()
    for enterprise in pending:
        enterprise.status = Enterprise.Status.ACTIVE
        enterprise.activated_at = now
        enterprise.activated_by = person
        enterprise.save(update_fields=["status", "activated_at", "activated_by"])
        enterprise_closure_follow(enterprise, Enterprise.Status.PENDING, at=now)
        journal.record(
            Action.ENTERPRISE_ACTIVATED,
            enterprise=enterprise,
            actor=person,
            target=person,
            before={"status": "pending"},
            after={"status": "active", **method},
            ip=ip,
        )
        activated.append(enterprise)
    return activated
