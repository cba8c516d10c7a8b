"""The journal's one way in: every row of AuditEvent is written by `record`.

A write journals inside its own transaction, so the row and the change commit or roll back
together. Staff have no Person: their rows have no actor, and name the member of staff in `after`.
"""

from typing import Any

from access.models import AuditEvent, Domain, Enterprise, Group, Person

Action = AuditEvent.Action

# The key of `after` that says how the actor acted when it was not through a page: {"import": 12}
# for a row of an import, with "undo": true for its undoing (access.writes.record).
VIA = "via"

# What a person does with their own login is journaled without an enterprise, so it is in no
# enterprise's journal (staff read it in the admin): the journal's filter does not offer these.
PERSONAL_ACTIONS = frozenset(
    {
        Action.LOGGED_IN,
        Action.SESSIONS_ENDED,
        Action.PROFILE_UPDATED,
        Action.PASSWORD_CHANGED,
        Action.RECOVERY_CODES_GENERATED,
    }
)


def record(
    action: str,
    *,
    enterprise: Enterprise | None,
    actor: Person | None,
    target: Person | None = None,
    group: Group | None = None,
    domain: Domain | None = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
    ip: str | None = None,
) -> AuditEvent:
    """One row of the journal; the domain is the group's unless given."""
    return AuditEvent.objects.create(
        enterprise=enterprise,
        actor=actor,
        action=action,
        target_person=target,
        group=group,
        domain=domain or (group.role_type.domain if group else None),
        before=before,
        after=after,
        reason=reason,
        ip_address=ip,
    )
