"""Every write of provisioning (docs/provisioning.md §4).

The tokens: made and revoked by a manager on the portal's page, their last use moved forward by
the SCIM endpoints. The SCIM writes: each reads the resource again under the enterprise's lock,
compares its version with the client's If-Match, works out what the client wants changed, and
makes each change through the access model's own services (`access.services`), which ask the
policy and journal it, with the provisioning client named in the journal (`Actor.via`). What only
provisioning keeps, the enterprise's record of a person for its HR system, is asked of the policy
(`policy.can_provision_user`) and journaled here. Nothing here decides who may do what.
"""

import hashlib
import re
import secrets
from collections.abc import Callable, Collection
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from scim2_models import (
    Context,
    InvalidValueException,
    MutabilityException,
    NotFoundException,
    PreconditionFailedException,
    Resource,
    UniquenessException,
)

from access import policy
from access import selectors as access_selectors
from access import services as access_services
from access.identifiers import parse_niss
from access.models import Group, Membership, OnlineService, Person
from access.selectors import Actor
from access.writes import Action, ActionRefused, check, locked, record
from provisioning import resources, selectors
from provisioning.models import ProvisionedUser, ProvisioningToken

TOKEN_PREFIX = "scim-"  # noqa: S105 - what every token starts with, not a secret
LAST_USE_INTERVAL = timedelta(minutes=1)
DEFAULT_USER_NAME = re.compile(rf"{selectors.DEFAULT_USER_NAME_PREFIX}([0-9]+)", re.IGNORECASE)
CHANGED = gettext_lazy("This has just changed. Read it again and retry.")
ALREADY_MADE = gettext_lazy(
    "This form has already made its token, shown once when it was made. "
    "Revoke that token if you did not keep it, and make another."
)
# Told in the enterprise's language, with the client's name: kept in the journal as written.
BLOCK_REASON = gettext_lazy("Deactivated by the HR system (provisioning client “%(client)s”).")
REMOVAL_REASON = gettext_lazy("Removed by the HR system (provisioning client “%(client)s”).")


# --- Tokens -----------------------------------------------------------------------------------------


def digest_of(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def expiry_limits(today: date) -> tuple[date, date]:
    """The first and last days a new token may be valid until."""
    return today + timedelta(days=1), today + timedelta(days=settings.PROVISIONING_TOKEN_MAX_DAYS)


def token_create(actor: Actor, *, name: str, valid_until: date, form_key: str = "") -> tuple[ProvisioningToken, str]:
    """A new token for the manager, valid until the end of `valid_until` (Brussels); answers the
    token and its value, which is shown once and kept nowhere (only its SHA-256). The form that
    asks for it (`form_key`) makes one token however often it is sent."""
    first, last = expiry_limits(timezone.localdate())
    if not first <= valid_until <= last:
        days = (last - first).days + 1
        raise ActionRefused(_("A token is valid from tomorrow up to %(days)s days.") % {"days": days})
    value = TOKEN_PREFIX + secrets.token_hex(32)
    expires_at = timezone.make_aware(datetime.combine(valid_until + timedelta(days=1), time.min))
    with locked(actor, ALREADY_MADE) as actor:
        check(policy.can_manage_provisioning(actor.standing))
        if form_key and ProvisioningToken.objects.filter(manager=actor.person, form_key=form_key).exists():
            raise ActionRefused(ALREADY_MADE)
        token = ProvisioningToken.objects.create(
            enterprise=actor.enterprise,
            manager=actor.person,
            name=name.strip(),
            digest=digest_of(value),
            prefix=value[: len(TOKEN_PREFIX) + 6],
            expires_at=expires_at,
            form_key=form_key,
        )
        record(
            actor,
            Action.PROVISIONING_TOKEN_CREATED,
            after={"token": token.name, "expires_at": valid_until.isoformat()},
        )
    return token, value


def token_revoke(actor: Actor, token: ProvisioningToken) -> None:
    """The manager revokes one of their tokens: it stops working at the next request."""
    with locked(actor, _("This token has just been revoked.")) as actor:
        token = ProvisioningToken.objects.select_for_update().get(
            pk=token.pk, enterprise=actor.enterprise, manager=actor.person
        )
        if token.revoked_at is not None:
            raise ActionRefused(_("This token is already revoked."))
        token.revoked_at = timezone.now()
        token.revoked_by = actor.person
        token.save(update_fields=["revoked_at", "revoked_by"])
        record(actor, Action.PROVISIONING_TOKEN_REVOKED, before={"token": token.name})


def token_used(token: ProvisioningToken, ip: str | None) -> None:
    """When and from where the token was last used: moved forward at most once a minute, or when
    the address changes (one UPDATE, no lock, not journaled)."""
    now = timezone.now()
    if token.last_used_from == ip and token.last_used_at and now - token.last_used_at < LAST_USE_INTERVAL:
        return
    ProvisioningToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_from=ip)


# --- What a change of a User or a Group comes to ------------------------------------------------------


def _in_enterprise_language(actor: Actor, text: Any) -> str:
    with translation.override(actor.enterprise.preferred_language):
        return str(text) % {"client": (actor.via or {}).get("provisioning", "")}


def _current_version(resource: Resource[Any], meta: Any) -> str:
    return meta.version or resources.finished(resource, meta)["meta"]["version"]


def _check_version(if_match: str | None, version: str) -> None:
    """RFC 7644 §3.14, RFC 9110 §13.1.1: If-Match names the versions the client read (weak
    comparison), or * for any."""
    if if_match is None:
        return
    wanted = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in wanted and version.removeprefix("W/") not in wanted:
        raise PreconditionFailedException(detail="The resource has changed since that version: read it again.")


UserResource = resources.User[Any]
GroupResource = resources.Group[Any]


def _user(actor: Actor, user_id: str) -> tuple[Person, UserResource, Any]:
    person = selectors.user_in_scope(actor, user_id)
    if person is None:
        raise NotFoundException(detail="No such User.")
    resource, meta = resources.user_resource(person, "")
    return person, resource, meta


def _group(actor: Actor, group_id: str) -> tuple[Group, GroupResource, Any]:
    group = selectors.group_in_scope(actor, group_id)
    if group is None:
        raise NotFoundException(detail="No such Group.")
    resource, meta = resources.group_resource(group, "", grantable_services(group))
    return group, resource, meta


def grantable_services(group: Any) -> list[str]:
    """The codes a manager may grant in the group: its grant ceiling, as the policy says."""
    offered = {service.pk: service for service in group.role_type.offered_services}
    offers = [
        policy.ServiceOffer(service_id=pk, offered=True, delegatable=service.delegatable)
        for pk, service in offered.items()
    ]
    return sorted(offered[pk].code for pk in policy.grantable(offers))


# --- Users ----------------------------------------------------------------------------------------------


def _record_fields(resource: UserResource) -> dict[str, Any]:
    """What the enterprise's record keeps of a User, as the journal writes it."""
    name = resource.name
    return {
        "user_name": resource.user_name or "",
        "external_id": resource.external_id or "",
        "given_name": name.given_name if name else None,
        "surname": name.family_name if name else None,
        "emails": [email.model_dump(scim_ctx=Context.DEFAULT, exclude_none=True) for email in resource.emails or []],
    }


def _user_name(actor: Actor, person: Person | None, user_name: str) -> str:
    """The user name to keep: "" for the portal's own name of this very person; a name the
    portal gives another person, or another record of the enterprise holds, is taken."""
    user_name = user_name.strip()
    if not user_name:
        raise InvalidValueException(detail="userName is required.")
    default = DEFAULT_USER_NAME.fullmatch(user_name)
    if default:
        if person is not None and default.group(1) == str(person.pk):
            return ""
        raise UniquenessException(detail="This userName is the portal's name of another person.")
    if selectors.user_name_taken(actor, user_name, by_other_than=person):
        raise UniquenessException(detail="Another User of the enterprise has this userName.")
    return user_name


def _journaled(fields: dict[str, Any]) -> dict[str, Any]:
    """The record's fields as the journal keeps them: the e-mail addresses without their labels."""
    if "emails" not in fields:
        return fields
    return {**fields, "emails": [email.get("value") for email in fields["emails"]]}


def _keep_record(actor: Actor, person: Person, wanted: dict[str, Any], target: policy.Standing) -> None:
    """Create or change the enterprise's record of the person, journaled."""
    check(policy.can_provision_user(actor.standing, target))
    wanted = {**wanted, "user_name": _user_name(actor, person, wanted["user_name"])}
    existing = selectors.record_of(actor, person, lock=True)
    if existing is None:
        ProvisionedUser.objects.create(enterprise=actor.enterprise, person=person, created_by=actor.person, **wanted)
        record(actor, Action.USER_PROVISIONED, target=person, after=_journaled(wanted))
        return
    before = {key: getattr(existing, key) for key in wanted}
    changed = [key for key in wanted if before[key] != wanted[key]]
    if not changed:
        return
    for key in changed:
        setattr(existing, key, wanted[key])
    existing.updated_at = timezone.now()
    existing.save(update_fields=[*changed, "updated_at"])
    record(
        actor,
        Action.PROVISIONED_USER_CHANGED,
        target=person,
        before=_journaled({key: before[key] for key in changed}),
        after=_journaled({key: wanted[key] for key in changed}),
    )


def _set_active(actor: Actor, person: Person, active: bool) -> None:
    """active=false blocks the person for all groups of the enterprise, active=true lifts it."""
    if active:
        access_services.person_unblock_everywhere(actor, person)
    else:
        access_services.person_block_everywhere(actor, person, reason=_in_enterprise_language(actor, BLOCK_REASON))


def _niss_of(resource: UserResource) -> str | None:
    extension = resource[resources.Person]
    return extension.national_register_number if extension else None


def user_create(actor: Actor, wanted: UserResource) -> str:
    """A User from the HR system: the person with this national register number (created in the
    portal with the names given when it does not know them), and the enterprise's record of them.
    Answers their id."""
    given = _niss_of(wanted)
    try:
        niss = parse_niss(given or "")
    except ValidationError as exc:
        raise InvalidValueException(detail=str(exc.messages[0])) from exc
    with locked(actor, _("This person has just been provisioned.")) as actor:
        person = Person.objects.filter(niss=niss).first()
        target = access_selectors.standing_of(person.pk if person else None, actor.enterprise.pk)
        check(policy.can_provision_user(actor.standing, target))
        if person is not None and selectors.record_of(actor, person) is not None:
            raise UniquenessException(detail="The HR system has already provisioned this person.")
        fields = _record_fields(wanted)
        if person is None:
            primary = next((email.value for email in wanted.emails or [] if email.primary), None)
            try:
                person = access_services.person_get_or_create(
                    niss,
                    given_name=fields["given_name"] or "",
                    surname=fields["surname"] or "",
                    email=primary or (wanted.emails[0].value if wanted.emails else None) or "",
                )
            except ValidationError as exc:
                raise InvalidValueException(
                    detail="This person is not known to the portal yet: give name.givenName and name.familyName."
                ) from exc
            target = access_selectors.standing_of(person.pk, actor.enterprise.pk)
        _keep_record(actor, person, fields, target)
        blocked = access_selectors.enterprise_block_of(actor.enterprise, person) is not None
        if wanted.active is blocked:  # active and blocked, or inactive and not blocked
            _set_active(actor, person, bool(wanted.active))
    return str(person.pk)


def user_change(
    actor: Actor, user_id: str, change: Callable[[UserResource], UserResource], *, if_match: str | None
) -> None:
    """Change a User as `change` makes its current resource into the wanted one (a PATCH or a
    PUT), under the enterprise's lock, if it is still the version the client read."""
    with locked(actor, CHANGED) as actor:
        person, current, meta = _user(actor, user_id)
        _check_version(if_match, _current_version(current.model_copy(deep=True), meta))
        wanted = change(current.model_copy(deep=True))
        if _niss_of(wanted) != _niss_of(current):
            raise MutabilityException(detail="The national register number of a User never changes.")
        target = access_selectors.standing_of(person.pk, actor.enterprise.pk)
        fields = _record_fields(wanted)
        if fields != _record_fields(current):
            _keep_record(actor, person, fields, target)
        if wanted.active is None:
            raise InvalidValueException(detail="active is required: true, or false to block for all groups.")
        if wanted.active != current.active:
            _set_active(actor, person, wanted.active)


def user_remove(actor: Actor, user_id: str, *, if_match: str | None) -> None:
    """The HR system lets a person go: removed from every group of the manager's, and, once in no
    group of the enterprise, no longer provisioned."""
    with locked(actor, CHANGED) as actor:
        person, current, meta = _user(actor, user_id)
        _check_version(if_match, _current_version(current, meta))
        reason = _in_enterprise_language(actor, REMOVAL_REASON)
        for membership in access_selectors.memberships_in_scope(actor).filter(person=person):
            access_services.membership_delete(actor, membership, reason=reason)
        placed = access_selectors.current_memberships().filter(person=person, group__enterprise=actor.enterprise)
        existing = selectors.record_of(actor, person, lock=True)
        if existing is None or placed.exists():
            return
        check(policy.can_provision_user(actor.standing, access_selectors.standing_of(person.pk, actor.enterprise.pk)))
        existing.removed_at = timezone.now()
        existing.removed_by = actor.person
        existing.save(update_fields=["removed_at", "removed_by"])
        record(actor, Action.USER_DEPROVISIONED, target=person, before={"user_name": existing.user_name})


# --- Groups ---------------------------------------------------------------------------------------------


def _members(resource: GroupResource) -> list[str]:
    values = [member.value for member in resource.members or []]
    named = [value for value in values if isinstance(value, str) and value]
    if len(named) != len(values):
        raise InvalidValueException(detail="Every member names a User by its id (members.value).")
    return list(dict.fromkeys(named))


def _grants(resource: GroupResource, members: list[str], leaving: Collection[str] = ()) -> dict[str, set[str]]:
    """The codes of the services granted to each member; the grants of a member who leaves the
    group go with them."""
    extension = resource[resources.Permissions]
    wanted: dict[str, set[str]] = {member: set() for member in members}
    leaving = set(leaving)
    for grant in (extension.grants if extension else None) or []:
        if grant.value in leaving and grant.value not in wanted:
            continue
        if grant.value not in wanted:
            raise InvalidValueException(detail="A grant names a User who is not a member of the group.")
        if not grant.service:
            raise InvalidValueException(detail="A grant names an online service by its code (grants.service).")
        wanted[grant.value].add(grant.service)
    return wanted


def _services(codes: set[str]) -> dict[str, OnlineService]:
    found = {service.code: service for service in OnlineService.objects.filter(code__in=codes)}
    if set(found) != codes:
        raise InvalidValueException(detail="A grant names an online service the portal does not know.")
    return found


def group_change(
    actor: Actor,
    group_id: str,
    change: Callable[[GroupResource], GroupResource],
    *,
    if_match: str | None,
    members_only: Callable[[dict[str, set[str]]], dict[str, set[str]] | None] | None = None,
) -> None:
    """Change a Group's members and their online services as `change` makes its current resource
    into the wanted one (a PATCH or a PUT), under the enterprise's lock, if it is still the version
    the client read: a member removed leaves the group, a member added joins it with their services
    (within the group's grant ceiling), a service added or removed is granted or revoked.

    `members_only`, when a PATCH only adds and removes members and grants, works the same change
    out on the members' services alone, without the whole resource (a group of ten thousand
    members is a large one); it answers None when it cannot, and the resource is read."""
    with locked(actor, CHANGED) as actor:
        group = selectors.group_in_scope(actor, group_id, members=False)
        if group is None:
            raise NotFoundException(detail="No such Group.")
        before: dict[str, set[str]] | None = None
        after: dict[str, set[str]] | None = None
        if members_only is not None and if_match is None:
            before = {str(person): set() for person in selectors.member_ids(group)}
            for person, code in selectors.granted_codes(group):
                before[str(person)].add(code)
            after = members_only({member: set(codes) for member, codes in before.items()})
        if before is None or after is None:
            _whole, current, meta = _group(actor, group_id)
            if if_match is not None:
                _check_version(if_match, _current_version(current, meta))
            before_members = _members(current)
            before = _grants(current, before_members)
            wanted = change(current)
            after = _grants(wanted, _members(wanted), leaving=before_members)
        _change_members(actor, group, before, after)


def _change_members(actor: Actor, group: Group, before: dict[str, set[str]], after: dict[str, set[str]]) -> None:
    """The writes that make the group's members and their services (by person id) `after`."""
    services = _services(set().union(*after.values()) | set().union(*before.values()))
    memberships = {
        str(membership.person_id): membership
        for membership in Membership.objects.filter(group=group, removed_at__isnull=True)
    }
    added = [member for member in after if member not in before]
    numbers = [int(member) for member in added if member.isascii() and member.isdigit() and len(member) <= 18]
    people = {str(person.pk): person for person in selectors.users_in_scope(actor).filter(pk__in=numbers)}
    if set(people) != set(added):
        raise InvalidValueException(detail="A member added is not one of the Users this token sees.")
    reason = _in_enterprise_language(actor, REMOVAL_REASON)
    for member in before:
        if member not in after:
            access_services.membership_delete(actor, memberships[member], reason=reason)
    for member in added:
        access_services.membership_create(
            actor, group=group, person=people[member], services=[services[code] for code in sorted(after[member])]
        )
    for member in before:
        if member not in after:
            continue
        for code in sorted(after[member] - before[member]):
            access_services.grant_create(actor, memberships[member], services[code])
        for code in sorted(before[member] - after[member]):
            access_services.grant_revoke(actor, memberships[member], services[code])
