"""One load of the server under test by wrk, and its figures."""

import json
import math
import signal
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
    seconds: float,
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
        figures = _run(command, url, 1, environment)
        _move_on(environment, figures)
    duration = seconds
    while True:
        figures = _run(command, url, duration, environment)
        if figures["requests"] >= 10 and figures["p50_ms"] > 0:
            break
        # Too few answers to have a median (a slow page in a short smoke run, or a busy machine):
        # load longer, up to at least 4 times as long and 10 s.
        if duration >= max(4 * seconds, 10):
            raise RuntimeError(f"{name}: only {figures['requests']} answers in {duration:g} s")
        _move_on(environment, figures)
        duration *= 2
    if figures["errors"]:
        raise RuntimeError(f"{name}: {figures['errors']} failed requests")
    return Load(
        figures["p50_ms"],
        figures["p95_ms"],
        figures["requests"] / figures["seconds"],
        int(figures["requests"]),
        figures["p99_ms"],
    )


def _run(command: list[str], url: str, seconds: float, environment: dict[str, str]) -> dict[str, float]:
    """wrk for `seconds`. wrk counts whole seconds: a shorter load (the smoke run's) is cut short by
    SIGINT, on which wrk stops and reports its figures as at the end of its time."""
    whole = max(1, math.ceil(seconds))
    with subprocess.Popen(
        [*command, f"-d{whole}s", url], env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=seconds if seconds < whole else None)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate()
    if process.returncode == -signal.SIGINT:  # interrupted before it began (a busy machine): no answers
        return {"requests": 0, "seconds": seconds, "p50_ms": 0, "p95_ms": 0, "p99_ms": 0, "errors": 0}
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command, stdout, stderr)
    line = next(line for line in stdout.splitlines() if line.startswith("BENCH "))
    return json.loads(line.removeprefix("BENCH "))


def _move_on(environment: dict[str, str], figures: dict[str, float]) -> None:
    if "BENCH_START" in environment:
        environment["BENCH_START"] = str(int(environment["BENCH_START"]) + int(figures["requests"]))
