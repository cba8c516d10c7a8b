"""What a row of an import comes to, as codes kept with the row and as words for the reader.

A verdict is a code and its details: `("new_user", {"services": ["dimona"]})`,
`("refused", {"reason": "This group is not one of the groups you manage."})`. A reason given by the
policy or by a service is kept as its English text, its message id, and read back in the reader's
language; a reason of the import itself is kept as a code (`why`) with its values.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.writes import ActionRefused

# A row that changes something, one that changes nothing, one that is refused.
NEW_USER = "new_user"
NEW_GRANT = "new_grant"
REVOKE = "revoke"
DELETE = "delete"
BLOCK = "block"
UNBLOCK = "unblock"
CHANGES = (NEW_USER, NEW_GRANT, REVOKE, DELETE, BLOCK, UNBLOCK)
ALREADY_THERE = "already_there"
NOT_THERE = "not_there"
ALREADY_BLOCKED = "already_blocked"
NOT_BLOCKED = "not_blocked"
UNCHANGED = (ALREADY_THERE, NOT_THERE, ALREADY_BLOCKED, NOT_BLOCKED)
REFUSED = "refused"
ORDER = (*CHANGES, *UNCHANGED, REFUSED)  # how a summary lists them
# What the undoing did with a row the import changed.
UNDONE = "undone"
NOT_UNDONE = "not_undone"

LABELS = {
    NEW_USER: gettext_lazy("new user"),
    NEW_GRANT: gettext_lazy("new grant"),
    REVOKE: gettext_lazy("online services revoked"),
    DELETE: gettext_lazy("removed from the group"),
    BLOCK: gettext_lazy("blocked"),
    UNBLOCK: gettext_lazy("unblocked"),
    ALREADY_THERE: gettext_lazy("already there"),
    NOT_THERE: gettext_lazy("nothing to remove"),
    ALREADY_BLOCKED: gettext_lazy("already blocked"),
    NOT_BLOCKED: gettext_lazy("not blocked"),
    REFUSED: gettext_lazy("refused"),
    UNDONE: gettext_lazy("undone"),
    NOT_UNDONE: gettext_lazy("not undone"),
}

# The import's own reasons, by code; their values are named in the text.
WHY = {
    "action": gettext_lazy("Unknown action “%(value)s”: write add, remove, block or unblock."),
    "no_group": gettext_lazy("Name the group."),
    "group": gettext_lazy("Unknown group “%(value)s”: write the name or the code of one of the enterprise’s groups."),
    "service": gettext_lazy("Unknown online service “%(value)s”."),
    "duplicate": gettext_lazy("Line %(line)s is already about this person in this group: this row is left out."),
    "names": gettext_lazy("This person is not known to the portal yet: give their given name and surname."),
    "too_long": gettext_lazy("The column “%(value)s” is too long."),
    "email": gettext_lazy("“%(value)s” is not an e-mail address."),
    "not_member": gettext_lazy("This person is not a user of this group."),
    "removed": gettext_lazy("They have been removed from the group since."),
    "blocked": gettext_lazy("They have been blocked since."),
    "unblocked": gettext_lazy("They have been unblocked, or blocked again, since."),
    "grants_changed": gettext_lazy("Their online services in this group have changed since."),
    "revoked": gettext_lazy("The online service has been revoked since."),
    "granted": gettext_lazy("The online service has been granted again since."),
    "member_again": gettext_lazy("They have been added to the group again since."),
    "was_blocked": gettext_lazy(
        "They were blocked when the import removed them: add them again by hand, and block them if need be."
    ),
    "error": gettext_lazy("An error stopped this row; nothing of it was done."),
}


def message_id(text: str | Promise) -> str:
    """The English text of a translatable message (its id), to be read back in another language."""
    with translation.override(None):
        return str(text)


@dataclass(frozen=True)
class Verdict:
    code: str
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def changes(self) -> bool:
        return self.code in CHANGES


def reason_of(exc: Exception) -> str | Promise:
    """The reason of a refusal of the policy, of a service or of the identifiers."""
    if isinstance(exc, ActionRefused):
        return exc.message
    if isinstance(exc, ValidationError):
        # A single message keeps its message id; a list of them is read as they are.
        return exc.message if hasattr(exc, "message") else exc.messages[0]
    return exc.args[0] if exc.args else ""


def refused(reason: str | Promise, **detail: Any) -> Verdict:
    """Refused with a reason of the policy or of a service (or of the identifiers)."""
    return Verdict(REFUSED, {"reason": message_id(reason), **detail})


def refused_because(why: str, **values: Any) -> Verdict:
    """Refused with a reason of the import itself."""
    return Verdict(REFUSED, {"why": why, **values})


def label(code: str) -> str:
    return str(LABELS.get(code, code))


def detail_text(code: str, detail: dict[str, Any], services: dict[str, str]) -> str:
    """The details in words: the online services concerned, or the reason of a refusal.

    `services`: the catalogue's names of online services by code, in the reader's language."""
    if detail.get("reason"):
        reason = _(detail["reason"])
        if detail.get("request"):  # a change that waits for a second manager (imports.waiting)
            return _("%(reason)s Request no. %(request)s.") % {"reason": reason, "request": detail["request"]}
        if detail.get("service"):
            name = services.get(detail["service"], detail["service"])
            return _("%(service)s: %(reason)s") % {"service": name, "reason": reason}
        return reason
    if detail.get("why") in WHY:
        values = {key: value for key, value in detail.items() if key != "why"}
        return str(WHY[detail["why"]]) % values if values else str(WHY[detail["why"]])
    names = [services.get(code, code) for code in detail.get("services", [])]
    text = ", ".join(names)
    if code == NEW_USER and detail.get("new_person"):
        return _("new to the portal; %(services)s") % {"services": text} if text else _("new to the portal")
    return text
