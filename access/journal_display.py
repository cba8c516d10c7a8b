"""How a journal event reads: what it was before and after, as labelled values in the reader's
language, on the journal's page and in its CSV export (docs/design.md §5.7).

The journal keeps codes and plain values (`{"status": "blocked", "until": "2026-03-31"}`); here
each key gets its label and each value its words: an online service, a domain or a group by its
name, a kind of manager, a status or a language by its label, a date as the reader writes it, yes
or no. A key this table does not know is shown as written.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.identifiers import mask_niss
from access.journal import VIA
from access.models import AuditEvent, Domain, Enterprise, Language, Membership, OnlineService, RoleType
from access.policy import DesignationKind
from access.spreadsheets import FORMULA_STARTS, neutralised
from accounts.models import OutboundMessage

__all__ = ["FORMULA_STARTS", "neutralised"]  # the journal's export cells, from access.spreadsheets

LABELS: dict[str, str | Promise] = {
    "status": gettext_lazy("Status"),
    "service": gettext_lazy("Online service"),
    "services": gettext_lazy("Online services"),
    "until": gettext_lazy("Until"),
    "reason": gettext_lazy("Reason"),
    "reason_shared": gettext_lazy("Reason shared with the person"),
    "end_date_reached": gettext_lazy("End date reached"),
    "blocked_everywhere": gettext_lazy("Blocked for all groups"),
    "kind": gettext_lazy("Role"),
    "person": gettext_lazy("Person"),
    "domain": gettext_lazy("Domain"),
    "group": gettext_lazy("Group"),
    "enterprise": gettext_lazy("Enterprise"),
    "staff": gettext_lazy("Member of staff"),
    "object": gettext_lazy("Changed in the admin"),
    "deleted": gettext_lazy("Deleted"),
    "source": gettext_lazy("Source"),
    "valid_from": gettext_lazy("Valid from"),
    "valid_until": gettext_lazy("Valid until"),
    "channels": gettext_lazy("Sent by"),
    "reset": gettext_lazy("Stopped working"),
    "cancelled_messages": gettext_lazy("Messages cancelled"),
    "limit": gettext_lazy("Limit reached"),
    "count": gettext_lazy("Number"),
    "seconds": gettext_lazy("Period (seconds)"),
    "amr": gettext_lazy("Login method"),
    "acr": gettext_lazy("Level of assurance"),
    "user": gettext_lazy("Username"),
    "niss": gettext_lazy("National register number"),
    "given_name": gettext_lazy("Given name"),
    "surname": gettext_lazy("Surname"),
    "name": gettext_lazy("Name"),
    "number": gettext_lazy("Enterprise number"),
    "email": gettext_lazy("E-mail address"),
    "mobile_phone": gettext_lazy("Mobile phone number"),
    "preferred_language": gettext_lazy("Preferred language"),
    "general_email": gettext_lazy("General e-mail address"),
    "general_phone": gettext_lazy("General phone number"),
    "correspondence_language": gettext_lazy("Correspondence language"),
    "addresses": gettext_lazy("Addresses"),
    "registered_office": gettext_lazy("Registered office"),
    "correspondence": gettext_lazy("Correspondence address"),
    "contacts": gettext_lazy("Contact persons"),
    "sender": gettext_lazy("Sender number"),
    "technical_contact": gettext_lazy("Technical contact"),
    "channel": gettext_lazy("Channel"),
    "active": gettext_lazy("Active"),
    "key_fingerprint": gettext_lazy("Key fingerprint"),
    "certificate_subject": gettext_lazy("Certificate subject"),
    "certificate_fingerprint": gettext_lazy("Certificate fingerprint"),
    "oauth_client_id": gettext_lazy("OAuth client id"),
    "exchanges": gettext_lazy("Exchanges structured messages"),
    "contact_name": gettext_lazy("Contact person"),
    "contact_email": gettext_lazy("Contact e-mail address"),
    "delivery": gettext_lazy("Delivered to"),
    "purpose": gettext_lazy("Purpose"),
    "user_name": gettext_lazy("User name in the HR system"),
    "external_id": gettext_lazy("Identifier in the HR system"),
    "emails": gettext_lazy("E-mail addresses"),
    "token": gettext_lazy("Provisioning token"),
    "expires_at": gettext_lazy("Expires on"),
    # Access over time (docs/design.md §5.13).
    "review": gettext_lazy("Access review"),
    "deadline": gettext_lazy("Deadline"),
    "end_unconfirmed": gettext_lazy("At the deadline, end what was not confirmed"),
    "grants": gettext_lazy("Online services to answer"),
    "stage": gettext_lazy("Reminder"),
    "managers": gettext_lazy("Managers reminded"),
    "confirmed": gettext_lazy("Confirmed"),
    "revoked": gettext_lazy("Revoked"),
    "ended": gettext_lazy("Ended at the deadline"),
    "unanswered": gettext_lazy("Not answered"),
    "months": gettext_lazy("Ends when unused for (months)"),
    "last_used": gettext_lazy("Last used"),
    "ends_on": gettext_lazy("Ends on"),
    # Four eyes (docs/design.md §5.15).
    "request": gettext_lazy("Request"),
    "action": gettext_lazy("Action"),
    "why": gettext_lazy("Why"),
    "four_eyes": gettext_lazy("A second manager approves"),
    # The rows of an import that wait together (imports.waiting).
    "import": gettext_lazy("Import"),
    "file": gettext_lazy("File"),
    "rows": gettext_lazy("Rows"),
    "people": gettext_lazy("People"),
    # Mandates (docs/design.md §5.16).
    "mandate": gettext_lazy("Mandate"),
    "principal": gettext_lazy("Principal"),
    "provider": gettext_lazy("Service provider"),
    "starts_on": gettext_lazy("Starts on"),
}

# The words of stored values, by the key that holds them.
STATUSES: dict[str, str | Promise] = {**dict(Enterprise.Status.choices), **dict(Membership.Status.choices)}
VALUES: dict[str, dict[str, str | Promise]] = {
    "status": STATUSES,
    "kind": dict(DesignationKind.choices),
    "channels": dict(OutboundMessage.Channel.choices),
    "purpose": dict(OutboundMessage.Purpose.choices),
    "preferred_language": dict(Language.choices),
    "correspondence_language": dict(Language.choices),
    "delivery": {"ebox": gettext_lazy("e-Box Enterprise"), "channel": gettext_lazy("a technical channel")},
    "reset": {
        "password": gettext_lazy("password"),
        "one-time-code app": gettext_lazy("one-time-code app"),
        "recovery codes": gettext_lazy("recovery codes"),
        "security keys": gettext_lazy("security keys"),
        "sessions": gettext_lazy("sessions"),
    },
    "limit": {"actor": gettext_lazy("per person who asks"), "enterprise": gettext_lazy("per enterprise")},
    "stage": {
        "start": gettext_lazy("at the start"),
        "week": gettext_lazy("a week before the deadline"),
        "day": gettext_lazy("the day before the deadline"),
    },
    "months": {"off": gettext_lazy("never")},
    "action": {"designation": gettext_lazy("designation of a manager")},
    "why": {
        "no_second_manager": gettext_lazy("no second manager to approve"),
        "single_main_manager": gettext_lazy("a single Main or co-Main Access Manager"),
    },
}
BOOLEAN_TEXT = {"True": True, "False": False}  # as the structured-message settings keep them
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*")
NOTHING = "–"


class Names:
    """The catalogue's names of online services, domains and roles, in the active language; read
    once for a page or an export (three queries), whatever the number of events."""

    def __init__(self) -> None:
        self.services = {service.code: service.name for service in OnlineService.objects.all()}
        self.domains = {domain.code: domain.name for domain in Domain.objects.all()}
        self.groups = {role.code: role.name for role in RoleType.objects.all()}

    def of(self, key: str, code: str) -> str | None:
        """The name of a code kept under `key` (a service, a domain, a group's role), if it is one."""
        tables = {"service": self.services, "services": self.services, "domain": self.domains, "group": self.groups}
        return tables[key].get(code) if key in tables else None


def label(key: str, parent: str = "", names: Names | None = None) -> str:
    """The label of a key; under `contacts`, keys are domains."""
    if parent == "contacts" and names is not None and key in names.domains:
        return names.domains[key]
    return str(LABELS.get(key) or capfirst(key.replace("_", " ")))


def value_text(key: str, value: Any, names: Names) -> str:
    """A stored value in words, for the key that holds it."""
    if value is None or value == "" or value == [] or value == {}:
        return NOTHING
    if isinstance(value, bool) or (key == "exchanges" and value in BOOLEAN_TEXT):
        return _("yes") if BOOLEAN_TEXT.get(value, value) else _("no")
    if isinstance(value, list):
        return ", ".join(value_text(key, item, names) for item in value)
    if isinstance(value, dict):
        return ", ".join(pair(inner, item, names, parent=key) for inner, item in value.items())
    text = str(value)
    if key == "niss":
        return mask_niss(text)
    if key in ("review", "request", "mandate"):
        return _("no. %(number)s") % {"number": text}
    if (named := names.of(key, text)) is not None:
        return named
    if key in VALUES and text in VALUES[key]:
        return str(VALUES[key][text])
    if ISO_DATE.fullmatch(text):
        return formats.date_format(date.fromisoformat(text), "DATE_FORMAT")
    if ISO_DATETIME.fullmatch(text) and (moment := parse_datetime(text)) is not None:
        moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
        return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    return text


def pair(key: str, value: Any, names: Names, parent: str = "") -> str:
    """ "Label: value", as the reader's language writes it."""
    return _("%(label)s: %(value)s") % {"label": label(key, parent, names), "value": value_text(key, value, names)}


@dataclass(frozen=True)
class Change:
    """One key of an event: its label, and its value before and after (None where the event does
    not say)."""

    label: str
    before: str | None
    after: str | None

    @property
    def line(self) -> str:
        """ "Label: before → after", as the reader's language writes it."""
        return _("%(label)s: %(value)s") % {"label": self.label, "value": self.text}

    @property
    def text(self) -> str:
        if self.before is None:
            return self.after or NOTHING
        if self.after is None:
            return f"{self.before} → {NOTHING}"
        return self.after if self.before == self.after else f"{self.before} → {self.after}"


def _as_dict(values: Any) -> dict[str, Any]:
    """The keys of a before or an after; how the actor acted (`via`) is not a change."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        return {"": values}
    return {key: value for key, value in values.items() if key != VIA}


def via(event: AuditEvent) -> str:
    """How the actor acted, when it was not through a page: "via import #12", or through a
    provisioning client holding their token, "via the provisioning client “Workday”, on behalf of
    Greta Group" (docs/provisioning.md)."""
    how = (event.after or {}).get(VIA) if isinstance(event.after, dict) else None
    if isinstance(how, dict) and "approval" in how:
        return _("approved by %(manager)s (request no. %(number)s)") % {
            "manager": how.get("approved_by", ""),
            "number": how["approval"],
        }
    if isinstance(how, dict) and "provisioning" in how:
        return _("via the provisioning client “%(client)s”, on behalf of %(manager)s") % {
            "client": how["provisioning"],
            "manager": event.actor.full_name if event.actor else "",
        }
    if not isinstance(how, dict) or "import" not in how:
        return ""
    if how.get("undo"):
        return _("via the undoing of import #%(number)s") % {"number": how["import"]}
    return _("via import #%(number)s") % {"number": how["import"]}


def action_text(event: AuditEvent) -> str:
    """The action in words, with how it was done when it was not through a page."""
    how = via(event)
    action = str(event.get_action_display())
    return _("%(action)s, %(via)s") % {"action": action, "via": how} if how else action


ORDER = {key: index for index, key in enumerate(LABELS)}


def _ordered(keys: Iterable[str]) -> list[str]:
    """Keys in the order of the table above (the database keeps its own), unknown ones after."""
    return sorted(dict.fromkeys(keys), key=lambda key: (ORDER.get(key, len(ORDER)), key))


def changes(event: AuditEvent, names: Names) -> list[Change]:
    """What the event changed, key by key."""
    before, after = _as_dict(event.before), _as_dict(event.after)
    keys = _ordered([*before, *after])
    return [
        Change(
            label=label(key, names=names),
            before=value_text(key, before[key], names) if key in before else None,
            after=value_text(key, after[key], names) if key in after else None,
        )
        for key in keys
    ]


def summary(values: Any, names: Names) -> str:
    """A before or an after on one line: "Label: value; Label: value"."""
    values = _as_dict(values)
    return "; ".join(pair(key, values[key], names) for key in _ordered(values))


# --- The CSV export --------------------------------------------------------------------------------


def by_whom(event: AuditEvent) -> str:
    """Who did it: the person; staff, by their username; or the portal itself (an end date
    reached, a register imported), which no person did."""
    if event.actor is not None:
        return event.actor.full_name
    staff = event.after.get("staff") if isinstance(event.after, dict) else None
    if staff:
        return _("Portal staff (%(username)s)") % {"username": staff}
    return _("The portal")


def csv_header() -> list[str]:
    return [
        _("Time"),
        _("Action"),
        _("By"),
        _("About"),
        _("Scope"),
        _("Before"),
        _("After"),
        _("Reason"),
    ]


def scope_of(event: AuditEvent) -> str:
    if event.group_id:
        return event.group.name  # type: ignore[union-attr]
    if event.domain_id:
        return event.domain.name  # type: ignore[union-attr]
    return _("Whole enterprise")


def csv_rows(events: Iterator[AuditEvent], names: Names) -> Iterator[list[str]]:
    """The header, then one row per event, every cell neutralised against formulas."""
    yield [neutralised(cell) for cell in csv_header()]
    for event in events:
        row = [
            formats.date_format(timezone.localtime(event.created_at), "Y-m-d H:i:s"),
            action_text(event),
            by_whom(event),
            event.target_person.full_name if event.target_person else "",
            scope_of(event),
            summary(event.before, names),
            summary(event.after, names),
            event.reason,
        ]
        yield [neutralised(str(cell)) for cell in row]
