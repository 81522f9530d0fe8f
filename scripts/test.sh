#!/usr/bin/env bash
# Set up a virtualenv, then check formatting, lint, types, and run the test suite.
# Extra arguments go to pytest, e.g. `scripts/test.sh -k webhook -x`;
# `scripts/test.sh -m "not slow"` leaves out the tests that start processes or a browser.
# PostgreSQL: TEST_DATABASE_URL, else 127.0.0.1:5432, else an embedded server. Redis: an
# embedded server of the run's own, unless TEST_REDIS_URL names an (empty) database.
set -euo pipefail
cd "$(dirname "$0")/.."

# The dashboard's browser tests drive Debian's Chromium (never a downloaded browser); a run
# that leaves out the slow tests does not need it.
if [ ! -x /usr/bin/chromium ] && [[ " $* " != *"not slow"* ]]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing chromium (Debian's package, for the browser tests)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    else
        echo "the browser tests need /usr/bin/chromium: sudo apt-get install chromium" \
            "(or run scripts/test.sh -m \"not slow\")" >&2
        exit 1
    fi
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
# Install again only when the dependencies changed since the last run.
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -e "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    rm -f .venv/.installed-*
    touch "$stamp"
fi

echo "== ruff format --check"
.venv/bin/ruff format --check .
echo "== ruff check"
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
# Two processes, each with its own scratch database and Redis, a file's tests in one of them
# (its module fixtures start once); TEST_WORKERS=0 runs them in this one. A TEST_REDIS_URL
# database is one for the whole run: one process then.
workers="${TEST_WORKERS:-2}"
if [ -n "${TEST_REDIS_URL:-}" ]; then
    workers=0
fi
exec .venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
