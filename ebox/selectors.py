from collections.abc import Mapping

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from access.models import Enterprise, Person
from ebox.models import Message, Reading, Task


def messages_for(person: Person, enterprise: Enterprise, services: set[str]) -> QuerySet[Message]:
    """The messages this person sees (docs/design.md §8): not expired, and for a service they hold if any."""
    return (
        Message.objects.filter(enterprise=enterprise)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .filter(Q(required_service__isnull=True) | Q(required_service__code__in=services))
        .annotate(is_read=_read_by(person))
        .select_related("required_service")
        .order_by("-sent_at", "-pk")
    )


def _read_by(person: Person) -> Exists:
    return Exists(Reading.objects.filter(message=OuterRef("pk"), person=person))


def unread_count(person: Person, enterprise: Enterprise, services: set[str]) -> int:
    return messages_for(person, enterprise, services).filter(~_read_by(person)).count()


def unread_counts(person: Person, services: Mapping[int, set[str]]) -> dict[int, int]:
    """`unread_count` of several enterprises (the services the person holds, by enterprise), in
    one query whatever their number: the unread messages counted by enterprise and by the service
    they ask for, then summed here for the services the person holds in each."""
    if not services:
        return {}
    counts = dict.fromkeys(services, 0)
    rows = (
        Message.objects.filter(enterprise_id__in=services)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .filter(~_read_by(person))
        .order_by()
        .values_list("enterprise_id", "required_service__code")
        .annotate(count=Count("pk"))
    )
    for enterprise_id, required, count in rows:
        if required is None or required in services[enterprise_id]:
            counts[enterprise_id] += count
    return counts


def tasks_for(enterprise: Enterprise, services: set[str]) -> QuerySet[Task]:
    return Task.objects.filter(enterprise=enterprise, service__code__in=services).select_related("service")
