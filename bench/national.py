"""A country's worth of data (docs/benchmarks.md, "A country's worth of data"): the enterprises the
benchmark measures, built as for the standard run, inside an order of magnitude of the real system,
written with PostgreSQL's COPY.

At `fraction` 1.0: 300,000 enterprises, 3,000,000 people, 5,000,000 memberships, 8,000,000 grants,
30,000,000 journal events, and a social secretariat holding accepted mandates from 20,000 client
enterprises. Every count is the one stated times the fraction, the measured enterprises included.

The rows are generated as they are written, never held as lists: the only lists are per enterprise.
Most enterprises are tiny and a few are large (a Pareto law); a person works in one to three
enterprises, in one or two of an enterprise's groups; the journal runs over ten years, each event
in an enterprise in proportion to its size. Identifiers are valid (access.identifiers) and never
those of the people the benchmark creates later (imports, SCIM).
"""

import bisect
import itertools
import math
import random
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from django.db import connection, transaction

from access.identifiers import make_niss
from access.models import Membership, OnlineService, Person, fold
from bench import dataset
from bench.decision_point import CONNECTIONS, FEW
from bench.load import Load

TABLES = {
    "enterprises": "access_enterprise",
    "people": "access_person",
    "memberships": "access_membership",
    "grants": "access_grant",
    "events": "access_auditevent",
}
# Loaded too, in numbers that follow from the above.
OTHER_TABLES: tuple[str, ...] = ("access_group", "access_designation", "mandates_mandate")
OTHER_TABLES += ("mandates_mandate_services", "mandates_mandateaccess")
SECRETARIAT_USERS = 2000  # the secretariat's own staff at full size, its users
SEATS_PER_MEMBERSHIP = 1.25  # memberships per (person, enterprise): some people are in two groups
PARETO_SHAPE = 1.2  # about 70% of enterprises have at most 5 people
FIRST_EVENT = datetime(2016, 1, 1, tzinfo=UTC)
# Births of the country's people: clear of the numbers the benchmark gives (dataset.Numbers from
# 1950, the imported people from 2001, those of SCIM from 2005).
FIRST_BIRTH, BIRTH_DAYS = date(1951, 1, 1), (date(2001, 1, 1) - date(1951, 1, 1)).days
FIRST_ENTERPRISE_BODY = 10_000_000  # enterprise numbers 10000000xx on; dataset.Numbers from 03000000
GIVEN = (
    "Emma Louise Olivia Mila Elena Lina Marie Sofia Nora Anna Julie Sarah Laura Léa Chloé Zoë Fatima Amira "
    "Lucas Noah Arthur Jules Adam Victor Louis Liam Mohamed Finn Jan Pieter Luc Marc Thomas Ömer Jürgen"
).split()
SURNAMES = (
    "Peeters|Janssens|Maes|Jacobs|Mertens|Willems|Claes|Goossens|Wouters|De Smet|Dubois|Lambert|Dupont|Martin|"
    "Simon|Leroy|Laurent|Hermans|Vermeulen|Michiels|Van den Broeck|Pauwels|Aerts|Segers|De Clercq|Verstraete|"
    "Claeys|Dumont|Lemaire|Renard|Goffin|Nguyen|Yılmaz|El Amrani|Müller|Schmitz|D'Hondt|Van Damme|Dierckx|"
    "Lefèvre|Gérard|François|Denis|Mathieu|Wuyts|Smets|Cools|Dewulf|Öztürk|Łukasik"
).split("|")
# (given name, surname, the two folded for search) of every pair: a person's names are one of these,
# copied onto their memberships.
NAMES = [(given, surname, fold(f"{given} {surname}")) for given in GIVEN for surname in SURNAMES]
TRADES = ("Bakkerij", "Boulangerie", "Garage", "Cabinet", "Bouw", "Transport", "Consult", "Brasserie", "Apotheek")
FORMS = ("BV", "SRL", "NV", "SA", "VZW", "ASBL", "CommV", "GmbH")
LANGUAGES = ("nl",) * 57 + ("fr",) * 40 + ("de",) * 1 + ("en",) * 2


@dataclass(frozen=True)
class Counts:
    enterprises: int
    people: int
    memberships: int
    grants: int
    events: int
    clients: int  # the secretariat's client enterprises, each under an accepted mandate

    def times(self, fraction: float) -> "Counts":
        return Counts(**{name: round(value * fraction) for name, value in self.__dict__.items()})


NATIONAL = Counts(300_000, 3_000_000, 5_000_000, 8_000_000, 30_000_000, 20_000)


@dataclass
class Loaded:
    """What `build` made: the measured enterprises' managers (the last is the loaded one), the
    secretariat's, and the time each table took."""

    built: list[dataset.Managers]
    secretariat: dataset.Managers
    counts: Counts
    sizes: tuple[int, ...]
    seconds: dict[str, float] = field(default_factory=dict)  # by step: the measured part, a table, indexes
    rows: dict[str, int] = field(default_factory=dict)  # written by COPY, by table


def build(
    *,
    sizes: tuple[int, ...],
    journal_per_user: int,
    fraction: float = 1.0,
    defer_indexes: bool = True,
    seed: int = 20261128,
) -> Loaded:
    """The measured enterprises (`sizes`, as dataset.build) and the secretariat, then the rest of
    the country with COPY up to NATIONAL times `fraction`, then ANALYZE."""
    counts = NATIONAL.times(fraction)
    rng = random.Random(seed)
    numbers = dataset.Numbers()
    started = time.monotonic()
    built = dataset.build(sizes=sizes, journal_per_user=journal_per_user, others=0, numbers=numbers)
    roles = dataset.role_types()
    staff = max(10, round(SECRETARIAT_USERS * fraction))
    with transaction.atomic():
        secretariat = dataset._enterprise(
            "Social secretariat", staff, journal_per_user * staff, roles, numbers, rng, key="secretariat"
        )
    loaded = Loaded(
        built, secretariat, counts, sizes, seconds={"measured enterprises (ORM)": time.monotonic() - started}
    )
    country = Country(counts, [role.pk for role in roles], secretariat, rng)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checks the measured part's rows now, if in a transaction
        deferred = Deferred.drop(cursor, [*TABLES.values(), *OTHER_TABLES]) if defer_indexes else None
        for table, columns, rows in country.tables():
            started = time.monotonic()
            loaded.rows[table] = copy(cursor, table, columns, rows)
            loaded.seconds[table] = time.monotonic() - started
        if deferred:
            started = time.monotonic()
            deferred.restore(cursor)
            loaded.seconds["indexes and constraints"] = time.monotonic() - started
        for table in [*TABLES.values(), *OTHER_TABLES]:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
        started = time.monotonic()
        cursor.execute("ANALYZE")
        loaded.seconds["ANALYZE"] = time.monotonic() - started
    return loaded


def copy(cursor: Any, table: str, columns: tuple[str, ...], rows: Iterable[tuple[object, ...]]) -> int:
    """Stream the rows into the table with COPY; answers how many."""
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream:
        for row in rows:
            stream.write_row(row)
            count += 1
    return count


@dataclass
class Deferred:
    """The loaded tables' indexes and constraints other than their primary keys and checks,
    dropped before the COPY and made again after it in one pass each (a foreign key is then
    checked by one join, not row by row)."""

    indexes: list[str]
    constraints: list[tuple[str, str, str]]  # table, name, definition

    @classmethod
    def drop(cls, cursor: Any, tables: list[str]) -> "Deferred":
        cursor.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
               WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') ORDER BY contype DESC""",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """SELECT indexname, indexdef FROM pg_indexes i
               WHERE tablename = ANY(%s) AND schemaname = 'public'
               AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        return cls([definition for _name, definition in indexes], constraints)

    def restore(self, cursor: Any) -> None:
        for definition in self.indexes:
            cursor.execute(definition)
        # Unique constraints first: no foreign key depends on them, but they are checked quicker.
        for table, name, definition in sorted(self.constraints, key=lambda c: "FOREIGN" in c[2]):
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


@dataclass
class Enterprise:
    """One of the country's generated enterprises, as its rows need it."""

    id: int
    size: int  # people working there
    first_seat: int  # its people are the seats first_seat … first_seat + size - 1
    first_group: int  # its groups' ids follow
    groups: int

    @property
    def main_seat(self) -> int:
        return self.first_seat


class Country:
    """The generated rows, table by table, in an order that keeps the foreign keys: enterprises,
    people, groups, designations, memberships, grants, the journal, mandates."""

    def __init__(self, counts: Counts, roles: list[int], secretariat: dataset.Managers, rng: random.Random) -> None:
        self.counts, self.roles, self.secretariat, self.rng = counts, roles, secretariat, rng
        with connection.cursor() as cursor:
            existing = {}
            for name, table in TABLES.items():
                cursor.execute(f"SELECT count(*), coalesce(max(id), 0) FROM {table}")  # noqa: S608
                existing[name] = cursor.fetchone()
            self.next_id = {}
            for table in OTHER_TABLES:
                cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608
                self.next_id[table] = cursor.fetchone()[0] + 1
        left = {name: getattr(counts, name) - count for name, (count, _top) in existing.items()}
        if min(left.values()) < 1 or counts.clients >= left["enterprises"]:
            raise ValueError(f"fraction too small for the measured enterprises: {left} left, {counts.clients} clients")
        self.first = {name: top + 1 for name, (_count, top) in existing.items()}
        self.left = left
        self.now = datetime.now(UTC)
        self.names = array("H")  # each generated person's names, as their place in NAMES
        self._lay_out()

    # --- who works where ---------------------------------------------------------------------

    def _lay_out(self) -> None:
        """The seats: each person's places of work, one to three, laid end to end as people
        0 … P-1, then those with a second place, then those with a third; each enterprise takes
        the next `size` seats. A person's seats are at least `spacing` apart, so an enterprise no
        larger than that never has the same person twice."""
        people, memberships = self.left["people"], self.left["memberships"]
        count = self.left["enterprises"]
        seats = min(max(people, count, round(memberships / SEATS_PER_MEMBERSHIP)), 3 * people, memberships)
        extra = seats - people
        self.third = max(extra // 4, extra - people)  # people with three places of work
        self.second = extra - self.third  # with at least two
        self.spacing = min(people, self.second) if self.third else people
        self.seats = seats
        sizes = self._sizes(count, seats, self.spacing)
        self.enterprises: list[Enterprise] = []
        seat, group = 0, self.next_id["access_group"]
        for index, size in enumerate(sizes):
            groups = min(len(self.roles), 1 + math.ceil(math.log(size, 4))) if size > 1 else 1
            self.enterprises.append(Enterprise(self.first["enterprises"] + index, size, seat, group, groups))
            seat += size
            group += groups
        # Seats with a second group, spread evenly over the seats of enterprises of several groups.
        self.eligible_seats = sum(e.size for e in self.enterprises if e.groups > 1)
        if memberships - seats > self.eligible_seats:
            raise ValueError(f"cannot place {memberships} memberships on {seats} seats")
        services = self._services_by_role()
        self.services = [services[role] for role in self.roles]
        self._read_secretariat()
        if self.left["grants"] > memberships * min(len(s) for s in self.services):
            raise ValueError(f"{self.left['grants']} grants are more than the services of {memberships} memberships")

    def _read_secretariat(self) -> None:
        """What the mandates' rows need of the secretariat, read before any COPY holds the
        connection: its Main Access Manager, its people, and the services its clients mandate (two
        that its groups offer)."""
        self.secretariat_main = Person.objects.get(user__username=self.secretariat.usernames["main"]).pk
        self.staff = list(
            Membership.objects.filter(group_id=self.secretariat.group_id)
            .order_by("person")
            .values_list("person", flat=True)
        )
        services = OnlineService.objects.filter(
            role_types__groups__enterprise_id=self.secretariat.enterprise_id, delegatable=True
        )
        self.mandated = sorted(set(services.values_list("pk", flat=True)))[:2]

    def _sizes(self, count: int, seats: int, largest: int) -> list[int]:
        """`count` sizes of at least 1 and at most `largest`, `seats` in all, after a Pareto law."""
        weights = [self.rng.paretovariate(PARETO_SHAPE) - 1 for _ in range(count)]
        spread = seats - count
        total = sum(weights) or 1.0
        sizes = [min(largest, 1 + int(spread * weight / total)) for weight in weights]
        left = seats - sum(sizes)
        while left > 0:  # the rounding and the cap, given one each to the enterprises with room
            for index in range(count):
                if left and sizes[index] < largest:
                    sizes[index] += 1
                    left -= 1
        return sizes

    def _services_by_role(self) -> dict[int, list[int]]:
        by_role: dict[int, list[int]] = {}
        for role, service in OnlineService.objects.filter(role_types__in=self.roles).values_list("role_types", "pk"):
            by_role.setdefault(role, []).append(service)
        return {role: sorted(services) for role, services in by_role.items()}

    def person_at(self, seat: int) -> int:
        people = self.left["people"]
        if seat < people:
            index = seat
        elif seat < people + self.second:
            index = seat - people
        else:
            index = seat - people - self.second
        return self.first["people"] + index

    def when(self, position: float) -> str:
        """A time between the first event and now, at `position` (0 … 1) of the way."""
        start = FIRST_EVENT.timestamp()
        return datetime.fromtimestamp(start + (self.now.timestamp() - start) * position, UTC).isoformat()

    # --- the tables --------------------------------------------------------------------------

    def tables(self) -> Iterator[tuple[str, tuple[str, ...], Iterable[tuple[object, ...]]]]:
        yield "access_enterprise", ENTERPRISE, self._enterprise_rows()
        yield "access_person", PERSON, self._person_rows()
        yield "access_group", GROUP, self._group_rows()
        yield "access_designation", DESIGNATION, self._designation_rows()
        yield "access_membership", MEMBERSHIP, self._membership_rows()
        yield "access_grant", GRANT, self._grant_rows()
        yield "access_auditevent", EVENT, self._event_rows()
        yield "mandates_mandate", MANDATE, self._mandate_rows()
        yield "mandates_mandate_services", MANDATE_SERVICE, self._mandate_service_rows()
        yield "mandates_mandateaccess", MANDATE_ACCESS, self._mandate_access_rows()

    def _enterprise_rows(self) -> Iterator[tuple[object, ...]]:
        rng = self.rng
        for index, enterprise in enumerate(self.enterprises):
            body = FIRST_ENTERPRISE_BODY + index
            name = f"{rng.choice(TRADES)} {rng.choice(SURNAMES)} {rng.choice(FORMS)}"
            activated = self.when(rng.random() * 0.9)
            language = rng.choice(LANGUAGES[:98])  # an enterprise speaks Dutch, French or German
            yield (enterprise.id, f"{body:08d}{97 - body % 97:02d}", name, fold(name), language, "active", activated)

    def _person_rows(self) -> Iterator[tuple[object, ...]]:
        rng = self.rng
        first = self.first["people"]
        for index in range(self.left["people"]):
            birth = FIRST_BIRTH + timedelta(days=index % BIRTH_DAYS)
            niss = make_niss(birth, index // BIRTH_DAYS + 1)
            name = rng.randrange(len(NAMES))
            self.names.append(name)
            given, surname, folded = NAMES[name]
            yield (first + index, niss, given, surname, "", "", rng.choice(LANGUAGES), folded)

    def _group_rows(self) -> Iterator[tuple[object, ...]]:
        for enterprise in self.enterprises:
            activated = self.when(0.0)
            for offset in range(enterprise.groups):
                yield (enterprise.first_group + offset, enterprise.id, self.roles[offset], activated)

    def _designation_rows(self) -> Iterator[tuple[object, ...]]:
        """Each enterprise's Main Access Manager: the first of its people."""
        next_id = self.next_id["access_designation"]
        at = self.when(0.0)
        for offset, enterprise in enumerate(self.enterprises):
            yield (next_id + offset, enterprise.id, self.person_at(enterprise.main_seat), "main", at, at, "")

    def _memberships(self) -> Iterator[tuple[int, int, int, Enterprise]]:
        """(membership id, person, group offset, enterprise) of every generated membership: a seat
        is a membership of one group; some seats of enterprises with several groups are one of the
        next group too, spread evenly (whole numbers: the count is exact)."""
        membership, eligible = self.first["memberships"], 0
        second, seats = self.left["memberships"] - self.seats, self.eligible_seats
        for enterprise in self.enterprises:
            for offset in range(enterprise.size):
                person = self.person_at(enterprise.first_seat + offset)
                group = offset % enterprise.groups
                yield membership, person, group, enterprise
                membership += 1
                if enterprise.groups > 1:
                    eligible += 1
                    if eligible * second // seats > (eligible - 1) * second // seats:
                        yield membership, person, (group + 1) % enterprise.groups, enterprise
                        membership += 1

    def _membership_rows(self) -> Iterator[tuple[object, ...]]:
        for membership, person, group, enterprise in self._memberships():
            main = self.person_at(enterprise.main_seat)
            created = self.when(self.rng.random())
            given, surname, folded = NAMES[self.names[person - self.first["people"]]]
            group_id = enterprise.first_group + group
            yield (membership, person, group_id, enterprise.id, "active", "", main, created, given, surname, folded)

    def _grant_rows(self) -> Iterator[tuple[object, ...]]:
        """One or two of its group's services per membership, spread evenly."""
        grant, grants, memberships = self.first["grants"], self.left["grants"], self.left["memberships"]
        for index, (membership, _person, group, enterprise) in enumerate(self._memberships()):
            services = self.services[group]
            main = self.person_at(enterprise.main_seat)
            at = self.when(self.rng.random())
            for offset in range((index + 1) * grants // memberships - index * grants // memberships):
                yield (grant, membership, services[(membership + offset) % len(services)], main, at)
                grant += 1

    def _event_rows(self) -> Iterator[tuple[object, ...]]:
        """The journal in time order, each event in an enterprise drawn in proportion to its size.
        The row that runs 30 million times: one random number per choice, nothing looked up twice."""
        random, person_at, count, first = self.rng.random, self.person_at, self.left["events"], self.first["events"]
        ends = list(itertools.accumulate(enterprise.size for enterprise in self.enterprises))
        total = ends[-1]
        places = [
            (e.id, e.first_seat, e.size, e.first_group, e.groups, person_at(e.main_seat)) for e in self.enterprises
        ]
        actions = [str(action) for action in dataset.ACTIONS]
        start, span = FIRST_EVENT.timestamp(), (self.now - FIRST_EVENT).total_seconds()
        for index in range(count):
            enterprise, first_seat, size, first_group, groups, main = places[
                bisect.bisect_right(ends, int(random() * total))
            ]
            yield (
                first + index,
                enterprise,
                main,
                actions[int(random() * len(actions))],
                person_at(first_seat + int(random() * size)),
                first_group + int(random() * groups),
                "",
                f"192.0.2.{index % 250 + 1}",
                datetime.fromtimestamp(start + span * index / count, UTC).isoformat(),
            )

    def _clients(self) -> Iterator[tuple[int, Enterprise]]:
        """(mandate id, client): enterprises spread over the country, each giving one mandate."""
        step = len(self.enterprises) // self.counts.clients
        first = self.next_id["mandates_mandate"]
        for index in range(self.counts.clients):
            yield first + index, self.enterprises[index * step]

    def _mandate_rows(self) -> Iterator[tuple[object, ...]]:
        provider = self.secretariat.enterprise_id
        answerer = self.secretariat_main
        for mandate, client in self._clients():
            offered = self.now - timedelta(days=self.rng.randrange(30, 3000))
            quarter = date(offered.year, 3 * ((offered.month - 1) // 3) + 1, 1)
            yield (
                mandate,
                client.id,
                provider,
                quarter.isoformat(),
                "accepted",
                self.person_at(client.main_seat),
                offered.isoformat(),
                answerer,
                (offered + timedelta(days=2)).isoformat(),
            )

    def _mandate_service_rows(self) -> Iterator[tuple[object, ...]]:
        row = self.next_id["mandates_mandate_services"]
        for mandate, _client in self._clients():
            for service in self.mandated:
                yield row, mandate, service
                row += 1

    def _mandate_access_rows(self) -> Iterator[tuple[object, ...]]:
        """Each mandate's services given to one of the secretariat's people, in turn."""
        staff, granter = self.staff, self.secretariat_main
        row = self.next_id["mandates_mandateaccess"]
        at = self.now.isoformat()
        for index, (mandate, _client) in enumerate(self._clients()):
            for service in self.mandated:
                yield row, mandate, staff[index % len(staff)], service, granter, at
                row += 1


ENTERPRISE = ("id", "number", "name", "search_name", "preferred_language", "status", "activated_at")
PERSON = ("id", "niss", "given_name", "surname", "email", "mobile_phone", "preferred_language", "search_name")
GROUP = ("id", "enterprise_id", "role_type_id", "activated_at")
DESIGNATION = ("id", "enterprise_id", "person_id", "kind", "designated_at", "valid_from", "reason")
MEMBERSHIP = (
    "id",
    "person_id",
    "group_id",
    "enterprise_id",
    "status",
    "block_reason",
    "created_by_id",
    "created_at",
    "person_given_name",
    "person_surname",
    "person_search_name",
)
GRANT = ("id", "membership_id", "service_id", "granted_by_id", "granted_at")
EVENT: tuple[str, ...] = (
    "id",
    "enterprise_id",
    "actor_id",
    "action",
    "target_person_id",
    "group_id",
    "reason",
    "ip_address",
)
EVENT += ("created_at",)
MANDATE: tuple[str, ...] = ("id", "principal_id", "provider_id", "starts_on", "status", "offered_by_id", "offered_at")
MANDATE += ("answered_by_id", "answered_at")
MANDATE_SERVICE = ("id", "mandate_id", "onlineservice_id")
MANDATE_ACCESS = ("id", "mandate_id", "person_id", "service_id", "granted_by_id", "granted_at")


def database_size() -> tuple[int, list[tuple[str, int]]]:
    """The database's size in bytes, and its ten largest tables with their indexes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
        cursor.execute(
            """SELECT relname, pg_total_relation_size(oid) FROM pg_class
               WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace
               ORDER BY 2 DESC LIMIT 10"""
        )
        return size, cursor.fetchall()


# --- The report ------------------------------------------------------------------------------

START, END = (
    "<!-- figures of a country's worth of data: start -->",
    "<!-- figures of a country's worth of data: end -->",
)
MOST = 1.25  # a median at most this many times the standard run's


class MeasuredPage(Protocol):
    page: str
    persona: str
    queries: int
    load: Load
    queries_by_size: dict[int, int]


def report(
    loaded: Loaded,
    rows: Sequence[MeasuredPage],
    decisions: list[str],
    scim: list[str],
    standard: str,
) -> str:
    """The load, the database's size, and the pages, the decision point and SCIM beside the
    standard run's medians, read from `standard` (the report file, between the run's markers)."""
    from bench.run import END as STANDARD_END
    from bench.run import START as STANDARD_START

    if STANDARD_START in standard and STANDARD_END in standard:
        standard = standard.split(STANDARD_START, 1)[1].split(STANDARD_END, 1)[0]
    else:
        standard = ""
    counts = loaded.counts
    size, largest = database_size()
    copied = sum(loaded.rows.values())
    copy_seconds = sum(loaded.seconds[table] for table in loaded.rows)
    lines = [
        "## A country's worth of data",
        "",
        f"{counts.enterprises:,} enterprises, {counts.people:,} people, {counts.memberships:,} memberships, "
        f"{counts.grants:,} grants, {counts.events:,} journal events, and a social secretariat with "
        f"{counts.clients:,} client enterprises under accepted mandates: the measured enterprises of "
        f"{' / '.join(f'{m:,}' for m in loaded.sizes)} users and the secretariat built as in the standard run, the "
        "rest written with COPY, then the indexes and constraints made, then ANALYZE.",
        "",
        "| step | rows | seconds | rows a second |",
        "|---|---:|---:|---:|",
    ]
    for step, seconds in loaded.seconds.items():
        rows_of = loaded.rows.get(step)
        per_second = f"{rows_of / seconds:,.0f}" if rows_of and seconds else "–"
        lines.append(f"| {step} | {f'{rows_of:,}' if rows_of else '–'} | {seconds:.1f} | {per_second} |")
    lines += [
        f"| **COPY, all tables** | {copied:,} | {copy_seconds:.1f} | {copied / copy_seconds:,.0f} |",
        f"| **the whole load** | | {sum(loaded.seconds.values()):.1f} | |",
        "",
        f"The database takes **{size / 2**30:.2f} GiB** (`pg_database_size`); its largest tables with their "
        "indexes (`pg_total_relation_size`):",
        "",
        "| table | GiB |",
        "|---|---:|",
        *[f"| {table} | {table_size / 2**30:.2f} |" for table, table_size in largest],
        "",
    ]
    # A shared machine slows every page alike: each median is compared as a multiple of its own
    # run's floor, the trivial page loaded the same way, beside the plain ratio.
    worst: list[tuple[float, str]] = []

    def beside(name: str, median: float, before: float | None, floors: tuple[float, float] | None) -> str:
        if not before:
            return "– | – | –"
        if floors is None:
            worst.append((median / before, name))
            return f"{before:.1f} | {median / before:.2f} | –"
        ratio = (median / floors[0]) / (before / floors[1])
        if not name.startswith("floor"):
            worst.append((ratio, name))
        return f"{before:.1f} | {median / before:.2f} | {ratio:.2f}"

    sizes = " / ".join(f"{size:,}" for size in loaded.sizes)
    pages = medians(standard, "Pages", lambda cells: (cells[0], cells[1]), 2)
    floor_here = next((row.load.p50_ms for row in rows if row.page.startswith("floor")), 0.0)
    floor_there = pages.get(("floor (trivial page)", "main"), 0.0)
    floors = (floor_here, floor_there) if floor_here and floor_there else None
    heading = "standard median ms | ÷ standard | ÷ standard, each ÷ its floor"
    lines += [
        "## Pages among a country's data",
        "",
        f"| page | as | median ms | p95 ms | req/s | queries at {sizes} | {heading} |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    constant = True
    for row in rows:
        by_size = " / ".join(str(row.queries_by_size.get(size, "–")) for size in loaded.sizes)
        by_size = by_size if row.queries_by_size else f"{row.queries} ({counts.clients:,} clients)"
        constant &= len(set(row.queries_by_size.values())) <= 1  # none: a page of one enterprise only
        name = f"{row.page} as {row.persona}"
        lines.append(
            f"| {row.page} | {row.persona} | {row.load.p50_ms:.1f} | {row.load.p95_ms:.1f} | {row.load.rps:.0f} "
            f"| {by_size} | {beside(name, row.load.p50_ms, pages.get((row.page, row.persona)), floors)} |"
        )
    before = medians(standard, "Decision point", lambda cells: cells[0], 1)
    now = tables(decisions, "Decision point")
    here = {cells[0]: float(cells[1]) for cells in now}

    def decision_floors(name: str) -> tuple[float, float] | None:
        connections = FEW if f", {FEW} connections" in name else CONNECTIONS
        floor = f"floor (trivial page), {connections} connections"
        return (here[floor], before[floor]) if here.get(floor) and before.get(floor) else None

    lines += [
        "",
        "## Decision point among a country's data",
        "",
        f"| request | median ms | p99 ms | req/s | decisions/s | queries at {sizes} | {heading} |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for cells in now:
        if not cells[0].startswith("floor"):
            constant &= len(set(cells[6].split(" / "))) == 1
        lines.append(
            f"| {cells[0]} | {cells[1]} | {cells[3]} | {cells[4]} | {cells[5]} | {cells[6]} "
            f"| {beside(cells[0], float(cells[1]), before.get(cells[0]), decision_floors(cells[0]))} |"
        )
    before = medians(standard, "Provisioning through SCIM", lambda cells: cells[0].split(" (`")[0], 4)
    lines += [
        "",
        "## SCIM among a country's data",
        "",
        f"| step | requests | median ms | p95 ms | {heading} |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for cells in tables(scim, "Provisioning through SCIM"):
        name = cells[0].split(" (`")[0]
        compared = beside(name, float(cells[4]), before.get(name), None)
        lines.append(f"| {cells[0]} | {cells[1]} | {cells[4]} | {cells[5]} | {compared} |")
    highest = max(worst, default=(0.0, ""))
    verdict = "met" if highest[0] <= MOST else "**missed**"
    lines += [
        "",
        f"- Every median at most {MOST}× the standard run's, each as a multiple of its run's floor: "
        + (f"{verdict} (worst {highest[1]}: {highest[0]:.2f}×)." if worst else "no standard run to compare with."),
        f"- Queries constant in the number of users: {'met' if constant else '**missed**'}.",
    ]
    return "\n".join(lines)


def tables(lines: list[str] | str, heading: str) -> list[list[str]]:
    """The rows of the tables under `## heading` (up to the next heading), as cells, headers and
    rules left out."""
    text = lines if isinstance(lines, str) else "\n".join(lines)
    if f"## {heading}\n" not in text:
        return []
    body = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    found = []
    for line in body.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) > 2 and not set(cells[1]) <= set("-:") and _number(cells[1:]):
            found.append(cells)
    return found


def medians(text: str, heading: str, key: Callable[[list[str]], object], column: int) -> dict[object, float]:
    return {key(cells): float(cells[column].replace(",", "")) for cells in tables(text, heading)}


def _number(cells: list[str]) -> bool:
    """Whether a row holds figures (not the header)."""
    return any(cell.replace(",", "").replace(".", "").isdigit() for cell in cells)
