# personvern: everything starts here. `make demo` and `make test` need only
# Python 3.11, make and the package registries.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/personvern
export PERSONVERN_VAR_DIR ?= $(CURDIR)/var

.PHONY: install messages migrate demo serve worker test test-sqlite test-postgres sysdeps services bench clean

install: $(STAMP) messages migrate

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e . 2>/dev/null || $(BIN)/python -m pip install -q --no-deps -e .
	@touch $@

# The English catalogues: .mo files are built, never committed, so every
# target that serves or tests pages needs this first.
messages: $(STAMP)
	@command -v msgfmt >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }
	cd src/personvern && PERSONVERN_DEV=1 ../../$(BIN)/personvern compilemessages -v0

migrate: $(STAMP) messages
	@mkdir -p $(PERSONVERN_VAR_DIR)
	PERSONVERN_DEV=1 $(BIN)/personvern migrate --noinput -v0

# Loads the five example organisations and a small shop database, prints the
# demo login, and serves web + background worker on http://127.0.0.1:8000
demo: install
	DEBUG=1 $(BIN)/personvern demo
	DEBUG=1 PERSONVERN_ORG_CREATION=members $(BIN)/personvern serve 127.0.0.1:8000

# Debian packages the tests use (Chromium for browser tests); root on CI.
sysdeps:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -d node_modules/axe-core || npm ci --no-audit --no-fund --silent

# PostgreSQL and MariaDB: start them if they are not running.
services:
	@bash scripts/ensure-services

test: $(STAMP) messages sysdeps services test-sqlite test-postgres

test-sqlite:
	$(BIN)/python -m pytest

test-postgres:
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -m "not browser" --ignore=tests/connectors -p no:cacheprovider

bench: install
	@for b in bench/*_bench.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var node_modules .pytest_cache .hypothesis
