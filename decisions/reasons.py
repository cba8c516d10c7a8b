"""Why a decision is a denial: a stable code for machines, and words for the online service's
staff (`reason_admin`) and for the person (`reason_user`), in the portal's four languages, in the
decision's `context` as AuthZEN §5.5 suggests (docs/decisions-api.md §4 has the table).

The codes are listed in the order of precedence: when several hold, the first one is given.
"""

from enum import StrEnum
from functools import cache
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Reason(StrEnum):
    UNKNOWN_SUBJECT = "unknown_subject"
    UNKNOWN_RESOURCE = "unknown_resource"
    UNKNOWN_ACTION = "unknown_action"
    ENTERPRISE_NOT_ACTIVE = "enterprise_not_active"
    NO_STANDING = "no_standing"
    BLOCKED_EVERYWHERE = "blocked_everywhere"
    NOT_OFFERED = "not_offered"
    BLOCKED_IN_GROUP = "blocked_in_group"
    GRANT_EXPIRED = "grant_expired"
    GRANT_REVOKED = "grant_revoked"
    NOT_GRANTED = "not_granted"
    NO_MEMBERSHIP = "no_membership"


ASK_MANAGER = _("Ask an access manager of the enterprise.")

# (for the online service's staff, for the person)
TEXTS: dict[Reason, tuple[Promise, Promise]] = {
    Reason.UNKNOWN_SUBJECT: (
        _("The portal knows nobody with this national register number or username."),
        _("You are not known in the enterprises' access management."),
    ),
    Reason.UNKNOWN_RESOURCE: (
        _("The portal knows no enterprise with this number."),
        _("This enterprise is not known in the enterprises' access management."),
    ),
    Reason.UNKNOWN_ACTION: (
        _("The portal's catalogue has no online service with this code."),
        _("This online service is not known in the enterprises' access management."),
    ),
    Reason.ENTERPRISE_NOT_ACTIVE: (
        _("The enterprise's account is not active: pending until its Main Access Manager logs in, or closed."),
        _("The enterprise's account is not active."),
    ),
    Reason.NO_STANDING: (
        _("The person holds no designation and belongs to no group of the enterprise."),
        _("You have no access to this enterprise."),
    ),
    Reason.BLOCKED_EVERYWHERE: (
        _("The person is blocked for all groups of the enterprise."),
        _("Your access to this enterprise is blocked."),
    ),
    Reason.NOT_OFFERED: (
        _("None of the enterprise's groups offers this online service."),
        _("This enterprise does not use this online service."),
    ),
    Reason.BLOCKED_IN_GROUP: (
        _("The person is blocked in the groups that would give them this online service."),
        _("Your access to this online service is blocked for this enterprise."),
    ),
    Reason.GRANT_EXPIRED: (
        _("The online service was granted to the person until a date that has passed."),
        _("Your access to this online service has expired."),
    ),
    Reason.GRANT_REVOKED: (
        _("The online service was granted to the person and has been revoked."),
        _("Your access to this online service has been withdrawn."),
    ),
    Reason.NOT_GRANTED: (
        _("The person belongs to a group that offers this online service, but it is not granted to them."),
        _("This online service has not been granted to you."),
    ),
    Reason.NO_MEMBERSHIP: (
        _("The person is not a user of any group of the enterprise that offers this online service."),
        _("This online service has not been granted to you."),
    ),
}


@cache
def _words(reason: Reason) -> tuple[dict[str, str], dict[str, str]]:
    """The reason's words in every language, made once per process."""
    admin, user = TEXTS[reason]
    ask = reason not in (Reason.UNKNOWN_ACTION, Reason.UNKNOWN_RESOURCE)
    admin_words, user_words = {}, {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            admin_words[code] = str(admin)
            user_words[code] = f"{user} {ASK_MANAGER}" if ask else str(user)
    return admin_words, user_words


def context(reason: Reason, **details: Any) -> dict[str, Any]:
    """A denial's context: the code, the two kinds of words by language, and the details known."""
    admin_words, user_words = _words(reason)
    return {"reason": str(reason), "reason_admin": dict(admin_words), "reason_user": dict(user_words), **details}
