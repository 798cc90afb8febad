#!/usr/bin/env bash
# What the tests need beyond `make setup`: headless Chromium (the report and the search page are
# checked in a real browser). Idempotent.
set -euo pipefail
if ! command -v chromium >/dev/null; then
  echo "setup: installing chromium from Debian (for the browser tests)"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: need root to install chromium; the browser tests will be skipped" >&2; exit 0
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
