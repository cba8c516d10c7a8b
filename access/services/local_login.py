"""A local login for a person without a Belgian number: a username by e-mail, then a temporary
password by SMS; reset whole when new credentials are sent, withdrawn when the person is replaced.

Each sending costs an SMS: it is counted per person who asks and per enterprise, and refused
(journaled, nothing sent) past either limit.
"""

import logging
import secrets
import time

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from access import journal, selectors
from access.models import AuditEvent, Enterprise, Person
from access.policy import DesignationKind
from access.writes import ActionRefused, end_sessions
from accounts import outbox, tasks
from accounts.models import User

Action = AuditEvent.Action
logger = logging.getLogger(__name__)

TOO_MANY = _(
    "Too many usernames and temporary passwords have been sent recently. Nothing was sent; try again later, "
    "or contact the helpdesk."
)
AUTHENTICATOR_NAMES = {
    Authenticator.Type.TOTP: "one-time-code app",
    Authenticator.Type.RECOVERY_CODES: "recovery codes",
    Authenticator.Type.WEBAUTHN: "security keys",
}


def new_username(person: Person) -> str:
    base = slugify(f"{person.given_name}.{person.surname}")[:20] or "manager"
    while True:
        username = f"{base}.{secrets.randbelow(9000) + 1000}"
        if not get_user_model().objects.filter(username=username).exists():
            return username


# --- Limits on sending credentials ------------------------------------------------------------


def within_limit(key: str, rate: tuple[int, int]) -> bool:
    """Count one sending in the shared cache, in a fixed window; False past the limit.

    Without the cache (Redis down) the sending is allowed: nothing leaves before the broker, on
    the same Redis, is back, and each sending cancels the one still waiting before it, so at most
    one username and one password per person wait for it.
    """
    count, seconds = rate
    window = int(time.time() // seconds)
    counter = f"credentials-rate:{key}:{window}"
    try:
        cache.add(counter, 0, timeout=seconds)
        try:
            return cache.incr(counter) <= count
        except ValueError:  # the counter expired between add and incr: a new window starts
            cache.add(counter, 1, timeout=seconds)
            return True
    except Exception as exc:  # noqa: BLE001 - the cache is down: see above
        logger.warning("Sendings of credentials not counted: the cache is unavailable (%s)", type(exc).__name__)
        return True


def credentials_budget_consume(
    *,
    actor_key: str,
    enterprise: Enterprise,
    actor: Person | None,
    target: Person | None,
    ip: str | None,
    staff: str | None = None,
    reason: str = "",
) -> None:
    """Refuse (journaled, nothing sent) when the actor or the enterprise sent too many credentials.

    Called before the service's transaction, so that the refusal stays in the journal.
    """
    for scope, key, rate in (
        ("actor", actor_key, settings.CREDENTIALS_RATE_PER_ACTOR),
        ("enterprise", f"enterprise:{enterprise.pk}", settings.CREDENTIALS_RATE_PER_ENTERPRISE),
    ):
        if not within_limit(key, rate):
            count, seconds = rate
            journal.record(
                Action.CREDENTIALS_LIMITED,
                enterprise=enterprise,
                actor=actor,
                target=target,
                after={"limit": scope, "count": count, "seconds": seconds, **({"staff": staff} if staff else {})},
                reason=reason,
                ip=ip,
            )
            raise ActionRefused(TOO_MANY)


# --- The local login -------------------------------------------------------------------------


def credentials_reset(user: User) -> list[str]:
    """Everything that let the person in stops working now: the password (temporary or chosen),
    the one-time-code app and recovery codes, the sessions. Answers what was reset."""
    user.set_unusable_password()
    user.password_is_temporary = False
    user.temporary_password_expires_at = None
    user.save(update_fields=["password", "password_is_temporary", "temporary_password_expires_at"])
    authenticators = Authenticator.objects.filter(user=user)
    kinds = sorted({AUTHENTICATOR_NAMES.get(kind, kind) for kind in authenticators.values_list("type", flat=True)})
    authenticators.delete()
    # The portal keeps the address on the person; an unverified allauth address (an e-mail reset
    # from before there was none) would stop the one-time-code app from being set up again.
    EmailAddress.objects.filter(user=user, verified=False).delete()
    return ["password", *kinds, "sessions"]


def credentials_send(person: Person, enterprise: Enterprise) -> list[str]:
    """Give the person a local login for the enterprise: the username by e-mail (which names the
    enterprise), then a temporary password by SMS.

    Any password, one-time-code app and session they had stop working now; the new password is
    made when the SMS goes out. Answers what was reset.
    """
    if not person.email or not person.mobile_phone:
        raise ActionRefused(_("A person without a Belgian number needs an e-mail address and a mobile phone number."))
    user = person.user
    had_login = user is not None
    if user is None:
        user = get_user_model().objects.create_user(
            username=new_username(person), first_name=person.given_name, last_name=person.surname, email=person.email
        )
        person.user = user
        person.save(update_fields=["user"])
    outbox.cancel_pending(user)  # an earlier temporary password on its way would undo this one
    was_reset = credentials_reset(user)
    if had_login:
        end_sessions(person)
    messages = outbox.credentials_messages(
        user,
        email=person.email,
        phone=person.mobile_phone,
        language=person.preferred_language,
        regarding=str(enterprise),
    )
    tasks.queue(messages)
    return was_reset


def credentials_withdraw(
    person: Person,
    *,
    enterprise: Enterprise,
    actor: Person | None,
    ip: str | None,
    staff: str | None = None,
    reason: str = "",
) -> None:
    """A replaced MAM without a Belgian number gets nothing more: the messages not sent yet are
    cancelled and their login stops working (unless they are still the MAM of another enterprise)."""
    user = person.user
    if person.niss is not None or user is None:
        return
    if selectors.current_designations().filter(person=person, kind=DesignationKind.MAIN).exists():
        return
    cancelled = outbox.cancel_pending(user)
    was_reset = credentials_reset(user)
    end_sessions(person)
    journal.record(
        Action.CREDENTIALS_WITHDRAWN,
        enterprise=enterprise,
        actor=actor,
        target=person,
        after={
            "cancelled_messages": [
                {"id": message.pk, "channel": message.channel, "purpose": message.purpose} for message in cancelled
            ],
            "reset": was_reset,
            **({"staff": staff} if staff else {}),
        },
        reason=reason,
        ip=ip,
    )
