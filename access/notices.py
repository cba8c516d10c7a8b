"""Telling people of changes to their own access, by e-mail (docs/design.md §5.9).

A service that changes a person's access records a `Notice` in its own transaction
(`notice_record`, which `access.writes.tell` calls): what changed, as codes. The person's unsent
notices are gathered into one e-mail of the outbox once their batch has closed (`notices_gather`):
no new notice for NOTICE_BATCH_SECONDS, or the first one waiting five times as long. So a manager
who grants five services, or blocks and unblocks, sends one e-mail, not one per click; a change in
another enterprise within the batch goes into the same e-mail, under its enterprise's name. The
e-mail is written when it is gathered, in the person's language, and the outbox delivers it.

Nobody is told of what they did themselves, and a person without an e-mail address is told
nothing. Grants ending within EXPIRY_NOTICE_DAYS are told of once per end date
(`expiring_grants_record`, run daily).

This module knows nothing of Celery: `access/tasks.py` queues a gathering on commit, sweeps the
batches that closed and runs the daily look at grants.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from access import selectors
from access.models import Domain, Enterprise, Notice, OnlineService, Person, RoleType
from access.policy import DesignationKind
from accounts import outbox
from accounts.models import OutboundMessage

Kind = Notice.Kind

EXPIRY_NOTICE_DAYS = 14
LONGEST_WAIT = 5  # batches: past this, a batch that keeps growing is sent all the same


def notice_record(
    person: Person, enterprise: Enterprise, kind: str, /, *, by: Person | None, **details: Any
) -> Notice | None:
    """Record that the person is to be told of a change to their access; None when they are not:
    they made the change themselves, or have no e-mail address to be told at.

    A Main Access Manager without a Belgian number learns of their designation from the e-mail
    that brings their username: they are not told twice.
    """
    if by is not None and by.pk == person.pk:
        return None
    if not person.email:
        return None
    if kind == Kind.DESIGNATED and details.get("kind") == DesignationKind.MAIN and person.niss is None:
        return None
    return Notice.objects.create(person=person, enterprise=enterprise, kind=kind, details=details)


# --- Gathering a person's notices into one e-mail -----------------------------------------------


def _window() -> timedelta:
    return timedelta(seconds=settings.NOTICE_BATCH_SECONDS)


def batch_closed(notices: list[Notice], now: datetime) -> bool:
    """No notice came for a whole window, or the first has waited LONGEST_WAIT windows."""
    newest = max(notice.created_at for notice in notices)
    oldest = min(notice.created_at for notice in notices)
    return newest <= now - _window() or oldest <= now - LONGEST_WAIT * _window()


def people_due(now: datetime | None = None, limit: int = 500) -> list[int]:
    """The people whose batch of notices has closed, longest waiting first (for the sweep)."""
    now = now or timezone.now()
    due = (
        Notice.objects.filter(sent_at__isnull=True)
        .values("person_id")
        .annotate(newest=Max("created_at"), oldest=Min("created_at"))
        .filter(Q(newest__lte=now - _window()) | Q(oldest__lte=now - LONGEST_WAIT * _window()))
        .order_by("oldest", "person_id")
        .values_list("person_id", flat=True)
    )
    return list(due[:limit])


def notices_gather(person_id: int, now: datetime | None = None) -> list[OutboundMessage]:
    """Gather the person's unsent notices into one e-mail of the outbox, if their batch has closed;
    answer the messages written (none or one), for the caller to queue.

    The notices are locked, so two gatherings at once write one e-mail: the second finds them sent.
    A person who no longer has an e-mail address gets none; their notices are closed all the same.
    """
    now = now or timezone.now()
    with transaction.atomic():
        notices = list(
            Notice.objects.select_for_update(of=("self",))
            .filter(person_id=person_id, sent_at__isnull=True)
            .select_related("person__user", "enterprise")
            .order_by("created_at", "pk")
        )
        if not notices or not batch_closed(notices, now):
            return []
        person = notices[0].person
        message = None
        if person.email:
            subject, body = written(person, notices)
            message = outbox.written_email(
                recipient=person.email,
                language=person.preferred_language,
                subject=subject,
                body=body,
                purpose=OutboundMessage.Purpose.ACCESS_CHANGES,
                user=person.user,
            )
        Notice.objects.filter(pk__in=[notice.pk for notice in notices]).update(sent_at=now, message=message)
    return [message] if message else []


# --- Grants that end soon -------------------------------------------------------------------------


def expiring_grants_record(today: date | None = None) -> int:
    """Record a notice for each current grant that ends within EXPIRY_NOTICE_DAYS and has not been
    told of with this end date (a grant whose end moves is told of again); answer how many.

    Only grants of current memberships in active enterprises, of people with an e-mail address."""
    today = today or timezone.localdate()
    told = Notice.objects.filter(kind=Kind.EXPIRING, grant=OuterRef("pk"), valid_until=OuterRef("valid_until"))
    grants = (
        selectors.current_grants()
        .filter(
            valid_until__range=(today, today + timedelta(days=EXPIRY_NOTICE_DAYS)),
            membership__removed_at__isnull=True,
            membership__group__enterprise__status=Enterprise.Status.ACTIVE,
        )
        .exclude(membership__person__email="")
        .filter(~Exists(told))
        .select_related("membership__group__role_type", "service")
    )
    notices = [
        Notice(
            person_id=grant.membership.person_id,
            enterprise_id=grant.membership.group.enterprise_id,
            kind=Kind.EXPIRING,
            grant=grant,
            valid_until=grant.valid_until,
            details={
                "group": grant.membership.group.role_type.code,
                "service": grant.service.code,
                "until": grant.valid_until.isoformat() if grant.valid_until else None,
            },
        )
        for grant in grants
    ]
    # The constraint keeps the once: a second run at the same moment adds nothing.
    return len(Notice.objects.bulk_create(notices, ignore_conflicts=True))


# --- The e-mail -------------------------------------------------------------------------------------


class _Names:
    """The catalogue's names of the codes the notices hold, in the active language."""

    def __init__(self, notices: Iterable[Notice]) -> None:
        details = [notice.details for notice in notices]
        codes = {key: {d[key] for d in details if d.get(key)} for key in ("service", "group", "domain")}
        codes["service"] |= {code for d in details for code in d.get("services") or []}
        self.services = {s.code: s.name for s in OnlineService.objects.filter(code__in=codes["service"])}
        self.groups = {r.code: r.name for r in RoleType.objects.filter(code__in=codes["group"])}
        self.domains = {d.code: d.name for d in Domain.objects.filter(code__in=codes["domain"])}


def _date(value: str | None) -> str:
    return formats.date_format(date.fromisoformat(value), "DATE_FORMAT") if value else ""


def _role(details: dict[str, Any]) -> str:
    labels = dict(DesignationKind.choices)
    return str(labels.get(details.get("kind", ""), details.get("kind", "")))


def _line(notice: Notice, names: _Names) -> str:
    d = notice.details
    group = names.groups.get(d.get("group", ""), d.get("group", ""))
    service = names.services.get(d.get("service", ""), d.get("service", ""))
    values = {"group": group, "service": service, "date": _date(d.get("until"))}
    kind = notice.kind
    if kind in OVER_TIME:
        return _over_time_line(notice, values)
    if kind in APPROVALS:
        return _approval_line(notice, names)
    if kind == Kind.ADDED:
        return _("You have been added to the group %(group)s.") % values
    # An end date in a grant's notice is its end; in a revocation or an unblocking, the end date
    # that has come (access.ends: the portal recorded it).
    if kind == Kind.GRANTED:
        if d.get("until"):
            return _("Online service granted: %(service)s, in the group %(group)s, until %(date)s.") % values
        return _("Online service granted: %(service)s, in the group %(group)s.") % values
    if kind == Kind.REVOKED:
        if d.get("until"):
            return (
                _("Your online service %(service)s, in the group %(group)s, has ended: it was granted until %(date)s.")
                % values
            )
        return _("Online service revoked: %(service)s, in the group %(group)s.") % values
    if kind == Kind.EXPIRING:
        return _("Your online service %(service)s, in the group %(group)s, ends on %(date)s.") % values
    if kind == Kind.REMOVED:
        return _("You have been removed from the group %(group)s; its online services end with it.") % values
    if kind == Kind.BLOCKED:
        if d.get("group"):
            text = (
                _("You are blocked for the group %(group)s until %(date)s.")
                if d.get("until")
                else _("You are blocked for the group %(group)s.")
            )
        else:
            text = (
                _("You are blocked for all groups of the enterprise until %(date)s.")
                if d.get("until")
                else _("You are blocked for all groups of the enterprise.")
            )
        text = text % values
        if d.get("reason"):
            text += "\n  " + _("Reason: %(reason)s") % {"reason": d["reason"]}
        return text
    if kind == Kind.UNBLOCKED:
        if d.get("group") and d.get("until"):
            return _("Your block for the group %(group)s has ended: it ran until %(date)s.") % values
        if d.get("group"):
            return _("You are unblocked for the group %(group)s.") % values
        if d.get("until"):
            return _("Your block for all groups of the enterprise has ended: it ran until %(date)s.") % values
        return _("You are unblocked for all groups of the enterprise.")
    values |= {"role": _role(d), "domain": names.domains.get(d.get("domain") or "", d.get("domain") or "")}
    if kind == Kind.DESIGNATED:
        if d.get("group"):
            return _("You have been designated %(role)s for the group %(group)s.") % values
        if d.get("domain"):
            return _("You have been designated %(role)s for the domain %(domain)s.") % values
        return _("You have been designated %(role)s.") % values
    if d.get("group"):
        return _("You are no longer %(role)s for the group %(group)s.") % values
    if d.get("domain"):
        return _("You are no longer %(role)s for the domain %(domain)s.") % values
    return _("You are no longer %(role)s.") % values


def written(person: Person, notices: list[Notice]) -> tuple[str, str]:
    """The subject and body of the e-mail that tells the person of these notices, in their language:
    the changes under the name of their enterprise, in the order they were made. An e-mail that
    only reminds a manager of an access review, or only tells of second approvals, says so in its
    subject and first line."""
    with translation.override(person.preferred_language):
        names = _Names(notices)
        sections: dict[int, dict[str, Any]] = {}
        for notice in notices:
            section = sections.setdefault(notice.enterprise_id, {"enterprise": notice.enterprise, "lines": []})
            section["lines"].append(_line(notice, names))
        reminders_only = all(notice.kind == Kind.REVIEW_REMINDER for notice in notices)
        approvals_only = all(notice.kind in APPROVALS for notice in notices)
        context = {
            "person": person,
            "sections": list(sections.values()),
            "reminders_only": reminders_only,
            "approvals_only": approvals_only,
        }
        subject = "access_changes_subject.txt"
        if reminders_only:
            subject = "access_review_subject.txt"
        elif approvals_only:
            subject = "approvals_subject.txt"
        return (
            outbox.render_subject(subject, context),
            outbox.render_text("access_changes_body.txt", context),
        )


# --- Access over time: reviews and unused access (docs/design.md §5.13) ----------------------------

OVER_TIME = frozenset({Kind.REVIEW_REMINDER, Kind.REVIEW_ENDED, Kind.UNUSED_WARNING, Kind.UNUSED_ENDED})


def _over_time_line(notice: Notice, values: dict[str, str]) -> str:
    d = notice.details
    if notice.kind == Kind.REVIEW_REMINDER:
        count = int(d.get("count", 0))
        text = ngettext(
            "An access review waits for your answer: %(count)s online service to confirm or revoke by %(date)s.",
            "An access review waits for your answers: %(count)s online services to confirm or revoke by %(date)s.",
            count,
        ) % {**values, "count": count}
        if d.get("ends"):
            text += " " + _("What is not confirmed by then ends.")
        return text
    if notice.kind == Kind.REVIEW_ENDED:
        return (
            _(
                "Online service ended: %(service)s, in the group %(group)s: "
                "no manager confirmed it in the access review."
            )
            % values
        )
    values = {**values, "months": d.get("months", "")}
    if notice.kind == Kind.UNUSED_WARNING:
        return (
            _(
                "Your online service %(service)s, in the group %(group)s, has not been used for %(months)s months: "
                "it ends on %(date)s unless you use it before then."
            )
            % values
        )
    return (
        _("Online service ended: %(service)s, in the group %(group)s: it was not used for %(months)s months.") % values
    )


# --- Four eyes (docs/design.md §5.15) ---------------------------------------------------------------

APPROVALS = frozenset({Kind.APPROVAL_ASKED, Kind.APPROVAL_DECIDED})


def import_rows_what(d: Mapping[str, Any]) -> str:
    """The rows of an import that wait together for a second manager (imports.waiting), as its
    request reads on the page of second approvals and in the e-mails."""
    people, rows = int(d.get("people") or 0), int(d.get("rows") or 0)
    values = {"import": d.get("import", ""), "file": d.get("file", ""), "count": people}
    text = ngettext(
        "Import no. %(import)s (%(file)s): block or remove %(count)s person",
        "Import no. %(import)s (%(file)s): block or remove %(count)s people",
        people,
    )
    in_rows = ngettext("(%(count)s row)", "(%(count)s rows)", rows) % {"count": rows}
    return f"{text % values} {in_rows}"


def _approval_what(d: dict[str, Any], names: _Names) -> str:
    """The action a request asks for, from its codes (access.approvals.KINDS reads them the same way)."""
    values = {"name": d.get("person", ""), "role": _role(d), "domain": names.domains.get(d.get("domain") or "", "")}
    values["group"] = names.groups.get(d.get("group") or "", d.get("group") or "")
    if d.get("action") == "membership_block":
        return _("Block %(name)s for the group %(group)s") % values
    if d.get("action") == "membership_delete":
        return _("Delete %(name)s from the group %(group)s") % values
    if d.get("action") == "person_block_everywhere":
        return _("Block %(name)s for all groups") % values
    if d.get("action") == "import_rows":
        return import_rows_what(d)
    if d.get("action") == "mandate_end":
        services = ", ".join(names.services.get(code, code) for code in d.get("services") or [])
        return _("End the mandate with %(enterprise)s for %(services)s") % {
            "enterprise": d.get("enterprise", ""),
            "services": services,
        }
    if d.get("action") == "designation" and d.get("domain"):
        return _("Designate %(name)s as %(role)s for the domain %(domain)s") % values
    if d.get("action") == "designation":
        return _("Designate %(name)s as %(role)s") % values
    return str(d.get("action", ""))


def _approval_line(notice: Notice, names: _Names) -> str:
    d = notice.details
    values = {"what": _approval_what(d, names), "by": d.get("requester", ""), "date": _date(d.get("until"))}
    if notice.kind == Kind.APPROVAL_ASKED:
        return (
            _("%(by)s asks a second manager to approve: %(what)s. Approve or refuse it in the portal by %(date)s.")
            % values
        )
    status = d.get("status")
    if status == "approved":
        return _("Your request is approved and carried out: %(what)s.") % values
    if status == "refused":
        return _("Your request is refused: %(what)s. Nothing was done.") % values
    if status == "expired":
        return _("Your request expired without a second approval: %(what)s. Nothing was done.") % values
    return _("Your request was approved, but it is no longer allowed: %(what)s. Nothing was done.") % values
