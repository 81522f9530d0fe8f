#!/usr/bin/env bash
# Run a `flask` command against the local run (see README, "Quick start"):
#   bash scripts/flask.sh doctor
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/flask_local.py "$@"
