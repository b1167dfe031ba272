#!/usr/bin/env bash
# `make test`: lint, types, migrations and schema checks, then the suite on SQLite and on PostgreSQL,
# the scale-out tests (PostgreSQL + Redis + Celery workers) and the browser tests (Debian's Chromium).
# A missing service is announced loudly and its part skipped; .ci/run installs everything first.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export RESONANZ_DATA_DIR="${RESONANZ_TEST_DATA_DIR:-$PWD/var/test}"
mkdir -p "$RESONANZ_DATA_DIR"
export PYTHONDONTWRITEBYTECODE=1
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
WORKERS="${TEST_WORKERS:-2}"
# A fresh test database per run: a reused one may hold another branch's migration history (`make test-fast`
# reuses it for speed).
FRESH=--create-db
status=0
loud() { printf '\n\033[1;33m!!! %s\033[0m\n\n' "$*" >&2; }
step() { printf '\n==> %s\n' "$*"; }

step "ruff (lint + format)"
$BIN/ruff check resonanz tests bench conftest.py
$BIN/ruff format --check resonanz tests bench conftest.py

step "import layers (import-linter: .importlinter)"
$BIN/lint-imports

step "mypy --strict"
$BIN/mypy resonanz

step "migrations are up to date"
$BIN/resonanz makemigrations --check --dry-run

step "OpenAPI schema in the repo matches the code"
$BIN/resonanz openapi --check

source scripts/services.sh
ensure_postgres && have_pg=1 || have_pg=0
ensure_redis && have_redis=1 || have_redis=0

step "test suite on SQLite"
$BIN/pytest $FRESH -n "$WORKERS" --dist worksteal -m "not scaleout and not e2e" tests

if [ "$have_pg" = 1 ]; then
  step "test suite on PostgreSQL (the tests that open the database; decision 0015)"
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/resonanz" RESONANZ_TEST_DATABASE_ONLY=1 $BIN/pytest $FRESH -n "$WORKERS" --dist worksteal -m "not scaleout and not e2e" tests
else
  loud "PostgreSQL is not installed: the PostgreSQL run and the scale-out tests are SKIPPED"
  status=0
fi

if [ "$have_pg" = 1 ] && [ "$have_redis" = 1 ]; then
  step "scale-out tests (PostgreSQL + Redis + Celery workers)"
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/resonanz_scaleout" BROKER_URL="redis://127.0.0.1:6379/15" \
    $BIN/pytest $FRESH -m scaleout tests
else
  [ "$have_redis" = 1 ] || loud "Redis is not installed: the scale-out tests are SKIPPED"
fi

if [ -x /usr/bin/chromium ]; then
  step "browser tests (Chromium)"
  # Two workers: a browser test mostly waits (on Chromium, the live server, htmx swaps).
  $BIN/pytest $FRESH -n "$WORKERS" --dist worksteal -m e2e tests/e2e
else
  loud "Chromium (/usr/bin/chromium) is not installed: the browser tests are SKIPPED"
fi
exit $status
