"""The decision point under load (docs/benchmarks.md): one decision and a batch of 50, asked by a
client of the decision point with a bearer token, about the loaded enterprise's users, each
request about other (person, enterprise, service) triples than the one before."""

import base64
import json
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from access.models import OnlineService
from bench import dataset, load
from decisions.models import Client

SECRET = "bench-client-secret-not-a-secret"  # noqa: S105 - the benchmark's own client
# wrk's connections: 8 keep both workers busy with requests waiting; 2, one request per worker,
# show a decision's own latency (as the pages are measured).
CONNECTIONS, FEW = 8, 2
BATCH = 50
# Questions whose use is recorded before their load, so that their decisions write nothing (the
# shared cache's gate is closed for SERVICE_USE_INTERVAL_SECONDS); the other permits are first uses.
RECORDED = 2000
EVALUATION, EVALUATIONS = "/access/v1/evaluation", "/access/v1/evaluations"


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    decisions: int  # per request
    asks: str  # which questions: recorded, first_uses or denials
    connections: int = CONNECTIONS

    @property
    def threads(self) -> int:
        return 1 if self.connections <= FEW else 2


ONE = Scenario("one decision, a permit whose use is recorded", EVALUATION, 1, "recorded")
FIRST_USE = Scenario("one decision, a permit that is a first use (one upsert)", EVALUATION, 1, "first_uses")
DENIAL = Scenario("one decision, a denial (two queries to say why)", EVALUATION, 1, "denials")
BATCH_50 = Scenario(f"{BATCH} decisions in one request, permits whose use is recorded", EVALUATIONS, BATCH, "recorded")
ONE_FEW = Scenario(f"one decision, as the first, {FEW} connections", EVALUATION, 1, "recorded", FEW)
SCENARIOS = [ONE, FIRST_USE, DENIAL, BATCH_50, ONE_FEW]


@dataclass
class Questions:
    """The questions about one enterprise's users, each (person, enterprise, service) once."""

    recorded: list[dataset.Triple]  # permits, their use recorded before the load
    first_uses: list[dataset.Triple]  # permits never asked
    denials: list[dataset.Triple]

    def bodies(self, scenario: Scenario) -> Iterator[dict[str, Any]]:
        triples: list[dataset.Triple] = getattr(self, scenario.asks)
        if scenario.decisions > 1:
            going_round = cycle(triples)
            count = max(1, len(triples) // scenario.decisions)
            return (
                {"evaluations": [t.question() for t in islice(going_round, scenario.decisions)]} for _ in range(count)
            )
        return (triple.question() for triple in triples)


@dataclass
class Row:
    scenario: Scenario
    load: load.Load
    queries_by_size: dict[int, int] = field(default_factory=dict)


def register_client() -> Client:
    """The benchmark's client of the decision point: it may ask about every service."""
    client = Client.objects.create(name="Benchmark", client_secret=SECRET)
    client.services.set(OnlineService.objects.all())
    return client


def _basic(client: Client) -> str:
    return "Basic " + base64.b64encode(f"{client.client_id}:{SECRET}".encode()).decode()


def token_in_process(client: Client) -> str:
    response = HttpClient().post(
        "/oauth/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=_basic(client), secure=True
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def token_over_http(origin: str, client: Client) -> str:
    """A token from the server under load, as an online service gets one before it asks."""
    request = urllib.request.Request(  # noqa: S310 - a loopback address
        f"{origin}/oauth/token/",
        data=b"grant_type=client_credentials",
        headers={
            "Authorization": _basic(client),
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Forwarded-Proto": "https",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())["access_token"]


def ask(token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = HttpClient().post(
        path, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", secure=True
    )
    assert response.status_code == 200, response.content
    return response.json()


def decided(token: str, triples: list[dataset.Triple]) -> list[bool]:
    """The decisions about these triples, asked a hundred at a time (each permit is a use)."""
    answers: list[bool] = []
    for start in range(0, len(triples), 100):
        body = {"evaluations": [triple.question() for triple in triples[start : start + 100]]}
        answers += [answer["decision"] for answer in ask(token, EVALUATIONS, body)["evaluations"]]
    return answers


def questions_about(enterprise_id: int, token: str) -> Questions:
    """The enterprise's questions: its granted services split between those recorded before the
    load and first uses, and the denials among the services offered to its users but not granted
    (those not automatic for them)."""
    permits, candidates = dataset.decision_triples(enterprise_id)
    recorded = min(RECORDED, len(permits) // 2)
    candidates = candidates[: 2 * RECORDED]
    answers = decided(token, candidates)
    denials = [triple for triple, permitted in zip(candidates, answers, strict=True) if not permitted]
    return Questions(recorded=permits[:recorded], first_uses=permits[recorded:], denials=denials[:RECORDED])


def record_uses(token: str, questions: Questions) -> None:
    """Ask the recorded questions once: each is a permit, and its use is recorded, so that asking
    again in the next SERVICE_USE_INTERVAL_SECONDS writes nothing."""
    answers = decided(token, questions.recorded)
    if not all(answers):
        raise RuntimeError(f"{answers.count(False)} of the granted services are not permitted")


def count_queries(built: list[dataset.Managers], token: str) -> tuple[dict[Scenario, dict[int, int]], Questions]:
    """Queries of each request in each of the enterprises of different sizes, once the process has
    seen the token; and the questions about the last one, the loaded enterprise."""
    table: dict[Scenario, dict[int, int]] = {scenario: {} for scenario in SCENARIOS}
    questions = Questions([], [], [])
    for managers in built:
        questions = questions_about(managers.enterprise_id, token)
        record_uses(token, questions)
        for scenario in SCENARIOS:
            body = next(questions.bodies(scenario))
            with CaptureQueriesContext(connection) as captured:
                answer = ask(token, scenario.path, body)
            expected = scenario is not DENIAL
            decisions = [item["decision"] for item in answer.get("evaluations", [answer])]
            if decisions != [expected] * scenario.decisions:
                raise RuntimeError(f"{scenario.name}: answered {decisions}")
            table[scenario][managers.enterprise_id] = len(captured)
    return table, questions


def write_bodies(questions: Questions, directory: Path) -> dict[Scenario, Path]:
    paths = {}
    for index, scenario in enumerate(SCENARIOS):
        paths[scenario] = directory / f"decisions-{index}.jsonl"
        paths[scenario].write_text("".join(json.dumps(body) + "\n" for body in questions.bodies(scenario)))
    return paths


def measure(origin: str, token: str, scenario: Scenario, bodies: Path, *, seconds: float, warm_up: bool) -> load.Load:
    environment = {
        **os.environ,
        "BENCH_BODIES": str(bodies),
        "BENCH_PATH": scenario.path,
        "BENCH_TOKEN": token,
        "BENCH_THREADS": str(scenario.threads),
        "BENCH_START": "0",
    }
    script = str(Path(__file__).with_name("decisions.lua"))
    return load.wrk(
        origin + scenario.path,
        environment,
        script=script,
        name=scenario.name,
        seconds=seconds,
        warm_up=warm_up,
        connections=scenario.connections,
        threads=scenario.threads,
    )


# --- The report ------------------------------------------------------------------------------


def report(
    sizes: tuple[int, ...],
    rows: list[Row],
    floors: dict[int, tuple[load.Load, int]],
    questions: Questions,
    seconds: float,
) -> list[str]:
    """The section of the report; `floors` holds the floor's load and queries by connections."""
    one = next(row for row in rows if row.scenario is ONE)
    heading = " / ".join(f"{size:,}" for size in sizes)
    lines = [
        "## Decision point",
        "",
        "The loaded enterprise's users asked about through the AuthZEN API by a client of the decision "
        "point, with a bearer token it obtained before the run; each request asks about other (person, "
        f"enterprise, service) triples than the one before: {len(questions.recorded):,} permits whose use "
        f"was recorded just before, {len(questions.first_uses):,} permits never asked (each a first use "
        f"while they last), {len(questions.denials):,} denials. wrk loads each for {seconds} s with "
        f"{CONNECTIONS} connections from 2 threads (the two workers busy, requests waiting), and once "
        f"with {FEW} connections (one request per worker), after a one-second warm-up; the floor is loaded "
        "the same ways for the ratios. Queries are counted per request in enterprises of "
        f"{heading} users.",
        "",
        f"| request | median ms | p95 ms | p99 ms | req/s | decisions/s | queries at {heading} "
        "| req/s ÷ floor | median ÷ one decision's |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for connections, (floor, queries) in sorted(floors.items(), reverse=True):
        lines.append(
            f"| floor (trivial page), {connections} connections | {floor.p50_ms:.1f} | {floor.p95_ms:.1f} "
            f"| {floor.p99_ms:.1f} | {floor.rps:.0f} | – | {queries} | 1.00 "
            f"| {floor.p50_ms / one.load.p50_ms:.2f} |"
        )
    for row in rows:
        by_size = " / ".join(str(row.queries_by_size.get(size, "–")) for size in sizes)
        floor = floors[row.scenario.connections][0]
        lines.append(
            f"| {row.scenario.name} | {row.load.p50_ms:.1f} | {row.load.p95_ms:.1f} | {row.load.p99_ms:.1f} "
            f"| {row.load.rps:.0f} | {row.load.rps * row.scenario.decisions:.0f} | {by_size} "
            f"| {row.load.rps / floor.rps:.2f} | {row.load.p50_ms / one.load.p50_ms:.2f} |"
        )
    return [*lines, "", *targets(rows, floors[CONNECTIONS][0])]


def targets(rows: list[Row], floor: load.Load) -> list[str]:
    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    one = next(row for row in rows if row.scenario is ONE)
    first = next(row for row in rows if row.scenario is FIRST_USE)
    batch = next(row for row in rows if row.scenario is BATCH_50)
    few = next(row for row in rows if row.scenario is ONE_FEW)
    constant = all(len(set(row.queries_by_size.values())) == 1 for row in rows)
    return [
        f"- One decision's throughput at least 50% of the floor's: {verdict(one.load.rps >= 0.5 * floor.rps)} "
        f"({one.load.rps / floor.rps:.0%}; a first use {first.load.rps / floor.rps:.0%}).",
        f"- One decision's p99 at most 10 ms: {verdict(one.load.p99_ms <= 10)} ({one.load.p99_ms:.1f} ms with "
        f"{CONNECTIONS} connections, a first use {first.load.p99_ms:.1f} ms; {few.load.p99_ms:.1f} ms with {FEW}).",
        f"- A batch of {BATCH}'s median at most 5× one decision's: "
        f"{verdict(batch.load.p50_ms <= 5 * one.load.p50_ms)} ({batch.load.p50_ms / one.load.p50_ms:.2f}×).",
        f"- Queries constant in the number of users and of decisions per request: {verdict(constant)}.",
    ]
