"""How every write goes: in one transaction holding the enterprise's row, with the actor's
standing read again inside it, the policy asked (`check`), the change made and journaled (`record`).
A conflict with the current state is an `ActionRefused`."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from access import journal, notices, policy, selectors, tasks
from access.models import AuditEvent, Domain, Enterprise, Group, Notice, Person
from access.selectors import Actor

Action = AuditEvent.Action
Told = Notice.Kind


class ActionRefused(Exception):
    """The action conflicts with the current state; the message is for the person who tried."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message)
        self.message = message


def check(decision: policy.Decision) -> None:
    if not decision:
        raise PermissionDenied(decision.reason)


@contextmanager
def locked(actor: Actor, conflict: str | Promise) -> Iterator[Actor]:
    """One transaction holding the enterprise row; yields the actor with their standing as of now."""
    try:
        with transaction.atomic():
            enterprise = Enterprise.objects.select_for_update().get(pk=actor.enterprise.pk)
            yield replace(actor, enterprise=enterprise, standing=selectors.standing_of(actor.person.pk, enterprise.pk))
    except IntegrityError as exc:
        # The constraints are the last line: a concurrent request won the race.
        raise ActionRefused(conflict) from exc


def record(
    actor: Actor,
    action: str,
    *,
    target: Person | None = None,
    group: Group | None = None,
    domain: Domain | None = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Journal what the actor did in their enterprise (access.journal.record, for a signed-in actor).

    An actor who acts through something other than a page (an import) has it kept in `after`, under
    `via`, so that the journal says "via import #12" (access.journal_display)."""
    if actor.via:
        after = {**(after or {}), journal.VIA: dict(actor.via)}
    return journal.record(
        action,
        enterprise=actor.enterprise,
        actor=actor.person,
        target=target,
        group=group,
        domain=domain,
        before=before,
        after=after,
        reason=reason,
        ip=actor.ip,
    )


def tell(actor: Actor, person: Person, kind: str, /, **details: Any) -> None:
    """Tell the person of a change the actor made to their access (access.notices): one e-mail with
    the other changes of its batch, queued on commit. Nobody is told of what they did themselves."""
    notify(person, actor.enterprise, kind, by=actor.person, **details)


def notify(person: Person, enterprise: Enterprise, kind: str, /, *, by: Person | None, **details: Any) -> None:
    """`tell`, for a change made by someone who is not a signed-in actor (staff: `by` is None)."""
    if notices.notice_record(person, enterprise, kind, by=by, **details) is not None:
        tasks.notices_queue(person.pk)


def required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused(_("Give a reason: it is kept in the journal."))
    return reason


# The note a browser whose session was ended keeps in its place, to be told why at its next request
# (portal.middleware): {"why": one of ENDED_BECAUSE, "enterprise": the enterprise's name}.
SESSION_ENDED = "session_ended"
BLOCKED_EVERYWHERE = "blocked_everywhere"
REMOVED = "removed"
ENDED_BECAUSE = (BLOCKED_EVERYWHERE, REMOVED)


def end_sessions(person: Person, *, because: str = "", enterprise: Enterprise | None = None) -> None:
    """Log the person out everywhere: their sessions end with the change that takes their access.

    Called inside the service's transaction, so a change that rolls back logs nobody out. Each
    login lists its session under its person (allauth's user sessions), so only theirs are read;
    a session made before sessions were listed is listed at its next request (portal.sessions).

    `because` (one of ENDED_BECAUSE) tells each browser why at its next request: the session's
    key then holds that note and nothing else, no login, for SESSION_IDLE_SECONDS.
    """
    if person.user_id is None:
        return
    theirs = UserSession.objects.filter(user_id=person.user_id)
    keys = list(theirs.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    theirs.delete()
    if because and enterprise is not None and keys:
        note = SessionStore().encode({SESSION_ENDED: {"why": because, "enterprise": enterprise.name}})
        expires = timezone.now() + timedelta(seconds=settings.SESSION_IDLE_SECONDS)
        Session.objects.bulk_create(Session(session_key=key, session_data=note, expire_date=expires) for key in keys)
