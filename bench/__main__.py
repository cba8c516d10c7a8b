"""`make bench`: the portal's key pages under load, beside the framework's floor and the Django
admin, and the decision point (one decision, a batch of 50) beside the floor, on PostgreSQL with
gunicorn; queries per page and per request as the data grows; notifications through a real Celery
worker to a local SMTP server; resident memory; an import of users from a file; an HR system
creating users through SCIM. Prints the tables and writes them, with the
machine's description, to docs/benchmarks.md.

    python -m bench            the full run (10,000 users, 100,000 journal events, 5 s per page)
    python -m bench --smoke    a tiny run that keeps the bench from rotting (part of `make test`)
    python -m bench --scale national [--fraction F]
                               the same enterprises inside a country's worth of data written with
                               COPY (bench/national.py; F of it, 1 unless told), measured beside
                               the standard run's figures (`make bench SCALE=national`); with
                               --smoke, the smoke run's enterprises (--fraction 0.0001 fits them)
    python -m bench --costs-only   the dataset, then only the costs that do not grow (printed);
                                   with --journal-per-user 100, an export of 1,000,000 journal rows
"""

import argparse
import dataclasses
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--smoke", action="store_true", help="tiny data and short loads")
    parser.add_argument("--scale", choices=("standard", "national"), default="standard")
    parser.add_argument("--fraction", type=float, default=1.0, help="of the national dataset (with --scale national)")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--database", default="portal_bench")
    parser.add_argument("--costs-only", action="store_true", help="only the costs that do not grow, printed")
    parser.add_argument(
        "--journal-per-user", type=int, help="journal events per user of each enterprise (10 unless told)"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/7", help="the cache and the Celery broker")
    options = parser.parse_args()
    os.environ.update(settings_environment(options.database, options.redis))
    sys.path.insert(0, str(ROOT))

    from bench.run import Scale, run

    if options.scale == "national":
        scale = Scale.country(options.fraction, smoke=options.smoke)
    else:
        scale = Scale.smoke() if options.smoke else Scale.full()
    if options.journal_per_user:
        scale = dataclasses.replace(scale, journal_per_user=options.journal_per_user)
    return run(scale, options.output, costs_only=options.costs_only)


def settings_environment(database: str, redis: str = "redis://127.0.0.1:6379/7") -> dict[str, str]:
    """Production settings, as gunicorn and Celery get them, on a database of the bench's own."""
    return {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": redis,
        "SECURE_PROXY_SSL_HEADER": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "SMS_BACKEND": "accounts.sms.ConsoleBackend",
        "BENCHMARK_FLOOR": "1",
        "DEV_IDP_ENABLED": "0",
        # The worker runs only while the notifications are measured, after gunicorn is up.
        "WORKER_HEARTBEAT_MAX_AGE": "0",
    }


if __name__ == "__main__":
    sys.exit(main())
