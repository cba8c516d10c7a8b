"""An enterprise's status over time: the closures that say when an enterprise once activated was
not active (access.models.EnterpriseClosure), kept with `Enterprise.status` by whoever changes it."""

from datetime import datetime

from django.utils import timezone

from access.models import Enterprise, EnterpriseClosure


def enterprise_closure_follow(enterprise: Enterprise, previous: str, *, at: datetime | None = None) -> None:
    """The enterprise's status has just changed from `previous` to `enterprise.status`, in the
    transaction of the change: leaving active opens a closure, coming back to active ends the open
    one, and a closed enterprise set to pending (or the reverse) stays closed with its new status."""
    at = at or timezone.now()
    status = enterprise.status
    if status == previous:
        return
    current = EnterpriseClosure.objects.select_for_update().filter(enterprise=enterprise, reopened_at__isnull=True)
    if status == Enterprise.Status.ACTIVE:
        current.update(reopened_at=at)
    elif previous == Enterprise.Status.ACTIVE:
        EnterpriseClosure.objects.create(enterprise=enterprise, status=status, closed_at=at)
    else:
        current.update(status=status)
