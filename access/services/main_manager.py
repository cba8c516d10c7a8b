"""The Main Access Manager: designated or replaced by a legal representative (or by staff, as the
exception procedure), with a local login sent by e-mail and SMS when they have no Belgian number.

A local login (access.services.local_login) is recovered only through new credentials sent by the
legal representative or by staff (there is no reset by e-mail), and taken away when the person is
replaced.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import journal, policy, selectors
from access.models import AuditEvent, Designation, Enterprise, Person
from access.policy import DesignationKind
from access.selectors import Actor
from access.services import local_login
from access.services.designations import designation_create
from access.writes import ActionRefused, Told, check, locked, notify, record

Action = AuditEvent.Action

MAIN_CHANGED = _("The Main Access Manager has just changed. Reload the page.")


def person_create_foreign(*, given_name: str, surname: str, email: str, mobile_phone: str, language: str) -> Person:
    """A person without a Belgian number: they will log in with a username and a password."""
    return Person.objects.create(
        given_name=given_name.strip(),
        surname=surname.strip(),
        email=email.strip(),
        mobile_phone=mobile_phone,
        preferred_language=language,
    )


def _consume_as(actor: Actor, target: Person | None = None) -> None:
    # Only those who may send count against the limits: nobody else uses up an enterprise's budget.
    check(policy.can_designate_main(actor.standing))
    local_login.credentials_budget_consume(
        actor_key=f"person:{actor.person.pk}",
        enterprise=actor.enterprise,
        actor=actor.person,
        target=target,
        ip=actor.ip,
    )


def _check_replaces(previous: Designation | None, replaces: int | None) -> None:
    """The form names the MAM it replaces: a change since it was shown is not overwritten."""
    if (previous.pk if previous else None) != replaces:
        raise ActionRefused(MAIN_CHANGED)


# --- By a legal representative ------------------------------------------------------------------


def main_manager_designate(actor: Actor, person: Person, *, replaces: int | None) -> Designation:
    """A legal representative designates (or replaces) the MAM; a foreign MAM gets a local login.

    `replaces` is the id of the MAM designation the form showed (None when there was none).
    """
    if person.niss is None:
        _consume_as(actor)
    return _designate(actor, person, replaces=replaces)


def main_manager_designate_foreign(
    actor: Actor,
    *,
    given_name: str,
    surname: str,
    email: str,
    mobile_phone: str,
    language: str,
    replaces: int | None,
) -> Designation:
    _consume_as(actor)
    with transaction.atomic():
        person = person_create_foreign(
            given_name=given_name, surname=surname, email=email, mobile_phone=mobile_phone, language=language
        )
        return _designate(actor, person, replaces=replaces)


def _designate(actor: Actor, person: Person, *, replaces: int | None) -> Designation:
    with locked(actor, MAIN_CHANGED) as locked_actor:
        previous = (
            selectors.current_designations()
            .filter(enterprise=locked_actor.enterprise, kind=DesignationKind.MAIN)
            .select_related("person__user")
            .first()
        )
        _check_replaces(previous, replaces)
        designation = designation_create(locked_actor, kind=DesignationKind.MAIN, person=person)
        # A legal representative's designation of the MAM never waits for a second approval.
        assert isinstance(designation, Designation)  # noqa: S101
        if person.niss is None:
            local_login.credentials_send(person, locked_actor.enterprise)
        if previous is not None:
            local_login.credentials_withdraw(
                previous.person, enterprise=locked_actor.enterprise, actor=actor.person, ip=actor.ip
            )
    return designation


def main_manager_resend_credentials(actor: Actor, designation: Designation) -> None:
    """Send a new username e-mail and temporary password; the previous password, the one-time-code
    app and the sessions stop working."""
    _consume_as(actor, target=designation.person)
    with locked(actor, MAIN_CHANGED) as actor:
        current = (
            selectors.current_designations()
            .filter(pk=designation.pk, enterprise=actor.enterprise)
            .select_related("person__user")
            .first()
        )
        if current is None:
            raise ActionRefused(MAIN_CHANGED)
        target = selectors.standing_of(current.person_id, actor.enterprise.pk)
        check(policy.can_designate(actor.standing, target, DesignationKind.MAIN))
        if current.person.niss is not None:
            raise ActionRefused(_("This Main Access Manager logs in with their Belgian identity."))
        reset = local_login.credentials_send(current.person, actor.enterprise)
        after = {"channels": ["email", "sms"], "reset": reset}
        record(actor, Action.CREDENTIALS_SENT, target=current.person, after=after)


# --- By staff (the exception procedure) -----------------------------------------------------------


def _check_staff(staff: Any, reason: str) -> str:
    check(
        policy.staff_may_designate_main(
            is_staff=staff.is_staff, has_permission=staff.has_perm("access.add_designation")
        )
    )
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("Give a reason: it is kept in the journal."))
    return reason


def _consume_as_staff(staff: Any, enterprise: Enterprise, reason: str, ip: str | None, target: Person | None) -> None:
    local_login.credentials_budget_consume(
        actor_key=f"staff:{staff.pk}",
        enterprise=enterprise,
        actor=None,
        target=target,
        ip=ip,
        staff=staff.get_username(),
        reason=reason,
    )


def main_manager_designate_as_staff(
    *, enterprise: Enterprise, person: Person, staff: Any, reason: str, ip: str | None, replaces: int | None
) -> Designation:
    """The exception procedure: a member of staff designates the MAM in the admin, with a reason."""
    reason = _check_staff(staff, reason)
    if person.niss is None:
        _consume_as_staff(staff, enterprise, reason, ip, target=None)
    return _designate_as_staff(
        enterprise=enterprise, person=person, staff=staff, reason=reason, ip=ip, replaces=replaces
    )


def main_manager_designate_foreign_as_staff(
    *,
    enterprise: Enterprise,
    staff: Any,
    reason: str,
    ip: str | None,
    replaces: int | None,
    given_name: str,
    surname: str,
    email: str,
    mobile_phone: str,
    language: str,
) -> Designation:
    """The exception procedure for a person without a Belgian number, who is kept only if designated."""
    reason = _check_staff(staff, reason)
    _consume_as_staff(staff, enterprise, reason, ip, target=None)
    with transaction.atomic():
        person = person_create_foreign(
            given_name=given_name, surname=surname, email=email, mobile_phone=mobile_phone, language=language
        )
        return _designate_as_staff(
            enterprise=enterprise, person=person, staff=staff, reason=reason, ip=ip, replaces=replaces
        )


def _designate_as_staff(
    *, enterprise: Enterprise, person: Person, staff: Any, reason: str, ip: str | None, replaces: int | None
) -> Designation:
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        previous = selectors.current_designations().filter(enterprise=enterprise, kind=DesignationKind.MAIN).first()
        _check_replaces(previous, replaces)
        if previous and previous.person_id == person.pk:
            raise ActionRefused(_("This person is already the Main Access Manager."))
        if previous:
            previous.revoked_at = timezone.now()
            previous.reason = reason
            previous.save(update_fields=["revoked_at", "reason"])
            journal.record(
                Action.DESIGNATION_REVOKED,
                target=previous.person,
                before={"kind": DesignationKind.MAIN, "person": previous.person.full_name},
                after={"staff": staff.get_username()},
                enterprise=enterprise,
                actor=None,
                reason=reason,
                ip=ip,
            )
            notify(previous.person, enterprise, Told.DESIGNATION_REVOKED, by=None, kind=DesignationKind.MAIN)
        designation = Designation.objects.create(
            enterprise=enterprise, person=person, kind=DesignationKind.MAIN, reason=reason
        )
        journal.record(
            Action.DESIGNATION_CREATED,
            target=person,
            after={"kind": DesignationKind.MAIN, "person": person.full_name, "staff": staff.get_username()},
            enterprise=enterprise,
            actor=None,
            reason=reason,
            ip=ip,
        )
        notify(person, enterprise, Told.DESIGNATED, by=None, kind=DesignationKind.MAIN)
        if person.niss is None:
            local_login.credentials_send(person, enterprise)
        if previous:
            local_login.credentials_withdraw(
                previous.person, enterprise=enterprise, actor=None, ip=ip, staff=staff.get_username(), reason=reason
            )
    return designation


def main_manager_resend_credentials_as_staff(
    *, enterprise: Enterprise, staff: Any, reason: str, ip: str | None
) -> Person:
    """Staff send the current foreign MAM new credentials (a lost phone), with a reason."""
    reason = _check_staff(staff, reason)
    current = selectors.current_designations().filter(enterprise=enterprise, kind=DesignationKind.MAIN).first()
    if current is None or current.person.niss is not None:
        raise ActionRefused(_("This enterprise has no Main Access Manager without a Belgian number."))
    _consume_as_staff(staff, enterprise, reason, ip, target=current.person)
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        designation = (
            selectors.current_designations()
            .filter(pk=current.pk, enterprise=enterprise)
            .select_related("person__user")
            .first()
        )
        if designation is None:
            raise ActionRefused(MAIN_CHANGED)
        reset = local_login.credentials_send(designation.person, enterprise)
        journal.record(
            Action.CREDENTIALS_SENT,
            enterprise=enterprise,
            actor=None,
            target=designation.person,
            after={"channels": ["email", "sms"], "reset": reset, "staff": staff.get_username()},
            reason=reason,
            ip=ip,
        )
    return designation.person
