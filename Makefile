# The two commands: `make run` (the portal on http://127.0.0.1:8000/ with demo data) and
# `make test` (the whole suite on PostgreSQL, Redis and Chromium). Both set themselves up.
VENV := .venv
PY := $(VENV)/bin/python
# The test settings (tests/settings.py) fill in the test environment where a variable is unset:
# `make test DATABASE_URL=... REDIS_URL=...` runs on other services. Plain `pytest` reads them too.
TEST_ENV := DJANGO_SETTINGS_MODULE=tests.settings

# Python writes its bytecode caches (__pycache__/, ignored by git) even where the environment says
# not to: every process the suite starts (pytest's two, gunicorn, Celery, manage.py, the benchmark)
# would otherwise compile the project and rewrite the tests' assertions anew, 8 s for each of pytest's.
export PYTHONDONTWRITEBYTECODE :=

APPS := access accounts portal devidp contactdata chaman ebox decisions imports provisioning mandates

.PHONY: install messages run check test bench lint types audit lock makemessages

install: $(VENV)/.installed

$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements/base.txt -r requirements/dev.txt
	touch $@

# Compiled translations are built, not committed.
messages: install
	@command -v msgfmt >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq gettext >/dev/null)
	DEBUG=1 $(PY) manage.py compilemessages -v0 --ignore=.venv

run: messages
	DEBUG=1 $(PY) manage.py migrate -v0
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 DEV_IDP_ENABLED=1 $(PY) manage.py runserver 127.0.0.1:8000

# Lint, types and the dependency audit: no services, no tests.
check: lint types audit

# The checks at once: ruff, mypy and the audit (which mostly waits on the network) each keep one core busy.
test: install
	$(MAKE) --jobs=3 --output-sync=target check
	scripts/ensure-services
	$(MAKE) messages
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) manage.py collectstatic --noinput -v0
	# Two processes (pytest-xdist).
	$(PY) -m pytest -n 2

# The benchmark (docs/benchmarks.md): production settings on PostgreSQL, gunicorn, wrk, a Celery
# worker. A tiny run of it is part of `make test`. `make bench SCALE=national` measures the same
# inside a country's worth of data (about 20 minutes and 13 GiB of disk: docs/benchmarks.md);
# FRACTION=0.01 loads a hundredth of it.
SCALE ?= standard
FRACTION ?= 1
bench: messages
	scripts/ensure-services
	$(PY) -m bench --scale $(SCALE) --fraction $(FRACTION)

# Static analysis: ruff (lint and format), the direction of imports between and inside the apps
# (import-linter, contracts in pyproject.toml), djLint on the templates, bandit (no medium or high).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo
	$(VENV)/bin/djlint templates --lint --profile django
	$(VENV)/bin/bandit -q -r $(APPS) -x '*/migrations/*' --severity-level medium

types: install
	$(VENV)/bin/mypy $(APPS) bench tests

audit: install
	$(PY) scripts/audit-dependencies

makemessages: install
	for lang in fr nl de en; do DEBUG=1 $(PY) manage.py makemessages -l $$lang --ignore=.venv --ignore=tests --no-obsolete; done

lock: install
	cd requirements && ../$(VENV)/bin/pip install -q uv && ../$(VENV)/bin/uv pip compile -q --generate-hashes --python-version 3.12 base.in -o base.txt && ../$(VENV)/bin/uv pip compile -q --generate-hashes --python-version 3.12 dev.in -o dev.txt
