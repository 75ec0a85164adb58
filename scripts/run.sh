#!/usr/bin/env bash
# Set up, then run the main job on the embedded defaults: assess the seed case (shared/seeds/000)
# with the packaged knowledge base.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh eval,service
.venv/bin/hipdx kb check
.venv/bin/hipdx assess --case examples/seed_case.json
.venv/bin/hipdx assess --case examples/seed_case_with_mri.json
