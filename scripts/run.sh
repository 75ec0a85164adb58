#!/usr/bin/env bash
# The main job: set up, then serve the hipdx web page and API on this computer only
# (127.0.0.1) with the embedded SQLite database (./data), and print the address to open.
#   bash scripts/run.sh            set up, bring the database to the current schema, serve
#   bash scripts/run.sh assess     set up, then assess the seed case in the terminal (no server)
# HIPDX_PORT picks the port (default 8000); HIPDX_DATABASE_URL another database.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh eval,service,web
if [ "${1:-serve}" = "assess" ]; then
  .venv/bin/hipdx kb check
  .venv/bin/hipdx assess --case examples/seed_case.json
  .venv/bin/hipdx assess --case examples/seed_case_with_mri.json
  exit 0
fi
port="${HIPDX_PORT:-8000}"
.venv/bin/hipdx db upgrade
echo
echo "hipdx is starting. Open http://127.0.0.1:${port}/ in a browser on this computer."
echo "(The API is under /v1, its documentation at http://127.0.0.1:${port}/docs. Ctrl-C stops.)"
echo
exec .venv/bin/hipdx serve --host 127.0.0.1 --port "$port"
