"""Reads of imports: only the actor's own, in their enterprise (an import belongs to the manager who
uploaded it; anyone else is answered as if it did not exist)."""

from django.db.models import Count, QuerySet

from access.models import OnlineService
from access.selectors import Actor
from imports import verdicts
from imports.models import Import, ImportRow

RECENT = 10


def imports_of(actor: Actor) -> QuerySet[Import]:
    return Import.objects.filter(enterprise=actor.enterprise, created_by=actor.person)


def recent_imports(actor: Actor) -> list[Import]:
    return list(imports_of(actor).order_by("-created_at", "-pk")[:RECENT])


def rows_of(job: Import) -> QuerySet[ImportRow]:
    return job.rows.select_related("group__role_type").order_by("line")


def counts(job: Import) -> list[tuple[str, int]]:
    """How many rows came to each verdict: the dry run's, or once the import went through them, its
    outcome (in one query)."""
    column = "outcome" if job.status != Import.Status.PREVIEW else "verdict"
    rows = job.rows.exclude(**{column: ""}).values_list(column).annotate(count=Count("pk")).order_by(column)
    order = {code: index for index, code in enumerate(verdicts.ORDER)}
    return sorted(((code, count) for code, count in rows), key=lambda pair: order.get(pair[0], len(order)))


def undo_counts(job: Import) -> list[tuple[str, int]]:
    rows = job.rows.exclude(undo="").values_list("undo").annotate(count=Count("pk")).order_by("undo")
    return [(code, count) for code, count in rows]


def service_names() -> dict[str, str]:
    """The catalogue's online services by code, named in the active language."""
    return {service.code: service.name for service in OnlineService.objects.all()}
