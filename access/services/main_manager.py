"""The Main Access Manager: designated or replaced by a legal representative (or by staff, as the
exception procedure), with a local login sent by e-mail and SMS when they have no Belgian number.
"""

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from access import policy, selectors
from access.models import AuditEvent, Designation, Enterprise, Person
from access.selectors import Actor
from access.services._common import ActionRefused, check, locked, record
from access.services.designations import designate
from accounts import outbox
from accounts.models import OutboundMessage

Action = AuditEvent.Action


def new_foreign_person(*, given_name: str, surname: str, email: str, mobile_phone: str, language: str) -> Person:
    """A person without a Belgian number: they will log in with a username and a password."""
    return Person.objects.create(
        given_name=given_name.strip(),
        surname=surname.strip(),
        email=email.strip(),
        mobile_phone=mobile_phone,
        preferred_language=language,
    )


def _new_username(person: Person) -> str:
    base = slugify(f"{person.given_name}.{person.surname}")[:20] or "manager"
    while True:
        username = f"{base}.{secrets.randbelow(9000) + 1000}"
        if not get_user_model().objects.filter(username=username).exists():
            return username


def _send_credentials(person: Person) -> list[OutboundMessage]:
    """Give the person a local login: the username by e-mail, then a temporary password by SMS.

    Any password they had stops working now; the new one is made when the SMS goes out.
    """
    if not person.email or not person.mobile_phone:
        raise ActionRefused(_("A person without a Belgian number needs an e-mail address and a mobile phone number."))
    user = person.user
    if user is None:
        user = get_user_model().objects.create_user(
            username=_new_username(person), first_name=person.given_name, last_name=person.surname, email=person.email
        )
        person.user = user
        person.save(update_fields=["user"])
    user.set_unusable_password()
    user.password_is_temporary = False
    user.temporary_password_expires_at = None
    user.save(update_fields=["password", "password_is_temporary", "temporary_password_expires_at"])
    messages = outbox.credentials_messages(
        user, email=person.email, phone=person.mobile_phone, language=person.preferred_language
    )
    outbox.queue(messages)
    return messages


def designate_main(actor: Actor, person: Person) -> Designation:
    """A legal representative designates (or replaces) the MAM; a foreign MAM gets a local login."""
    with transaction.atomic():
        designation = designate(actor, kind=policy.MAIN, person=person)
        if person.niss is None:
            _send_credentials(person)
    return designation


def designate_foreign_main(
    actor: Actor, *, given_name: str, surname: str, email: str, mobile_phone: str, language: str
) -> Designation:
    with transaction.atomic():
        person = new_foreign_person(
            given_name=given_name, surname=surname, email=email, mobile_phone=mobile_phone, language=language
        )
        return designate_main(actor, person)


def resend_credentials(actor: Actor, designation: Designation) -> None:
    """Send a new username e-mail and temporary password; the previous password stops working."""
    with locked(actor, _("The Main Access Manager has just changed. Reload the page.")) as actor:
        target = selectors.standing_of(designation.person_id, actor.enterprise.pk)
        check(policy.can_designate(actor.standing, policy.MAIN, target))
        designation = selectors.current_designations().select_related("person__user").get(pk=designation.pk)
        if designation.person.niss is not None:
            raise ActionRefused(_("This Main Access Manager logs in with their Belgian identity."))
        _send_credentials(designation.person)
        record(actor, Action.CREDENTIALS_SENT, target=designation.person, after={"channels": ["email", "sms"]})


def designate_main_as_staff(
    *, enterprise: Enterprise, person: Person, staff: Any, reason: str, ip: str | None
) -> Designation:
    """The exception procedure: a member of staff designates the MAM in the admin, with a reason."""
    check(
        policy.staff_may_designate_main(
            is_staff=staff.is_staff, has_permission=staff.has_perm("access.add_designation")
        )
    )
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("Give a reason: it is kept in the journal."))
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        previous = selectors.current_designations().filter(enterprise=enterprise, kind=policy.MAIN).first()
        if previous and previous.person_id == person.pk:
            raise ActionRefused(_("This person is already the Main Access Manager."))
        journal = {"enterprise": enterprise, "actor": None, "ip_address": ip, "reason": reason}
        if previous:
            previous.revoked_at = timezone.now()
            previous.reason = reason
            previous.save(update_fields=["revoked_at", "reason"])
            AuditEvent.objects.create(
                action=Action.DESIGNATION_REVOKED,
                target_person=previous.person,
                before={"kind": policy.MAIN, "person": previous.person.full_name},
                after={"staff": staff.get_username()},
                **journal,
            )
        designation = Designation.objects.create(enterprise=enterprise, person=person, kind=policy.MAIN, reason=reason)
        AuditEvent.objects.create(
            action=Action.DESIGNATION_CREATED,
            target_person=person,
            after={"kind": policy.MAIN, "person": person.full_name, "staff": staff.get_username()},
            **journal,
        )
        if person.niss is None:
            _send_credentials(person)
    return designation
