"""SCIM provisioning in the benchmark (docs/provisioning.md): an HR system hires people into the
loaded enterprise through the portal under gunicorn, as it would over the network, one request at a
time with a token of the Main Access Manager. First each person is created (`POST /Users`), then
they join the group the pages show with an online service, a hundred to a `PATCH /Groups/<id>` as a
daily batch of an HR system; last, the list of users is read a page of 100 at a time.
"""

import http.client
import json
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from access.identifiers import make_niss
from access.models import Group, Person
from bench.dataset import Managers
from provisioning import services
from provisioning.models import ProvisioningToken
from provisioning.resources import PERMISSIONS_SCHEMA, PERSON_SCHEMA, USER_SCHEMA

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CONTENT_TYPE = "application/scim+json"
PER_PATCH = 100


@dataclass(frozen=True)
class Step:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def token_for(managers: Managers) -> str:
    """A token of the enterprise's Main Access Manager, made straight in the database as the page
    would keep it (its digest)."""
    manager = Person.objects.get(user__username=managers.usernames["main"])
    value = services.TOKEN_PREFIX + "b" * 64
    ProvisioningToken.objects.filter(digest=services.digest_of(value)).delete()
    ProvisioningToken.objects.create(
        enterprise_id=managers.enterprise_id,
        manager=manager,
        name="Benchmark HR system",
        digest=services.digest_of(value),
        prefix=value[:11],
        expires_at=timezone.now() + timedelta(days=30),
    )
    return value


class Connection:
    """Requests to gunicorn on loopback with the token, each timed."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": CONTENT_TYPE,
            "Accept": CONTENT_TYPE,
            "X-Forwarded-Proto": "https",  # as the proxy in front of the portal says
        }

    def send(self, method: str, path: str, body: object = None) -> tuple[int, dict, float]:  # type: ignore[type-arg]
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        started = time.perf_counter()
        connection.request(method, "/scim/v2" + path, json.dumps(body) if body is not None else None, self.headers)
        response = connection.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        connection.close()
        return response.status, json.loads(data) if data else {}, elapsed


def measure(port: int, managers: Managers, users: int) -> list[Step]:
    scim = Connection(port, token_for(managers))
    group = Group.objects.select_related("role_type").get(pk=managers.group_id)
    service = sorted(group.role_type.services.filter(delegatable=True).values_list("code", flat=True))[0]
    first_day = date(2005, 1, 1)

    created: list[str] = []
    latencies = []
    started = time.monotonic()
    for index in range(users):
        niss = make_niss(first_day + timedelta(days=index // 900), index % 900 + 1)
        status, body, elapsed = scim.send(
            "POST",
            "/Users",
            {
                "schemas": [USER_SCHEMA, PERSON_SCHEMA],
                "userName": f"hire{index:05d}@bench.example",
                "name": {"givenName": "Hired", "familyName": f"Person{index:05d}"},
                "emails": [{"value": f"hire{index:05d}@bench.example", "type": "work", "primary": True}],
                "active": True,
                PERSON_SCHEMA: {"nationalRegisterNumber": niss},
            },
        )
        if status != 201:
            raise RuntimeError(f"POST /Users answered {status}: {body}")
        created.append(body["id"])
        latencies.append(elapsed)
    steps = [Step(f"create a user (`POST /Users`), {users:,} in a row", users, time.monotonic() - started, latencies)]

    latencies = []
    started = time.monotonic()
    for first in range(0, len(created), PER_PATCH):
        batch = created[first : first + PER_PATCH]
        status, body, elapsed = scim.send(
            "PATCH",
            f"/Groups/{group.pk}?excludedAttributes=members,{PERMISSIONS_SCHEMA}:grants",
            {
                "schemas": [PATCH_OP],
                "Operations": [
                    {"op": "add", "path": "members", "value": [{"value": user_id} for user_id in batch]},
                    {
                        "op": "add",
                        "path": f"{PERMISSIONS_SCHEMA}:grants",
                        "value": [{"value": user_id, "service": service} for user_id in batch],
                    },
                ],
            },
        )
        if status != 200:
            raise RuntimeError(f"PATCH /Groups answered {status}: {body}")
        latencies.append(elapsed)
    steps.append(
        Step(
            f"add {PER_PATCH} members with a service to a group of {group.memberships.count():,} (`PATCH /Groups`)",
            len(latencies),
            time.monotonic() - started,
            latencies,
        )
    )

    latencies = []
    started = time.monotonic()
    start_index, total = 1, None
    while total is None or start_index <= total:
        status, body, elapsed = scim.send("GET", f"/Users?startIndex={start_index}&count=100")
        if status != 200:
            raise RuntimeError(f"GET /Users answered {status}: {body}")
        total = body["totalResults"]
        start_index += 100
        latencies.append(elapsed)
    steps.append(
        Step(
            f"read every user, 100 a page (`GET /Users`), {total:,} users",
            len(latencies),
            time.monotonic() - started,
            latencies,
        )
    )
    return steps


def report(steps: list[Step]) -> list[str]:
    lines = [
        "## Provisioning through SCIM",
        "",
        "An HR system on loopback, one request at a time, with a token of the loaded enterprise's Main Access "
        "Manager, against the same gunicorn (2 workers). Each created user is journaled on the manager's "
        "behalf; each member added to the group is a membership and a grant, journaled.",
        "",
        "| step | requests | total s | per second | median ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for step in steps:
        lines.append(
            f"| {step.name} | {step.requests:,} | {step.seconds:.1f} | {step.requests / step.seconds:.1f} "
            f"| {statistics.median(step.latencies_ms):.1f} | {step.percentile(0.95):.1f} |"
        )
    return [*lines, ""]
