"""Every write of the access model (docs/design.md §4–§5).

Each service locks the enterprise row, reads the actor's standing again under that lock (so a
manager revoked a moment ago can no longer act, and two requests on one enterprise take turns),
asks `policy`, writes, and records one journal event, all in one transaction. A refusal by the
policy raises PermissionDenied with its reason; a conflict with the current state (already
blocked, a manager already designated) raises ActionRefused with a message for the person.
"""

from access.services.approvals import AwaitsApproval, approval_approve, approval_refuse, four_eyes_change, held_record
from access.services.designations import designation_create, designation_revoke
from access.services.enterprises import enterprise_closure_follow
from access.services.identity import (
    enterprises_activate_pending,
    identity_link,
    login_record,
    person_get_by_identity,
    sessions_ended_record,
)
from access.services.main_manager import (
    main_manager_designate,
    main_manager_designate_as_staff,
    main_manager_designate_foreign,
    main_manager_designate_foreign_as_staff,
    main_manager_resend_credentials,
    main_manager_resend_credentials_as_staff,
    person_create_foreign,
)
from access.services.own_access import grant_renounce, membership_leave
from access.services.register import legal_representative_record, register_import
from access.services.reviews import (
    review_grant_confirm,
    review_grant_revoke,
    review_grants_confirm,
    review_start,
    unused_access_change,
)
from access.services.usage import service_uses_record
from access.services.users import (
    grant_create,
    grant_revoke,
    membership_block,
    membership_create,
    membership_delete,
    membership_unblock,
    person_block_everywhere,
    person_get_or_create,
    person_unblock_everywhere,
)
from access.writes import ActionRefused

__all__ = [
    "ActionRefused",
    "enterprises_activate_pending",
    "person_block_everywhere",
    "membership_block",
    "membership_create",
    "membership_delete",
    "designation_create",
    "enterprise_closure_follow",
    "main_manager_designate",
    "main_manager_designate_as_staff",
    "main_manager_designate_foreign",
    "main_manager_designate_foreign_as_staff",
    "person_get_or_create",
    "grant_create",
    "register_import",
    "legal_representative_record",
    "identity_link",
    "person_create_foreign",
    "person_get_by_identity",
    "login_record",
    "sessions_ended_record",
    "main_manager_resend_credentials",
    "main_manager_resend_credentials_as_staff",
    "designation_revoke",
    "grant_revoke",
    "person_unblock_everywhere",
    "membership_unblock",
    "service_uses_record",
    "grant_renounce",
    "membership_leave",
    "review_start",
    "review_grant_confirm",
    "review_grants_confirm",
    "review_grant_revoke",
    "unused_access_change",
    "approval_approve",
    "approval_refuse",
    "four_eyes_change",
    "AwaitsApproval",
    "held_record",
]
