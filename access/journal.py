"""The journal's one way in: every row of AuditEvent is written by `record`.

A write journals inside its own transaction, so the row and the change commit or roll back
together. Staff have no Person: their rows have no actor, and name the member of staff in `after`.
"""

from typing import Any

from access.models import AuditEvent, Domain, Enterprise, Group, Person

Action = AuditEvent.Action

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
    via: str = "",
    via_client: str = "",
) -> AuditEvent:
    """One row of the journal; the domain is the group's unless given. `via` says how the act came
    when not on the portal's pages (a provisioning client, named `via_client`), the actor being
    the person on whose behalf it acted."""
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
        via=via,
        via_client=via_client,
    )
