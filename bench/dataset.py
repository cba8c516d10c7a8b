"""The benchmark's data: enterprises of a given size with every standing of manager, their users,
grants and journal, and many small enterprises around them, some of them clients of the sized
enterprises under mandates. Written with bulk inserts."""

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from access.identifiers import make_niss
from access.models import (
    AuditEvent,
    Designation,
    Domain,
    Enterprise,
    Grant,
    Group,
    LegalRepresentative,
    Membership,
    OnlineService,
    Person,
    RoleType,
)
from access.policy import DesignationKind
from mandates.models import Mandate

GROUPS = 20
CLIENTS = 100  # neighbours under an accepted mandate to each sized enterprise, at most
OWN_GROUPS = 5  # the groups each manager of a sized enterprise is a member of, for "my access"
DOMAINS = ("nsso_employer", "finance")
GIVEN = ["Emma", "Lucas", "Olivia", "Noah", "Louise", "Arthur", "Mila", "Jules", "Elena", "Adam", "Lina", "Victor"]
SURNAMES = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters", "Dubois"]
ACTIONS = [
    AuditEvent.Action.USER_CREATED,
    AuditEvent.Action.SERVICE_GRANTED,
    AuditEvent.Action.SERVICE_REVOKED,
    AuditEvent.Action.MEMBERSHIP_BLOCKED,
    AuditEvent.Action.MEMBERSHIP_UNBLOCKED,
    AuditEvent.Action.LOGGED_IN,
]


@dataclass
class Managers:
    """The usernames of one enterprise's managers, by standing, and the people to act on."""

    enterprise_id: int
    group_id: int  # the group every user belongs to: the one the pages show
    usernames: dict[str, str] = field(default_factory=dict)
    member_in_one_group: int = 0  # a person id
    member_in_every_group: int = 0
    searched_surname: str = ""
    searched_niss: str = ""


class Numbers:
    """Valid national register and enterprise numbers, never the same twice in one build."""

    def __init__(self) -> None:
        self._niss = (
            make_niss(date(1950, 1, 1) + timedelta(days=day), serial)
            for day in itertools.count()
            for serial in range(1, 998)
        )
        self._enterprise = itertools.count(3_000_000)

    def niss(self) -> str:
        return next(self._niss)

    def enterprise(self) -> str:
        body = next(self._enterprise)
        return f"{body:08d}{97 - body % 97:02d}"


def role_types() -> list[RoleType]:
    """Twenty roles over two domains: the catalogue has fewer, so the benchmark adds its own."""
    domains = {domain.code: domain for domain in Domain.objects.filter(code__in=DOMAINS)}
    roles = []
    for index in range(GROUPS):
        domain = domains[DOMAINS[index % len(DOMAINS)]]
        ceiling = OnlineService.objects.filter(role_types__domain=domain).distinct()
        names = {language: f"Benchmark role {index + 1:02d}" for language in ("fr", "nl", "de", "en")}
        role, _ = RoleType.objects.update_or_create(
            code=f"bench_role_{index + 1:02d}", defaults={"names": names, "domain": domain}
        )
        role.services.set(ceiling)
        roles.append(role)
    return roles


def build(
    *, sizes: tuple[int, ...], journal_per_user: int, others: int, seed: int = 20261123, numbers: Numbers | None = None
) -> list[Managers]:
    """One enterprise per size (its number of users), each with `journal_per_user` journal events
    per user, and `others` small enterprises. Answers the managers of the sized enterprises.
    `numbers` goes on giving identifiers to whatever is built after."""
    rng = random.Random(seed)
    numbers = numbers or Numbers()
    roles = role_types()
    with transaction.atomic():
        built = [_enterprise(f"Size {size}", size, journal_per_user * size, roles, numbers, rng) for size in sizes]
        neighbours = _small_enterprises(others, roles, numbers, rng)
        for index, managers in enumerate(built):
            _own_access(managers)
            _mandates(managers, neighbours[index :: len(built)][:CLIENTS])
        _staff()
    return built


def _people(count: int, numbers: Numbers, rng: random.Random, prefix: str = "") -> list[Person]:
    people = [
        Person(
            niss=numbers.niss(),
            given_name=rng.choice(GIVEN),
            surname=f"{prefix}{rng.choice(SURNAMES)}{index:05d}",
            preferred_language="en",
        )
        for index in range(count)
    ]
    return Person.objects.bulk_create(people, batch_size=5000)


def _manager(username: str, numbers: Numbers, rng: random.Random) -> Person:
    user = get_user_model().objects.create_user(username=username, password=None)
    return Person.objects.create(
        user=user, niss=numbers.niss(), given_name="Manager", surname=username, preferred_language="en"
    )


def _enterprise(
    name: str,
    users: int,
    events: int,
    roles: list[RoleType],
    numbers: Numbers,
    rng: random.Random,
    key: str | None = None,
) -> Managers:
    """An enterprise of `users` users with every standing of manager, whose usernames end in
    `key` (the number of users unless told)."""
    now = timezone.now()
    enterprise = Enterprise.objects.create(
        number=numbers.enterprise(), name=name, status=Enterprise.Status.ACTIVE, activated_at=now
    )
    groups = Group.objects.bulk_create([Group(enterprise=enterprise, role_type=role) for role in roles])
    domains = {role.domain_id for role in roles}
    key = key or f"{users}"
    managers = {
        standing: _manager(f"bench-{standing}-{key}", numbers, rng)
        for standing in ("legal", "main", "co_main", "access_manager", "group_manager")
    }
    LegalRepresentative.objects.create(person=managers["legal"], enterprise=enterprise)
    first_domain = groups[0].role_type.domain_id
    designations = [
        Designation(enterprise=enterprise, person=managers["main"], kind=DesignationKind.MAIN),
        Designation(
            enterprise=enterprise,
            person=managers["co_main"],
            kind=DesignationKind.CO_MAIN,
            designated_by=managers["main"],
        ),
        Designation(
            enterprise=enterprise,
            person=managers["access_manager"],
            kind=DesignationKind.ACCESS_MANAGER,
            domain_id=first_domain,
            designated_by=managers["main"],
        ),
        Designation(
            enterprise=enterprise,
            person=managers["group_manager"],
            kind=DesignationKind.GROUP_MANAGER,
            group=groups[0],
            designated_by=managers["access_manager"],
        ),
    ]
    # The other domain and groups have managers too, who are not logged in.
    others = _people(len(domains) - 1 + len(groups) - 1, numbers, rng, prefix="M")
    spare = iter(others)
    designations += [
        Designation(enterprise=enterprise, person=next(spare), kind=DesignationKind.ACCESS_MANAGER, domain_id=domain)
        for domain in domains - {first_domain}
    ]
    designations += [
        Designation(enterprise=enterprise, person=next(spare), kind=DesignationKind.GROUP_MANAGER, group=group)
        for group in groups[1:]
    ]
    Designation.objects.bulk_create(designations)

    # Every user is in the first group, and in one other group; one user is in every group.
    people = _people(users, numbers, rng)
    memberships = [
        Membership(person=person, group=groups[0], created_by=managers["group_manager"]) for person in people
    ]
    memberships += [
        Membership(person=person, group=groups[1 + index % (len(groups) - 1)], created_by=managers["main"])
        for index, person in enumerate(people[1:])
    ]
    memberships += [Membership(person=people[0], group=group, created_by=managers["main"]) for group in groups[2:]]
    memberships = Membership.objects.bulk_create(memberships, batch_size=5000)
    ceilings = {group.pk: [service.pk for service in group.role_type.services.all()] for group in groups}
    grants = [
        Grant(membership=membership, service_id=service, granted_by=managers["main"])
        for membership in memberships
        for service in rng.sample(ceilings[membership.group_id], min(2, len(ceilings[membership.group_id])))
    ]
    Grant.objects.bulk_create(grants, batch_size=5000)

    actors = list(managers.values())
    group_ids = [group.pk for group in groups]
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                enterprise=enterprise,
                actor=rng.choice(actors),
                action=rng.choice(ACTIONS),
                target_person=rng.choice(people),
                group_id=rng.choice(group_ids),
                created_at=now - timedelta(minutes=index),
                ip_address="127.0.0.1",
            )
            for index in range(events)
        ),
        batch_size=5000,
    )
    searched = people[len(people) // 2]
    usernames = {standing: person.user.username for standing, person in managers.items() if person.user}
    assert len(usernames) == len(managers) and searched.niss, "every manager logs in; the searched person has a number"
    return Managers(
        enterprise_id=enterprise.pk,
        group_id=groups[0].pk,
        usernames=usernames,
        member_in_one_group=people[-1].pk,
        member_in_every_group=people[0].pk,
        searched_surname=searched.surname,
        searched_niss=searched.niss,
    )


def _small_enterprises(
    count: int, roles: list[RoleType], numbers: Numbers, rng: random.Random
) -> list[tuple[Enterprise, Person]]:
    """Enterprises around the sized ones: a main manager, two groups, five users each. Answers
    each with its main manager."""
    now = timezone.now()
    enterprises = Enterprise.objects.bulk_create(
        [
            Enterprise(number=numbers.enterprise(), name=f"Neighbour {index:04d}", status="active", activated_at=now)
            for index in range(count)
        ],
        batch_size=5000,
    )
    groups = Group.objects.bulk_create(
        [Group(enterprise=enterprise, role_type=role) for enterprise in enterprises for role in roles[:2]],
        batch_size=5000,
    )
    mains = _people(count, numbers, rng, prefix="N")
    Designation.objects.bulk_create(
        [
            Designation(enterprise=enterprise, person=main, kind=DesignationKind.MAIN)
            for enterprise, main in zip(enterprises, mains, strict=True)
        ],
        batch_size=5000,
    )
    users = _people(count * 5, numbers, rng, prefix="U")
    Membership.objects.bulk_create(
        [Membership(person=person, group=groups[index // 5 * 2 + index % 2]) for index, person in enumerate(users)],
        batch_size=5000,
    )
    return list(zip(enterprises, mains, strict=True))


def _own_access(managers: Managers) -> None:
    """Each manager is also a member of some of the enterprise's groups, with two services in each;
    not of the first, whose page and members are measured as they were."""
    groups = list(Group.objects.filter(enterprise_id=managers.enterprise_id).order_by("pk")[1 : 1 + OWN_GROUPS])
    people = list(Person.objects.filter(user__username__in=managers.usernames.values()))
    Membership.objects.bulk_create(
        [Membership(person=person, group=group) for person in people for group in groups], ignore_conflicts=True
    )
    memberships = Membership.objects.filter(person__in=people, group__in=groups).select_related("group")
    ceilings = {group.pk: list(group.role_type.services.order_by("pk")[:2]) for group in groups}
    Grant.objects.bulk_create(
        [
            Grant(membership=membership, service=service, granted_by=membership.person)
            for membership in memberships
            for service in ceilings[membership.group_id]
        ],
        ignore_conflicts=True,
    )


def _mandates(managers: Managers, clients: list[tuple[Enterprise, Person]]) -> None:
    """The enterprise acts for `clients` under accepted mandates, each for three online services."""
    provider = Enterprise.objects.get(pk=managers.enterprise_id)
    services = list(OnlineService.objects.order_by("pk")[:3])
    now = timezone.now()
    mandates = Mandate.objects.bulk_create(
        [
            Mandate(
                principal=client,
                provider=provider,
                starts_on=now.date(),
                status=Mandate.Status.ACCEPTED,
                offered_by=main,
                answered_at=now,
            )
            for client, main in clients
        ]
    )
    Mandate.services.through.objects.bulk_create(
        [
            Mandate.services.through(mandate=mandate, onlineservice=service)
            for mandate in mandates
            for service in services
        ]
    )


def _staff() -> None:
    """A member of staff with a one-time-code app: the admin opens for no one without."""
    staff = get_user_model().objects.create_superuser(username="bench-staff", password=None)
    TOTP.activate(staff, generate_totp_secret())


@dataclass(frozen=True)
class Triple:
    """A question to the decision point: may this person use this service for this enterprise?"""

    niss: str
    enterprise: str  # its number
    service: str  # its code
    ids: tuple[int, int, int]  # (person, enterprise, service)

    def question(self) -> dict[str, dict[str, str]]:
        return {
            "subject": {"type": "person", "id": self.niss},
            "resource": {"type": "enterprise", "id": self.enterprise},
            "action": {"name": self.service},
        }


def decision_triples(enterprise_id: int, seed: int = 20261128) -> tuple[list[Triple], list[Triple]]:
    """The questions about an enterprise's users the decision point is asked in the benchmark, each
    (person, enterprise, service) once, shuffled: the services granted to them (permits), and the
    services a group of theirs offers but they were not granted (denials, most of them; the
    runner keeps those that are)."""
    rng = random.Random(seed)
    enterprise = Enterprise.objects.get(pk=enterprise_id)
    grants = Grant.objects.filter(
        membership__group__enterprise_id=enterprise_id, revoked_at__isnull=True, valid_until__isnull=True
    ).values_list("membership__person_id", "membership__person__niss", "service_id", "service__code")
    granted = {(person_id, niss, service_id, code) for person_id, niss, service_id, code in grants}
    offered = Membership.objects.filter(group__enterprise_id=enterprise_id).values_list(
        "person_id", "person__niss", "group__role_type__services", "group__role_type__services__code"
    )
    held = {(person_id, service_id) for person_id, _niss, service_id, _code in granted}
    ungranted = {
        (person_id, niss, service_id, code)
        for person_id, niss, service_id, code in offered
        if service_id is not None and (person_id, service_id) not in held
    }

    def triples(rows: set[tuple[int, str | None, int, str]]) -> list[Triple]:
        found = [
            Triple(niss or "", enterprise.number, code, (person_id, enterprise_id, service_id))
            for person_id, niss, service_id, code in sorted(rows, key=lambda row: (row[0], row[2]))
        ]
        rng.shuffle(found)
        return found

    return triples(granted), triples(ungranted)
