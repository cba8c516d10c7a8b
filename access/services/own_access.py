"""A person's own access (docs/design.md §5.12): they give up an online service granted to them, or
leave a group they are a user of.

The person is both the one who acts and the one the change is about: the journal says so, and
their managers read it in the enterprise's journal (the event names the group, which is in their
scope). Nobody is told by e-mail: the person did it themselves, and the notices tell a person of
changes to their own access only (docs/decisions.md §12).
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import policy, selectors
from access.models import Grant, Membership
from access.selectors import Actor
from access.services.users import membership_end
from access.writes import Action, ActionRefused, check, locked, record


def _locked_membership(actor: Actor, membership_id: int) -> tuple[Membership, policy.Standing]:
    """The current membership, locked, with the standing of the person it belongs to: the policy
    then refuses anyone else's (the views never load another person's)."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("person", "group__role_type__domain")
        .filter(pk=membership_id, group__enterprise=actor.enterprise, removed_at__isnull=True)
        .first()
    )
    if membership is None:
        raise ActionRefused(_("You are no longer a user of this group."))
    return membership, selectors.standing_of(membership.person_id, actor.enterprise.pk, actor.standing)


def grant_renounce(actor: Actor, grant: Grant, *, reason: str = "") -> None:
    """The person gives up an online service granted to them: the grant is revoked, by them."""
    with locked(actor, _("This online service has just changed. Reload the page.")) as actor:
        membership, holder = _locked_membership(actor, grant.membership_id)
        current = (
            selectors.current_grants()
            .select_for_update(of=("self",))
            .select_related("service")
            .filter(pk=grant.pk, membership=membership)
            .first()
        )
        if current is None:
            raise ActionRefused(_("This online service is no longer granted to you."))
        offer = policy.OfferedService(
            group_id=membership.group_id,
            code=current.service.code,
            granted=True,
            automatic_for=frozenset(current.service.automatic_for),
        )
        check(
            policy.can_renounce_service(
                actor.standing, holder, membership.group_id, offer, blocked_in_group=membership.is_blocked
            )
        )
        current.revoked_at = timezone.now()
        current.revoked_by = actor.person
        current.save(update_fields=["revoked_at", "revoked_by"])
        record(
            actor,
            Action.SERVICE_RENOUNCED,
            target=membership.person,
            group=membership.group,
            before={"service": current.service.code},
            reason=reason.strip(),
        )


def membership_leave(actor: Actor, membership: Membership, *, reason: str = "") -> None:
    """The person leaves a group: the membership is marked removed, by them, and its grants revoked.
    Their sessions stay: they left of their own accord, and may act for other enterprises."""
    with locked(actor, _("This group has just changed. Reload the page.")) as actor:
        membership, holder = _locked_membership(actor, membership.pk)
        check(
            policy.can_leave_group(actor.standing, holder, membership.group_id, blocked_in_group=membership.is_blocked)
        )
        services = membership_end(actor, membership)
        record(
            actor,
            Action.GROUP_LEFT,
            target=membership.person,
            group=membership.group,
            before={"status": membership.status, "services": services},
            reason=reason.strip(),
        )
