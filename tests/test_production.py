"""Production readiness: the deploy checks, the security headers, private pages, the health check."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def production_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "DEV_IDP_ENABLED",
            "SMS_BACKEND",
            "EMAIL_BACKEND",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return {
        **env,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portal.example.be",
        "SMS_GATEWAY_URL": "https://sms.example.be/send",
        "SMS_GATEWAY_TOKEN": "token",
        "OIDC_SERVER_URL": "https://idp.example.be",
        "OIDC_CLIENT_ID": "portal",
        "OIDC_CLIENT_SECRET": "secret",
        **extra,
    }


def deploy_check(**extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    return subprocess.run(command, cwd=ROOT, env=production_env(**extra), capture_output=True, text=True)


def test_the_production_configuration_passes_the_deploy_checks():
    result = deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_insecure_cookie_fails_the_deploy_checks():
    result = deploy_check(DJANGO_SETTINGS_MODULE="tests.settings_insecure")
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"DEV_IDP_ENABLED": "1"}, "DEV_IDP_ENABLED is a development tool: it needs DEBUG=1"),
        ({"DEV_OUTBOX_ENABLED": "1"}, "DEV_OUTBOX_ENABLED is a development tool: it needs DEBUG=1"),
        ({"EMAIL_BACKEND": "accounts.mail.DevOutboxBackend"}, "EMAIL_BACKEND accounts.mail.DevOutboxBackend"),
        ({"SMS_BACKEND": "accounts.sms.DevOutboxBackend"}, "SMS_BACKEND accounts.sms.DevOutboxBackend"),
    ],
)
def test_production_refuses_to_start_with_a_development_tool(variables, message):
    env = production_env(**variables)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize("count", ["-1", "one"])
def test_production_refuses_to_start_with_a_bad_proxy_count(count):
    env = production_env(TRUSTED_PROXY_COUNT=count)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be the number of proxies" in result.stderr


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be json or console"),
        ({"METRICS_TOKEN": "short"}, "METRICS_TOKEN must be at least 32 characters"),
        ({"WORKER_HEARTBEAT_MAX_AGE": "5m"}, "WORKER_HEARTBEAT_MAX_AGE must be a whole number of seconds"),
        ({"OUTBOX_BACKLOG_MAX_AGE": "-1"}, "OUTBOX_BACKLOG_MAX_AGE must be a whole number of seconds"),
    ],
)
def test_production_refuses_to_start_with_a_bad_monitoring_setting(variables, message):
    env = production_env(**variables)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    "variables, message",
    [
        ({"PORTAL_URL": "portal.example.be"}, "PORTAL_URL must be an address such as https://portal.example.be"),
        ({"PORTAL_URL": "https://portal.example.be/?x=1"}, "PORTAL_URL must be an address"),
        ({"ALLOWED_HOSTS": "*"}, "PORTAL_URL is required when ALLOWED_HOSTS names no single host"),
    ],
)
def test_production_refuses_to_start_without_the_portals_address(variables, message):
    env = production_env(**variables)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    "variables, address",
    [({}, "https://portal.example.be"), ({"PORTAL_URL": "https://acces.example.be/"}, "https://acces.example.be")],
)
def test_the_portals_address_comes_from_the_first_host_unless_given(variables, address):
    shown = "from django.conf import settings; print(settings.PORTAL_URL)"
    command = [sys.executable, "manage.py", "shell", "-c", shown]
    result = subprocess.run(command, cwd=ROOT, env=production_env(**variables), capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == address, result.stderr


def test_the_monitoring_settings_pass_the_deploy_checks():
    result = deploy_check(
        SENTRY_DSN="https://key@sentry.example.be/1", METRICS_TOKEN=secrets.token_urlsafe(32), LOG_FORMAT="json"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_benchmark_floor_is_allowed_in_production():
    # `make bench` measures production settings; the floor is the layout behind the login, nothing more.
    result = deploy_check(BENCHMARK_FLOOR="1")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_pages_of_a_logged_in_person_are_not_cached(world, login):
    response = login(world.member).get(f"/e/{world.enterprise.pk}/")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_health_check_answers_for_the_database_and_redis(client, settings):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "outbox": "ok"}
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    down = client.get("/health/")
    assert down.status_code == 503
    assert down.json() == {"database": "ok", "redis": "unavailable", "outbox": "ok"}


@pytest.mark.django_db
def test_postgresql_compiles_no_query_just_in_time():
    """Among a country's rows, compiling one overestimated query took half a second before its
    60 ms of work (docs/benchmarks.md, the eighth round): the portal's connections turn it off."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_the_compose_file_describes_the_whole_stack_with_health_checks():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert set(services) == {"web", "worker", "db", "redis", "mail"}
    assert "gunicorn" in services["web"]["command"] and "celery" in services["worker"]["command"]
    assert all("healthcheck" in services[name] for name in ("web", "worker", "db", "redis"))
