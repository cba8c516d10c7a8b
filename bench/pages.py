"""The processor time of the key pages, in one process, beside the floor page's.

Wall-clock latencies on a shared machine move with whatever else runs; the processor time a page
costs the process that renders it (`time.process_time()`, the Django test client, production
settings) does not, or much less. Prints, for each key page and persona, the milliseconds of
processor per request and the ratio to the floor's; `--profile PAGE` prints that page's cProfile.

    python -m bench.pages                  build the dataset (once), then measure
    python -m bench.pages --requests 50    more requests per page, steadier figures
    python -m bench.pages --profile "users page" --persona main --sort tottime
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages")
    parser.add_argument("--database", default="portal_bench_pages")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument(
        "--requests", type=int, default=10, help="requests per round (three rounds) per page and persona"
    )
    parser.add_argument("--rebuild", action="store_true", help="build the dataset anew")
    parser.add_argument("--page", action="append", help="measure only these pages (by name)")
    parser.add_argument("--profile", help="profile this page (by name) instead of measuring")
    parser.add_argument("--persona", default="main")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=40)
    options = parser.parse_args()

    from bench.__main__ import settings_environment

    os.environ.update(settings_environment(options.database, options.redis))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bench import run

    managers = dataset(options.database, options.users, options.rebuild)
    pages = [page for page in run.KEY_PAGES if not options.page or page.name in options.page]
    if options.profile:
        page = next(page for page in run.KEY_PAGES if page.name == options.profile)
        profile(page, managers, options.persona, options.requests, options.sort, options.lines)
        return 0
    floor = cpu_ms(run.FLOOR, managers, "main", options.requests, rounds=9)  # the ratios' divisor: steadier
    assert floor is not None, "the floor answers"
    print(f"{'page':<28} {'as':<15} {'cpu ms':>7} {'÷ floor':>8}")
    print(f"{run.FLOOR.name:<28} {'main':<15} {floor:7.2f} {1:8.2f}")
    for page in pages:
        for persona in run.MANAGERS:
            figure = cpu_ms(page, managers, persona, options.requests)
            if figure is not None:
                print(f"{page.name:<28} {persona:<15} {figure:7.2f} {figure / floor:8.2f}", flush=True)
    return 0


def dataset(database: str, users: int, rebuild: bool):  # type: ignore[no-untyped-def]
    """The loaded enterprise's managers; the dataset is built once per database and kept."""
    from django.core.management import call_command

    from bench import dataset as data
    from bench import run

    state = Path(f"/tmp/{database}.json")  # noqa: S108 - a cache of the bench's own
    if state.exists() and not rebuild:
        return data.Managers(**json.loads(state.read_text()))
    run.recreate_database()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    (managers,) = data.build(sizes=(users,), journal_per_user=10, others=100)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    state.write_text(json.dumps(asdict(managers)))
    return managers


def cpu_ms(page, managers, persona: str, requests: int, rounds: int = 3) -> float | None:  # type: ignore[no-untyped-def]
    """Processor milliseconds per request, after two warm-up requests: the least of the rounds
    (another process on the same cores slows a round down, never speeds it up); None where the
    persona may not open the page."""
    from bench import run

    client = _client(managers, persona)
    for _ in range(2):
        response = run.send(client, page, managers)
        if response.status_code != 200:
            return None
    figures = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(requests):
            run.send(client, page, managers)
        figures.append((time.process_time() - started) * 1000 / requests)
    return min(figures)


_clients: dict = {}


def _client(managers, persona: str):  # type: ignore[no-untyped-def]
    from bench import run

    if persona not in _clients:
        _clients[persona] = run.logged_in(managers.usernames[persona])
    return _clients[persona]


def profile(page, managers, persona: str, requests: int, sort: str, lines: int) -> None:  # type: ignore[no-untyped-def]
    from bench import run

    client = _client(managers, persona)
    run.send(client, page, managers)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        run.send(client, page, managers)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(sort).print_stats(lines)


if __name__ == "__main__":
    sys.exit(main())
