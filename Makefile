# The two commands: `make demo` (embedded mode, SQLite, no external service) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
export RESONANZ_DATA_DIR ?= $(CURDIR)/var/demo

.PHONY: demo test test-fast install install-dev lint types lock bench screenshots clean

$(BIN)/uv:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.runtime: $(BIN)/uv requirements.lock pyproject.toml
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock -r requirements-dev.lock
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## The main job: set up, load the demo workspace, serve on 127.0.0.1:$(PORT) with the worker in-process.
## Live traffic beside it: the fake X and Facebook platforms (ports 8101, 8102) and new messages on the
## other demo channels (forum, e-mail, app, phone) keep customers writing.
# The fake X and Facebook listen on 127.0.0.1: the server may call them (outbound calls to internal
# addresses are refused otherwise, docs/security-outbound.md).
demo: export RESONANZ_OUTBOUND_ALLOWED_HOSTS ?= 127.0.0.1
demo: install
	$(BIN)/resonanz init --workspace "Netzwelt Kommunikation"
	$(BIN)/resonanz demo --if-empty
	$(BIN)/resonanz fakeplatform x --port 8101 --connect --chatter 20 & x=$$!; \
	$(BIN)/resonanz fakeplatform facebook --port 8102 --connect --chatter 30 \
	  --resonanz-url http://127.0.0.1:$(PORT) & fb=$$!; \
	$(BIN)/resonanz demo --if-empty --live 15 --verbosity 0 & live=$$!; \
	trap 'kill $$x $$fb $$live 2>/dev/null' EXIT INT TERM; \
	PORT=$(PORT) $(BIN)/resonanz run

## Lint, types and the whole suite (SQLite and PostgreSQL, scale-out with Redis, browser tests).
test: install-dev
	bash scripts/test.sh

## The inner loop: lint, layers and the SQLite suite without the slow, browser and scale-out tests (< 2 min).
test-fast: install-dev
	$(BIN)/ruff check resonanz tests bench conftest.py
	$(BIN)/lint-imports
	RESONANZ_DATA_DIR=$(CURDIR)/var/test OMP_NUM_THREADS=1 HYPOTHESIS_PROFILE=dev \
	  $(BIN)/pytest --create-db -n 2 --dist worksteal -m "not scaleout and not e2e and not slow" tests

lint: install-dev
	$(BIN)/ruff check resonanz tests bench conftest.py
	$(BIN)/ruff format --check resonanz tests bench conftest.py

types: install-dev
	$(BIN)/mypy resonanz

lock: $(BIN)/uv
	$(BIN)/uv pip compile --quiet requirements.in -o requirements.lock --python-version 3.11
	$(BIN)/uv pip compile --quiet requirements-dev.in -o requirements-dev.lock --python-version 3.11

bench: install-dev
	$(BIN)/python bench/ingest.py --mode embedded

clean:
	rm -rf var .mypy_cache .ruff_cache

## Refresh docs/img/*.png from the demo data in a real Chromium.
screenshots: install-dev
	RESONANZ_SCREENSHOTS=1 $(BIN)/pytest -m e2e tests/e2e/test_screenshots.py
