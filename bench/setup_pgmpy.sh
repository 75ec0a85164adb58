#!/usr/bin/env bash
# The venv of bench/bench_pgmpy.py (idempotent). pgmpy 1.1 declares numpy>=2, and pgmpy 1.0 and
# older import torch; hipdx's own venv pins numpy<2 for spaCy 3.7. So pgmpy gets a venv of its
# own, with hipdx's core installed from this checkout without its NLP dependencies (assessing a
# case does not read notes).
set -euo pipefail
cd "$(dirname "$0")/.."
python_bin="${PYTHON:-python3.11}"
command -v "$python_bin" >/dev/null 2>&1 || python_bin=python3
[ -x .venv-pgmpy/bin/python ] || "$python_bin" -m venv .venv-pgmpy
stamp=".venv-pgmpy/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  core=$(grep -E '^(pydantic|pyyaml|typer|rich|simple-icd-10-cm)==' constraints.txt)
  # shellcheck disable=SC2086
  .venv-pgmpy/bin/python -m pip install --quiet "pgmpy==1.1.2" $core
  .venv-pgmpy/bin/python -m pip install --quiet --no-deps -e .
  touch "$stamp"
fi
