"""The reads of mandates: those an actor sees, one mandate's history and the people acting under
it, and, for the decision point, the access under mandates in force (one query whatever the
number of questions)."""

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from access import approvals, choice, policy
from access import selectors as access_selectors
from access.models import ApprovalRequest, AuditEvent, Enterprise, OnlineService, Person
from access.selectors import Actor
from mandates.models import Mandate, MandateAccess


def mandates_of(actor: Actor) -> QuerySet[Mandate]:
    """The mandates of the actor's enterprise on the sides the actor sees (policy.mandate_sides),
    newest first."""
    sides = policy.mandate_sides(actor.standing)
    where = Q(pk__in=[])
    if policy.MandateSide.PRINCIPAL in sides:
        where |= Q(principal=actor.enterprise)
    if policy.MandateSide.PROVIDER in sides:
        where |= Q(provider=actor.enterprise)
    return (
        Mandate.objects.filter(where)
        .select_related("principal", "provider", "offered_by", "answered_by", "ended_by")
        .prefetch_related("services")
        .order_by("-offered_at", "-pk")
    )


def sides_counted(actor: Actor) -> dict[policy.MandateSide, int]:
    """How many mandates the actor sees on each side: those given and those held (one query)."""
    counts = mandates_of(actor).aggregate(
        given=Count("pk", filter=Q(principal=actor.enterprise)), taken=Count("pk", filter=Q(provider=actor.enterprise))
    )
    return {policy.MandateSide.PRINCIPAL: counts["given"], policy.MandateSide.PROVIDER: counts["taken"]}


def mandates_on_side(actor: Actor, side: policy.MandateSide, query: str = "") -> QuerySet[Mandate]:
    """The mandates the actor's enterprise gave (principal) or holds (provider) that the actor sees,
    searched by the other enterprise's name or number (access.choice.enterprise_matches), each with
    `acting`, how many of the provider's people act under it: one query for a page, whatever the
    number of mandates and people (the services are prefetched in one more)."""
    mine, other = ("principal", "provider__") if side == policy.MandateSide.PRINCIPAL else ("provider", "principal__")
    mandates = mandates_of(actor).filter(**{mine: actor.enterprise})
    if query.strip():
        mandates = mandates.filter(choice.enterprise_matches(query, through=other))
    acting = (
        MandateAccess.objects.filter(mandate=OuterRef("pk"), revoked_at__isnull=True)
        .order_by()
        .values("mandate")
        .annotate(people=Count("person", distinct=True))
        .values("people")
    )
    return mandates.annotate(acting=Coalesce(Subquery(acting), 0))


def side_of(actor: Actor, mandate: Mandate) -> policy.MandateSide:
    return policy.MandateSide.PRINCIPAL if mandate.principal_id == actor.enterprise.pk else policy.MandateSide.PROVIDER


def in_force(mandate: Mandate) -> bool:
    return policy.mandate_in_force(
        accepted=mandate.status == Mandate.Status.ACCEPTED,
        ended=mandate.ended_at is not None,
        starts_on=mandate.starts_on,
        ends_on=mandate.ends_on,
        today=timezone.localdate(),
    )


def service_domains(mandate: Mandate) -> set[int]:
    """The domains of the mandate's services: those whose Access Managers may end it."""
    return domains_of_services([service.pk for service in mandate.services.all()])


def domains_of_services(service_ids: Collection[int]) -> set[int]:
    return set(
        OnlineService.objects.filter(pk__in=service_ids)
        .exclude(role_types__domain__isnull=True)
        .values_list("role_types__domain_id", flat=True)
    )


def offerable_services(actor: Actor) -> QuerySet[OnlineService]:
    """The online services the actor may put in a mandate: those the enterprise's groups offer, in
    the domains the actor manages."""
    domains = actor.standing.scope_domains
    return (
        OnlineService.objects.filter(
            role_types__groups__enterprise=actor.enterprise, role_types__domain_id__in=domains, delegatable=True
        )
        .distinct()
        .order_by("code")
    )


def end_waiting(actor: Actor, mandate: Mandate) -> ApprovalRequest | None:
    """The request of the actor's enterprise to end the mandate, while it waits for a second manager."""
    waiting = approvals.pending_requests(actor.enterprise).filter(kind="mandate_end", params__mandate=mandate.pk)
    return waiting.first()


def history(actor: Actor, mandate: Mandate) -> QuerySet[AuditEvent]:
    """The mandate's steps, as the actor's enterprise journaled them, oldest first."""
    return (
        AuditEvent.objects.filter(enterprise=actor.enterprise, after__mandate=mandate.pk)
        .select_related("actor", "target_person")
        .order_by("created_at", "pk")
    )


def current_accesses(mandate: Mandate) -> QuerySet[MandateAccess]:
    return (
        MandateAccess.objects.filter(mandate=mandate, revoked_at__isnull=True)
        .select_related("person", "service", "granted_by")
        .order_by("person__surname", "person__given_name", "service__code")
    )


def provider_people(actor: Actor) -> QuerySet[Person]:
    """The provider's users to whom its managers give access under a mandate."""
    return Person.objects.filter(
        pk__in=access_selectors.current_memberships().filter(group__enterprise=actor.enterprise).values("person_id")
    ).order_by("surname", "given_name", "pk")


def enterprise_by_number(number: str) -> Enterprise | None:
    return Enterprise.objects.filter(number=number).first()


@dataclass(frozen=True)
class ActingFor:
    """One person who may use a service for a principal under a mandate in force (their standing in
    the provider still to be weighed: policy.acts_under_mandate)."""

    person_id: int
    principal_id: int
    provider_id: int
    service_id: int


def accesses_in_force(
    people: Collection[int], principals: Collection[int], services: Collection[int]
) -> list[ActingFor]:
    """Access under mandates in force today for these people, principals and services (one query).
    Nothing waits for a sweep: a mandate ended, not yet started or past its end date is left out
    here, by the rule of policy.mandate_in_force."""
    if not (people and principals and services):
        return []
    today = timezone.localdate()
    rows = MandateAccess.objects.filter(
        Q(mandate__ends_on__isnull=True) | Q(mandate__ends_on__gte=today),
        person_id__in=people,
        service_id__in=services,
        revoked_at__isnull=True,
        mandate__principal_id__in=principals,
        mandate__status=Mandate.Status.ACCEPTED,
        mandate__ended_at__isnull=True,
        mandate__starts_on__lte=today,
        # Never beyond the mandate, whatever was given under it: the service must be one of its own.
        mandate__services=F("service_id"),
    ).values_list("person_id", "mandate__principal_id", "mandate__provider_id", "service_id")
    return [ActingFor(*row) for row in rows]
