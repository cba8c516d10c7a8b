"""Pages of Access Management. Each view: find the actor, load through their scope, validate,
call one service, redirect. Outsiders get 404; insiders without the right get 403 with the reason."""

from access.views.journal import activated, journal, journal_export
from access.views.managers import (
    designation_revoke,
    main_manager,
    main_manager_belgian,
    main_manager_credentials,
    main_manager_foreign,
    manager_list,
)
from access.views.my_access import my_access, my_access_index, my_grant_renounce, my_group_leave
from access.views.users import (
    dashboard,
    grant_add,
    grant_revoke,
    group_detail,
    membership_block,
    membership_delete,
    membership_edit,
    membership_unblock,
    person_block,
    person_unblock,
    user_add,
    user_detail,
    user_list,
)

__all__ = [
    "activated",
    "dashboard",
    "designation_revoke",
    "grant_add",
    "grant_revoke",
    "group_detail",
    "journal",
    "journal_export",
    "main_manager",
    "main_manager_belgian",
    "main_manager_credentials",
    "main_manager_foreign",
    "manager_list",
    "membership_block",
    "membership_delete",
    "membership_edit",
    "membership_unblock",
    "my_access",
    "my_access_index",
    "my_grant_renounce",
    "my_group_leave",
    "person_block",
    "person_unblock",
    "user_add",
    "user_detail",
    "user_list",
]
