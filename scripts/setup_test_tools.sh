#!/usr/bin/env bash
# What the tests need beyond `make setup`: headless Chromium (the report and the search page are
# checked in a real browser), Slurm and munge (a job array runs on a one-host cluster the test starts) and the
# EfficientNet-Lite2 parity reference, made with the public PyTorch implementation in a virtual environment of
# its own. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
install_packages() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium fonts-dejavu-core)
  { command -v slurmctld && command -v slurmd && command -v munged; } >/dev/null || missing+=(slurm-wlm munge)
  [ ${#missing[@]} -eq 0 ] && return
  echo "setup: installing ${missing[*]} from Debian (for the browser and Slurm tests)"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: need root to install ${missing[*]}; run: apt-get install ${missing[*]}" >&2; exit 1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
}
install_packages
if [ -d ../shared/flickr8k/images ]; then bash scripts/lite2_reference.sh; fi
