"""Builders of test data; each returns a saved object."""

import itertools
from datetime import date

from django.contrib.auth import get_user_model

from access import selectors, services
from access.identifiers import make_niss
from access.models import Designation, Enterprise, Grant, Group, Membership, OnlineService, Person, RoleType
from tests import leaks

PASSWORD = "test-password-123"
_serial = itertools.count(1)
_enterprise_serial = itertools.count(1)


def niss() -> str:
    n = next(_serial)
    number = make_niss(date(1960 + n % 40, 1 + n % 12, 1 + n % 28), n % 997 + 1)
    leaks.remember_niss(number)
    return number


def enterprise_number() -> str:
    # 0200.000.000 upwards: valid numbers that no demo enterprise uses.
    body = 2_000_000 + next(_enterprise_serial)
    return f"{body:08d}{97 - body % 97:02d}"


def person(username: str | None = None, given_name: str = "Test", surname: str | None = None, **kwargs) -> Person:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD) if username else None
    kwargs.setdefault("preferred_language", "en")  # the tests read the English pages
    return Person.objects.create(
        user=user,
        niss=kwargs.pop("niss", None) or niss(),
        given_name=given_name,
        surname=surname or f"Person{next(_serial)}",
        **kwargs,
    )


def enterprise(name: str = "Test Enterprise", roles: tuple[str, ...] = ("employer", "pension_fund", "taxpayer")):
    from django.utils import timezone

    ent = Enterprise.objects.create(
        number=enterprise_number(), name=name, status=Enterprise.Status.ACTIVE, activated_at=timezone.now()
    )
    groups = {code: Group.objects.create(enterprise=ent, role_type=RoleType.objects.get(code=code)) for code in roles}
    return ent, groups


def designate(enterprise: Enterprise, who: Person, kind: str, *, domain=None, group=None) -> Designation:
    return Designation.objects.create(enterprise=enterprise, person=who, kind=kind, domain=domain, group=group)


def member(who: Person, group: Group, services: tuple[str, ...] = ()) -> Membership:
    membership = Membership.objects.create(person=who, group=group)
    for service in OnlineService.objects.filter(code__in=services):
        Grant.objects.create(membership=membership, service=service)
    return membership


def actor_of(world, person: Person) -> selectors.Actor:
    """The person acting for the world's enterprise, as a view would make them act."""
    return selectors.Actor(
        person=person, enterprise=world.enterprise, standing=selectors.standing_of(person.pk, world.enterprise.pk)
    )


def foreign_main(world, by: Person | None = None, **fields) -> Person:
    """A Main Access Manager without a Belgian number, designated for the world's enterprise by its
    legal representative (or `by`); their username e-mail and temporary-password SMS are queued."""
    details = {
        "given_name": "Ana",
        "surname": "Silva",
        "email": "ana.silva@example.pt",
        "mobile_phone": "+351912345678",
        "language": "en",
        **fields,
    }
    if "replaces" not in details:
        current = selectors.main_manager_of(world.enterprise)
        details["replaces"] = current.designation.pk if current else None
    services.main_manager_designate_foreign(actor_of(world, by or world.legal_representative), **details)
    status = selectors.main_manager_of(world.enterprise)
    assert status, "the enterprise has no Main Access Manager"
    return status.designation.person
