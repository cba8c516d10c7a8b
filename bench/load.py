"""One load of the server under test by wrk, and its figures."""

import json
import subprocess
from dataclasses import dataclass


@dataclass
class Load:
    p50_ms: float
    p95_ms: float
    rps: float
    requests: int
    p99_ms: float = 0.0


def wrk(
    url: str,
    environment: dict[str, str],
    *,
    script: str,
    name: str,
    seconds: int,
    warm_up: bool,
    connections: int = 2,
    threads: int = 1,
) -> Load:
    """wrk on loopback after a one-second warm-up, longer when too few answers came to have a
    median. A script that reads BENCH_START (where to start in its list of requests) is moved past
    the requests of the previous load, so that the measured load does not repeat the warm-up's."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", "--timeout", "10s", "-s", script]
    environment = dict(environment)
    if warm_up:
        figures = _run([*command, "-d1s", url], environment)
        _move_on(environment, figures)
    for duration in (seconds, 2 * seconds, 4 * seconds):
        figures = _run([*command, f"-d{duration}s", url], environment)
        # Too few answers to have a median (a slow page in a one-second smoke run): load longer.
        if figures["requests"] >= 10 and figures["p50_ms"] > 0:
            break
        _move_on(environment, figures)
    else:
        raise RuntimeError(f"{name}: only {figures['requests']} answers in {duration} s")
    if figures["errors"]:
        raise RuntimeError(f"{name}: {figures['errors']} failed requests")
    return Load(
        figures["p50_ms"],
        figures["p95_ms"],
        figures["requests"] / figures["seconds"],
        int(figures["requests"]),
        figures["p99_ms"],
    )


def _run(command: list[str], environment: dict[str, str]) -> dict[str, float]:
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH "))
    return json.loads(line.removeprefix("BENCH "))


def _move_on(environment: dict[str, str], figures: dict[str, float]) -> None:
    if "BENCH_START" in environment:
        environment["BENCH_START"] = str(int(environment["BENCH_START"]) + int(figures["requests"]))
