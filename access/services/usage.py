"""When people last used their online services (docs/decisions-api.md §6).

The decision point calls `service_uses_record` with what it permitted. A use moves the stored
date forward at most once per person, enterprise and service every SERVICE_USE_INTERVAL_SECONDS:
the shared cache's `add` lets the first use of that window through and turns the others away
without touching the database (those whose window is taken are seen in one read of the cache), and
the uses let through are written in one upsert. The date is
what managers see ("last used on"), not a journal: it is no act of anyone, and it is not journaled.
"""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from access.models import ServiceUse

logger = logging.getLogger(__name__)

# (person id, enterprise id, service id)
Use = tuple[int, int, int]


def _due(uses: set[Use]) -> list[Use]:
    """The uses whose window is open, each taken in the shared cache; none while it is unavailable:
    writing every use then would put the whole load of the decisions on the database. The windows
    already taken are read at once (one round trip for a batch), and only the others tried."""
    seconds = settings.SERVICE_USE_INTERVAL_SECONDS
    keys = {use: "service-use:{}:{}:{}".format(*use) for use in sorted(uses)}
    try:
        taken = cache.get_many(keys.values()) if keys else {}
        return [use for use, key in keys.items() if key not in taken and cache.add(key, 1, timeout=seconds)]
    except Exception as exc:  # noqa: BLE001 - the cache is down: the uses of this window go unrecorded
        logger.warning("Uses of online services not recorded: the cache is unavailable (%s)", type(exc).__name__)
        return []


def service_uses_record(uses: Iterable[Use], at: datetime | None = None) -> int:
    """Record that these people used these services for these enterprises now; answer how many
    rows were written (one statement for all of them)."""
    due = _due(set(uses))
    if not due:
        return 0
    at = at or timezone.now()
    ServiceUse.objects.bulk_create(
        [ServiceUse(person_id=p, enterprise_id=e, service_id=s, last_used_at=at) for p, e, s in due],
        update_conflicts=True,
        unique_fields=["person", "enterprise", "service"],
        update_fields=["last_used_at"],
    )
    return len(due)
