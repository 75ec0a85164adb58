#!/usr/bin/env bash
# Create .venv and install hipdx with everything it needs (idempotent).
# Usage: bash scripts/setup.sh [extras]   e.g. bash scripts/setup.sh dev,eval
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-eval,service,web}"
python_bin="${PYTHON:-python3.11}"
command -v "$python_bin" >/dev/null 2>&1 || python_bin=python3
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv
fi
stamp=".venv/.hipdx-installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)-${extras//,/_}"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[${extras}]"
  touch "$stamp"
fi
