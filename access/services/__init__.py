"""Every write of the access model (docs/design.md §4–§5).

Each service locks the enterprise row, reads the actor's standing again under that lock (so a
manager revoked a moment ago can no longer act, and two requests on one enterprise take turns),
asks `policy`, writes, and records one journal event, all in one transaction. A refusal by the
policy raises PermissionDenied with its reason; a conflict with the current state (already
blocked, a manager already designated) raises ActionRefused with a message for the person.
"""

from access.services.designations import designate, revoke_designation
from access.services.identity import (
    activate_pending_enterprises,
    link_identity,
    person_for_identity,
    record_login,
    record_sessions_ended,
)
from access.services.main_manager import (
    designate_foreign_main,
    designate_foreign_main_as_staff,
    designate_main,
    designate_main_as_staff,
    new_foreign_person,
    resend_credentials,
    resend_credentials_as_staff,
)
from access.services.register import import_register, journal_representative
from access.services.users import (
    block_everywhere,
    block_membership,
    create_user,
    delete_membership,
    find_or_create_person,
    grant_service,
    revoke_service,
    unblock_everywhere,
    unblock_membership,
)
from access.writes import ActionRefused

__all__ = [
    "ActionRefused",
    "activate_pending_enterprises",
    "block_everywhere",
    "block_membership",
    "create_user",
    "delete_membership",
    "designate",
    "designate_main",
    "designate_main_as_staff",
    "designate_foreign_main",
    "designate_foreign_main_as_staff",
    "find_or_create_person",
    "grant_service",
    "import_register",
    "journal_representative",
    "link_identity",
    "new_foreign_person",
    "person_for_identity",
    "record_login",
    "record_sessions_ended",
    "resend_credentials",
    "resend_credentials_as_staff",
    "revoke_designation",
    "revoke_service",
    "unblock_everywhere",
    "unblock_membership",
]
