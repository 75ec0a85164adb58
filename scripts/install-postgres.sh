#!/usr/bin/env bash
# Install Debian's PostgreSQL server for the service tests (idempotent; quick when installed).
# The tests start a throwaway cluster of their own; nothing is started here.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "PostgreSQL is not installed; as root: apt-get update && apt-get install -y postgresql" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
