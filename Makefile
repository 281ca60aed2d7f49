# Walkup: `make run` to try it, `make test` to test it. Nothing else to install but Python 3.11+.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint format worker beat serve messages audit bench clean rehearse rehearse-short

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

# Periodic tasks (alerts, listing expiry, the sweeps) run inline beside the server: no Redis.
# The three processes share a cache folder (view counters, city reports), as they would Redis.
run: export LOCAL_CACHE_DIR ?= $(CURDIR)/$(VENV)/cache
run: $(VENV)/.runtime-installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py run_beat_inline & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.dev-installed
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: $(VENV)/.runtime-installed
	$(BIN)/celery -A marketplace worker --loglevel=INFO --concurrency=2

beat: $(VENV)/.runtime-installed
	$(BIN)/celery -A marketplace beat --loglevel=INFO --schedule=$(VENV)/celerybeat-schedule

# Production-style serving: set DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL first.
# DEBUG is read by the settings themselves (unset means on), so make and Django cannot disagree.
serve: $(VENV)/.runtime-installed
	@DJANGO_SETTINGS_MODULE=marketplace.settings $(BIN)/python -c 'import sys; \
	  from django.conf import settings; settings.DEBUG and sys.exit( \
	  "make serve is for production, and DEBUG is on (it is unless DEBUG=0 is set). " \
	  "Set DEBUG=0, SECRET_KEY and ALLOWED_HOSTS first, or try Walkup with make run.")'
	$(BIN)/python manage.py collectstatic --no-input
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/gunicorn marketplace.wsgi --bind $(HOST):$(PORT) --workers 3 --access-logfile -

# Needs GNU gettext; the compiled .mo files are committed, so nothing else does.
messages: $(VENV)/.dev-installed
	$(BIN)/python manage.py makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'bench/*' --ignore 'tests/*' --no-obsolete --no-location
	$(BIN)/python manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

audit: $(VENV)/.dev-installed
	$(BIN)/pip-audit --requirement requirements-dev.txt --progress-spinner off

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/listings_search.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

# The production shape on this machine under load and faults, with figures (docs/deploy.md).
# Needs root (installs nginx if missing, runs PostgreSQL as the postgres user).
rehearse: $(VENV)/.runtime-installed
	$(BIN)/python ops/rehearse.py --minutes $(or $(MINUTES),10)

rehearse-short: $(VENV)/.runtime-installed
	$(BIN)/python ops/rehearse.py --minutes 3
