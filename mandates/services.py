"""Every write of mandates (docs/design.md §5.16): offered by the principal, accepted or refused
by the provider, ended by either; access given and taken back under them by the provider.

Each write goes as the access model's do (access.writes): a transaction holding the actor's
enterprise row, the actor's standing read again in it, the policy asked, the mandate's row read
again under its lock, and one journal row in each of the two enterprises' journals, both naming
the mandate (`after["mandate"]`), so that both sides read every step.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import approvals, journal, policy
from access import selectors as access_selectors
from access.identifiers import format_enterprise_number
from access.models import ApprovalRequest, OnlineService, Person
from access.selectors import Actor
from access.services.approvals import hold
from access.writes import Action, ActionRefused, check, locked, record
from mandates import selectors
from mandates.models import Mandate, MandateAccess

CHANGED = _("This mandate has just changed. Read it again and retry.")
UNKNOWN_PROVIDER = _("No enterprise with this number is registered in the portal.")
ALREADY_GIVEN = _("This person already has this online service under the mandate.")
END_WAITS = _("Ending this mandate already waits for a second manager's approval.")

# Ending an accepted mandate takes the principal's services from the provider's people, or the
# provider's work from the principal: it waits for a second manager (docs/design.md §5.15).
MANDATE_END = "mandate_end"


def _facts(mandate: Mandate, **more: Any) -> dict[str, Any]:
    """What each journal row of a mandate keeps: which mandate, between whom."""
    return {
        "mandate": mandate.pk,
        "principal": f"{mandate.principal.name} ({format_enterprise_number(mandate.principal.number)})",
        "provider": f"{mandate.provider.name} ({format_enterprise_number(mandate.provider.number)})",
        **more,
    }


def _both_journals(actor: Actor, mandate: Mandate, action: str, *, target: Person | None = None, **after: Any) -> None:
    facts = _facts(mandate, **after)
    record(actor, action, target=target, after=facts)
    other = mandate.provider if mandate.principal_id == actor.enterprise.pk else mandate.principal
    journal.record(action, enterprise=other, actor=actor.person, target=target, after=facts, ip=actor.ip)


def _locked_mandate(mandate: Mandate) -> Mandate:
    return Mandate.objects.select_for_update().select_related("principal", "provider").get(pk=mandate.pk)


def mandate_offer(
    actor: Actor, *, provider_number: str, services: list[OnlineService], starts_on: date, ends_on: date | None
) -> Mandate:
    """The principal offers a mandate to the provider of that enterprise number."""
    provider = selectors.enterprise_by_number(provider_number)
    if provider is None:
        raise ActionRefused(UNKNOWN_PROVIDER)
    if provider.pk == actor.enterprise.pk:
        raise ActionRefused(policy.MANDATE_SAME_ENTERPRISE)
    dates = policy.mandate_dates_allowed(starts_on, ends_on)
    if not dates:
        raise ActionRefused(dates.reason)
    with locked(actor, CHANGED) as actor:
        offerable = set(selectors.offerable_services(actor).values_list("pk", flat=True))
        wanted = {service.pk for service in services}
        check(policy.can_offer_mandate(actor.standing, selectors.domains_of_services(wanted)))
        if not wanted or not wanted <= offerable:
            check(policy.refuse(policy.MANDATE_SERVICES_NOT_IN_SCOPE))
        mandate = Mandate.objects.create(
            principal=actor.enterprise,
            provider=provider,
            starts_on=starts_on,
            ends_on=ends_on,
            offered_by=actor.person,
        )
        mandate.services.set(wanted)
        codes = sorted(service.code for service in services)
        _both_journals(
            actor,
            mandate,
            Action.MANDATE_OFFERED,
            services=codes,
            starts_on=starts_on.isoformat(),
            ends_on=ends_on.isoformat() if ends_on else None,
        )
    return mandate


def _answer(actor: Actor, mandate: Mandate, status: str, action: str) -> Mandate:
    with locked(actor, CHANGED) as actor:
        mandate = _locked_mandate(mandate)
        if mandate.provider_id != actor.enterprise.pk:
            check(policy.refuse(policy.OUTSIDER))
        check(policy.can_answer_mandate(actor.standing))
        if mandate.status != Mandate.Status.OFFERED:
            raise ActionRefused(policy.MANDATE_NOT_OFFERED)
        mandate.status = status
        mandate.answered_by = actor.person
        mandate.answered_at = timezone.now()
        mandate.save(update_fields=["status", "answered_by", "answered_at"])
        _both_journals(actor, mandate, action)
    return mandate


def mandate_accept(actor: Actor, mandate: Mandate) -> Mandate:
    return _answer(actor, mandate, Mandate.Status.ACCEPTED, Action.MANDATE_ACCEPTED)


def mandate_refuse(actor: Actor, mandate: Mandate) -> Mandate:
    return _answer(actor, mandate, Mandate.Status.REFUSED, Action.MANDATE_REFUSED)


def mandate_end(
    actor: Actor, mandate: Mandate, *, approval: ApprovalRequest | None = None
) -> Mandate | ApprovalRequest:
    """Either side ends the mandate (an offer not answered yet is withdrawn): from this moment the
    decision point answers no to everyone acting under it (selectors.accesses_in_force).

    Ending an accepted mandate waits for a second manager of the actor's enterprise where four
    eyes is on there: the answer is then the request, and the mandate is ended when it is
    approved (`approval`, by `_mandate_end_approved`), the policy asked again then."""
    with locked(actor, CHANGED) as actor:
        mandate = _locked_mandate(mandate)
        side = selectors.side_of(actor, mandate)
        if actor.enterprise.pk not in (mandate.principal_id, mandate.provider_id):
            check(policy.refuse(policy.OUTSIDER))
        check(policy.can_end_mandate(actor.standing, side, selectors.service_domains(mandate)))
        if mandate.status not in (Mandate.Status.OFFERED, Mandate.Status.ACCEPTED):
            raise ActionRefused(policy.MANDATE_NOT_OPEN)
        if mandate.status == Mandate.Status.ACCEPTED and approval is None:
            if selectors.end_waiting(actor, mandate) is not None:
                raise ActionRefused(END_WAITS)
            request = hold(actor, MANDATE_END, target=None, params=_end_params(actor, mandate))
            if request is not None:
                return request
        mandate.status = Mandate.Status.ENDED
        mandate.ended_by = actor.person
        mandate.ended_at = timezone.now()
        mandate.save(update_fields=["status", "ended_by", "ended_at"])
        _both_journals(actor, mandate, Action.MANDATE_ENDED)
    return mandate


def _end_params(actor: Actor, mandate: Mandate) -> dict[str, Any]:
    """What the request keeps: the mandate, the other enterprise's name, the services' codes."""
    other = mandate.provider if mandate.principal_id == actor.enterprise.pk else mandate.principal
    services = sorted(service.code for service in mandate.services.all())
    return {"mandate": mandate.pk, "enterprise": other.name, "services": services}


def _mandate_described(params: dict[str, Any], name: str, names: Mapping[str, str]) -> str:
    services = ", ".join(names.get(f"service:{code}", code) for code in params.get("services", []))
    return _("End the mandate with %(enterprise)s for %(services)s") % {
        "enterprise": params.get("enterprise", ""),
        "services": services,
    }


@approvals.approvable(MANDATE_END, describe=_mandate_described)
def _mandate_end_approved(actor: Actor, request: ApprovalRequest) -> Mandate | ApprovalRequest:
    """Carry out an approved end of a mandate, as its requester: the policy and the mandate's state are asked again."""
    mandate = Mandate.objects.filter(pk=request.params.get("mandate")).first()
    if mandate is None:
        raise ActionRefused(policy.MANDATE_NOT_OPEN)
    return mandate_end(actor, mandate, approval=request)


def mandate_access_grant(actor: Actor, mandate: Mandate, *, person: Person, service: OnlineService) -> MandateAccess:
    """The provider's manager gives one of its users a service of the mandate, for the principal."""
    with locked(actor, CHANGED) as actor:
        mandate = _locked_mandate(mandate)
        if mandate.provider_id != actor.enterprise.pk:
            check(policy.refuse(policy.OUTSIDER))
        target = access_selectors.standing_of(person.pk, actor.enterprise.pk, actor.standing)
        check(
            policy.can_grant_under_mandate(
                actor.standing,
                target,
                in_force=selectors.in_force(mandate),
                service_in_mandate=mandate.services.filter(pk=service.pk).exists(),
            )
        )
        if MandateAccess.objects.filter(
            mandate=mandate, person=person, service=service, revoked_at__isnull=True
        ).exists():
            raise ActionRefused(ALREADY_GIVEN)
        access = MandateAccess.objects.create(mandate=mandate, person=person, service=service, granted_by=actor.person)
        _both_journals(actor, mandate, Action.MANDATE_ACCESS_GRANTED, target=person, service=service.code)
    return access


def mandate_access_revoke(actor: Actor, access: MandateAccess) -> None:
    with locked(actor, CHANGED) as actor:
        access = MandateAccess.objects.select_for_update().select_related("mandate", "service").get(pk=access.pk)
        mandate = _locked_mandate(access.mandate)
        if mandate.provider_id != actor.enterprise.pk:
            check(policy.refuse(policy.OUTSIDER))
        check(policy.can_revoke_under_mandate(actor.standing))
        if access.revoked_at is not None:
            raise ActionRefused(CHANGED)
        access.revoked_at = timezone.now()
        access.revoked_by = actor.person
        access.save(update_fields=["revoked_at", "revoked_by"])
        person = Person.objects.get(pk=access.person_id)
        _both_journals(actor, mandate, Action.MANDATE_ACCESS_REVOKED, target=person, service=access.service.code)
