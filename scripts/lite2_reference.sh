#!/usr/bin/env bash
# Makes the EfficientNet-Lite2 parity test's reference outputs (.cache/reference/lite2) with the public
# PyTorch implementation, in a virtual environment of its own (.cache/reference-venv). Idempotent.
#
#   scripts/lite2_reference.sh [IMAGES_DIR]      (default ../shared/flickr8k/images)
set -euo pipefail
cd "$(dirname "$0")/.."
images=${1:-../shared/flickr8k/images}
out=.cache/reference/lite2
[ -f "$out/reference.json" ] && exit 0
venv=.cache/reference-venv
if ! "$venv/bin/python" -c "import torch, efficientnet_lite_pytorch, PIL, numpy" 2>/dev/null; then
  echo "setup: creating $venv (torch CPU and efficientnet-lite-pytorch, for the Lite2 parity reference)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "torch==2.13.0+cpu" "efficientnet-lite-pytorch==0.1.0" "numpy==2.4.6" pillow
fi
"$venv/bin/python" scripts/make_lite2_reference.py "$images" .cache/models "$out"
