#!/usr/bin/env bash
# Install Debian's chromium for the browser tests, and poppler-utils to look at PDF pages
# (idempotent; quick when installed). Playwright drives /usr/bin/chromium: never run
# `playwright install`, which downloads a browser build of its own.
set -euo pipefail
if [ -x /usr/bin/chromium ] && command -v pdftoppm >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium is not installed; as root: apt-get update && apt-get install -y chromium poppler-utils" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium poppler-utils fonts-dejavu-core \
  libpango-1.0-0 libpangoft2-1.0-0 >/dev/null
