#!/usr/bin/env bash
# Set up a virtualenv and run the whole service locally (see README, "Quick start").
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[local]"
exec .venv/bin/python scripts/run_local.py
