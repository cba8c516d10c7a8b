# The two commands: `make run` (the portal on http://127.0.0.1:8000/ with demo data) and
# `make test` (the whole suite on PostgreSQL, Redis and Chromium). Both set themselves up.
VENV := .venv
PY := $(VENV)/bin/python
TEST_ENV := DEBUG=1 DEV_IDP_ENABLED=1 SECRET_KEY=test-only SMS_BACKEND=accounts.sms.LocmemBackend \
	EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal \
	REDIS_URL=redis://127.0.0.1:6379/0 DJANGO_ALLOW_ASYNC_UNSAFE=true

APPS := access accounts portal devidp contactdata chaman ebox

.PHONY: install messages run test bench lint audit lock makemessages

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

test: install
	scripts/ensure-services
	$(MAKE) messages
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(MAKE) lint
	$(TEST_ENV) $(VENV)/bin/mypy $(APPS)
	$(PY) scripts/audit-dependencies
	$(TEST_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(TEST_ENV) $(PY) -m pytest

# The benchmark (docs/benchmarks.md): production settings on PostgreSQL, gunicorn, wrk, a Celery
# worker. A tiny run of it is part of `make test`.
bench: messages
	scripts/ensure-services
	$(PY) -m bench

# Static analysis: ruff (lint and format), djLint on the templates, bandit (no medium or high).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint --profile django
	$(VENV)/bin/bandit -q -r $(APPS) -x '*/migrations/*' --severity-level medium

audit: install
	$(PY) scripts/audit-dependencies

makemessages: install
	for lang in fr nl de en; do DEBUG=1 $(PY) manage.py makemessages -l $$lang --ignore=.venv --ignore=tests --no-obsolete; done

lock: install
	cd requirements && ../$(VENV)/bin/pip install -q uv && ../$(VENV)/bin/uv pip compile -q --generate-hashes --python-version 3.12 base.in -o base.txt && ../$(VENV)/bin/uv pip compile -q --generate-hashes --python-version 3.12 dev.in -o dev.txt
