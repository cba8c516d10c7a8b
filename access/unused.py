"""Unused access ends (docs/design.md §5.13): in an enterprise whose MAM or co-MAM chose a number
of months (UnusedAccessSetting), a grant that its holder has not used for that long, and that is
at least that old, ends; its holder is told 14 days before, and can keep it by using it.

Used means a `ServiceUse` of the person for the enterprise and the service, as the decision point
records it; a grant is "active" since the later of its grant and that last use. Every morning, per
enterprise, under the enterprise's lock:

1. A grant inactive for the months, and warned since it became inactive and since the setting
   last changed, with an end day that has come, ends: revoked by the system, journaled
   (`unused_ended`), its holder told.
2. A grant that will have been inactive for the months within 14 days, and not warned since it
   became inactive and since the setting last changed, is warned: it ends in 14 days unless used
   (`UnusedGrantWarning`, journaled `unused_warned`, its holder told).

So nothing ends without 14 days' notice, turning the setting on or changing it included. A grant used after its
warning is no longer inactive: it is not ended, and is warned again when it is. The notices go into
one e-mail per person per batch (access.notices). Like access.notices, this module knows nothing
of Celery; access/tasks.py runs it daily.
"""

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from access import journal, notices, selectors
from access.models import AuditEvent, Enterprise, Grant, Notice, ServiceUse, UnusedAccessSetting, UnusedGrantWarning

Action = AuditEvent.Action
WARNING_DAYS = 14


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has fewer)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def inactive_since(enterprise: Enterprise) -> QuerySet[Any]:
    """The enterprise's current grants in current memberships, each with when it was last active
    (`active_at`: the later of its grant and its holder's last use of the service there)."""
    last_use = ServiceUse.objects.filter(
        person=OuterRef("membership__person"), enterprise=enterprise, service=OuterRef("service")
    ).values("last_used_at")[:1]
    used = Subquery(last_use, output_field=DateTimeField())
    return (
        selectors.current_grants()
        .filter(membership__removed_at__isnull=True, membership__group__enterprise=enterprise)
        .annotate(last_used_at=used, active_at=Greatest(F("granted_at"), Coalesce(used, F("granted_at"))))
    )


def _warned(setting: UnusedAccessSetting, **more: object) -> Exists:
    """A warning of the grant given since it was last active, under the setting as it is now: a
    warning given before the setting last changed is void."""
    warnings = UnusedGrantWarning.objects.filter(grant=OuterRef("pk"), warned_at__gt=OuterRef("active_at"), **more)
    return Exists(warnings.filter(warned_at__gte=setting.changed_at))


def _details(grant: Grant) -> dict[str, str]:
    return {"group": grant.membership.group.role_type.code, "service": grant.service.code}


def _end(enterprise: Enterprise, grant: Grant, months: int, now: datetime) -> int:
    grant.revoked_at, grant.revoked_by = now, None
    grant.save(update_fields=["revoked_at", "revoked_by"])
    membership = grant.membership
    last_used = grant.last_used_at  # type: ignore[attr-defined]
    journal.record(
        Action.UNUSED_ENDED,
        enterprise=enterprise,
        actor=None,
        target=membership.person,
        group=membership.group,
        before={"service": grant.service.code},
        after={"months": months, "last_used": timezone.localdate(last_used).isoformat() if last_used else None},
    )
    notice = notices.notice_record(
        membership.person, enterprise, Notice.Kind.UNUSED_ENDED, by=None, months=months, **_details(grant)
    )
    return membership.person_id if notice is not None else 0


def _warn(enterprise: Enterprise, grant: Grant, months: int, ends_on: date) -> int:
    UnusedGrantWarning.objects.create(grant=grant, ends_on=ends_on, months=months)
    membership = grant.membership
    journal.record(
        Action.UNUSED_WARNED,
        enterprise=enterprise,
        actor=None,
        target=membership.person,
        group=membership.group,
        after={"service": grant.service.code, "ends_on": ends_on.isoformat(), "months": months},
    )
    notice = notices.notice_record(
        membership.person,
        enterprise,
        Notice.Kind.UNUSED_WARNING,
        by=None,
        until=ends_on.isoformat(),
        months=months,
        **_details(grant),
    )
    return membership.person_id if notice is not None else 0


def enterprise_sweep(enterprise_id: int, today: date | None = None) -> list[int]:
    """End and warn the unused grants of one enterprise, as the module says; answer the people told."""
    today = today or timezone.localdate()
    now = timezone.now()
    told: list[int] = []
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().get(pk=enterprise_id)
        setting = UnusedAccessSetting.objects.filter(enterprise=enterprise).first()
        months = setting.months if setting else None
        if setting is None or months is None or enterprise.status != Enterprise.Status.ACTIVE:
            return []
        grants = inactive_since(enterprise).select_related(
            "service", "membership__person", "membership__group__role_type"
        )
        ending = grants.filter(active_at__lt=_start_of(months_before(today, months))).filter(
            _warned(setting, ends_on__lte=today)
        )
        for grant in ending.order_by("pk"):
            told.append(_end(enterprise, grant, months, now))
        horizon = _start_of(months_before(today + timedelta(days=WARNING_DAYS), months))
        warned = grants.filter(active_at__lt=horizon).exclude(_warned(setting))
        for grant in warned.order_by("pk"):
            told.append(_warn(enterprise, grant, months, today + timedelta(days=WARNING_DAYS)))
    return sorted({person_id for person_id in told if person_id})


def unused_grants_sweep(today: date | None = None) -> list[int]:
    """Run every morning: every enterprise that ends its unused access; answer the people told."""
    enterprises = UnusedAccessSetting.objects.filter(
        months__isnull=False, enterprise__status=Enterprise.Status.ACTIVE
    ).values_list("enterprise_id", flat=True)
    told: list[int] = []
    for enterprise_id in enterprises.order_by("enterprise_id"):
        told += enterprise_sweep(enterprise_id, today)
    return told
