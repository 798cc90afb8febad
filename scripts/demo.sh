#!/usr/bin/env bash
# The main job end to end on a dataset folder (default ../shared/flickr8k). Each stage writes files
# under work/ that can be opened on their own; later stages are added as they land.
set -euo pipefail
cd "$(dirname "$0")/.."
DATASET=${1:-../shared/flickr8k}
BIN=.build/release/crossmodal
[ -d "$DATASET" ] || [ -f "$DATASET" ] || { echo "demo: no dataset at $DATASET (pass DATASET=path)" >&2; exit 1; }
mkdir -p work

echo "== 1. dataset summary"
"$BIN" dataset inspect "$DATASET"
"$BIN" dataset inspect "$DATASET" --json > work/dataset.json
echo
echo "demo: done; the dataset summary is in work/dataset.json"
