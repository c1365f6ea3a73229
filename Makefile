# vuoro: `make run` serves the demo, `make test` runs the whole suite. Nothing else is needed.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/vuoro
TEST_SQLITE_URL := sqlite:///$(CURDIR)/var/test-base.sqlite3

# The first Python >= 3.12 found: on PATH, then under pyenv.
PYTHON := $(shell for c in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3 \
	$$HOME/.pyenv/versions/3.12*/bin/python3 python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then echo $$c; break; fi; done)

.PHONY: run test lint venv messages chromium bench lock clean openapi

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "vuoro needs Python 3.12 or newer (python3.12 or python3.13 on PATH, or under pyenv)"; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e . 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -c "import django, psycopg, psycopg_pool, playwright, hypothesis" || { echo "the virtual environment is incomplete"; exit 1; }
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Debian's chromium: run 'apt-get install chromium' as root"; exit 1; fi; }

messages: venv
	@command -v msgfmt >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get update -qq && apt-get install -y -qq gettext >/dev/null; \
	  else echo "Translations need GNU gettext: run 'apt-get install gettext' as root"; exit 1; fi; }
	@cd vuoro && ../$(BIN)/vuoro compilemessages -v0 --ignore=.venv --ignore=node_modules

run: venv messages
	$(BIN)/vuoro migrate --noinput -v0
	$(BIN)/vuoro demo
	@echo ""
	@echo "  public pages   http://127.0.0.1:$(PORT)/"
	@echo "  back office    http://127.0.0.1:$(PORT)/admin/"
	@echo "  API docs       http://127.0.0.1:$(PORT)/api/v1/docs"
	@echo "  kiosk, board   http://127.0.0.1:$(PORT)/kiosk/helsinki-malmi/  http://127.0.0.1:$(PORT)/board/helsinki-malmi/"
	@echo "  clerk console  http://127.0.0.1:$(PORT)/console/"
	@echo ""
	@trap 'kill 0' EXIT INT TERM; $(BIN)/vuoro worker & \
	  $(BIN)/vuoro runserver --noreload 127.0.0.1:$(PORT)

lint: venv
	$(BIN)/ruff check .

# The API's OpenAPI schema, as the server gives it at /api/v1/openapi.json, committed under docs/
# (tests/test_docs.py fails while the copy differs from what the code makes).
openapi: venv
	$(BIN)/vuoro export_openapi_schema --api vuoro.api.api --indent 1 --sorted --output docs/openapi.json
	@echo >> docs/openapi.json

test: venv messages node_modules/.installed chromium lint
	@$(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL:postgres://%=postgresql://%)'.rsplit('/', 1)[0] + '/postgres', connect_timeout=5).close()" 2>/dev/null \
	  || { echo "PostgreSQL is unreachable at $(PG_URL): start it (see README) and run make test again"; exit 1; }
	@mkdir -p var
	@echo "== tests on SQLite and on PostgreSQL, side by side (var/test-sqlite.log, var/test-postgresql.log) =="
	@DATABASE_URL=$(TEST_SQLITE_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q --durations=15 --ignore=tests/browser > var/test-sqlite.log 2>&1 & sqlite=$$!; \
	  DATABASE_URL=$(PG_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q --durations=15 --ignore=tests/scheduling \
	    > var/test-postgresql.log 2>&1 & postgresql=$$!; \
	  wait $$sqlite; sqlite_rc=$$?; wait $$postgresql; postgresql_rc=$$?; \
	  echo "== tests on SQLite =="; cat var/test-sqlite.log; \
	  echo "== tests on PostgreSQL =="; cat var/test-postgresql.log; \
	  [ $$sqlite_rc -eq 0 ] && [ $$postgresql_rc -eq 0 ]

bench: venv
	$(BIN)/python bench/availability.py

lock: venv
	$(BIN)/pip freeze --exclude-editable | grep -v "^-e" > requirements.txt

clean:
	rm -rf $(VENV) node_modules var
