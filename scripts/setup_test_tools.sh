#!/usr/bin/env bash
# What the tests need beyond `make setup`: headless Chromium (the report and the search page are
# checked in a real browser) and the EfficientNet-Lite2 parity reference, made with the public PyTorch
# implementation in a virtual environment of its own. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
install_chromium() {
  command -v chromium >/dev/null && return
  echo "setup: installing chromium from Debian (for the browser tests)"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: need root to install chromium; the browser tests will be skipped" >&2; return
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
}
install_chromium
if [ -d ../shared/flickr8k/images ]; then bash scripts/lite2_reference.sh; fi
