#!/usr/bin/env bash
# Set up, then run every gate: lint, format, types, knowledge-base check, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev,eval,service,web
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
.venv/bin/hipdx kb check
.venv/bin/python -m pytest
