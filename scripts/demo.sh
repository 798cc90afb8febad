#!/usr/bin/env bash
# The main job end to end on a dataset folder (default ../shared/flickr8k). Each stage writes files
# under work/ that can be opened on their own (NumPy for .npy, a text editor for the rest).
set -euo pipefail
cd "$(dirname "$0")/.."
DATASET=${1:-../shared/flickr8k}
BIN=.build/release/crossmodal
[ -d "$DATASET" ] || [ -f "$DATASET" ] || { echo "demo: no dataset at $DATASET (pass DATASET=path)" >&2; exit 1; }
mkdir -p work/features

echo "== 1. dataset summary"
"$BIN" dataset inspect "$DATASET"
"$BIN" dataset inspect "$DATASET" --json > work/dataset.json

echo
echo "== 2. features (cached: a rerun on unchanged data is instant)"
for split in train dev; do
  "$BIN" embed images "$DATASET" --split "$split" --out "work/features/$split-efficientnet-lite0.npy"
  for encoder in minilm glove-mean; do
    "$BIN" embed texts "$DATASET" --split "$split" --encoder "$encoder" --out "work/features/$split-$encoder.npy"
  done
done

echo
echo "== 3. Doc2Vec on the train captions, and each caption's 200 nearest"
# --dbow-words: the GRU text tower starts from these word vectors, so they must be trained too.
"$BIN" doc2vec train "$DATASET" --split train --dbow-words --out work/doc2vec
"$BIN" doc2vec infer work/doc2vec --text "a dog runs through the snow"
"$BIN" neighbors --doc2vec work/doc2vec --k 200 --out work/neighbors.safetensors --same-image-rate 10

echo
echo "== 4. the joint embedding, thomas2020 preset (DEMO_EPOCHS=${DEMO_EPOCHS:=3} epochs; about 100 s each with the GRU text tower)"
"$BIN" train "$DATASET" --preset thomas2020 --out work/runs/thomas2020 --neighbors work/neighbors.safetensors \
  --doc2vec work/doc2vec --epochs "$DEMO_EPOCHS"

echo
echo "== 5. evaluation on dev, the joint-space embeddings, and a report to look at"
"$BIN" evaluate work/runs/thomas2020 "$DATASET" --split dev
"$BIN" evaluate work/runs/thomas2020 "$DATASET" --split dev --json > work/evaluation.json
"$BIN" export work/runs/thomas2020 "$DATASET" --split dev --out work/export
"$BIN" report work/runs/thomas2020 --dataset "$DATASET" --split dev --out work/report.html

echo
echo "== 6. a searchable index of dev (catalogue + vectors + the run's model), searched from the command line"
"$BIN" index build work/runs/thomas2020 "$DATASET" --split dev --out work/index --replace  # the demo's own index, rebuilt each time
"$BIN" search work/index --text "a dog runs through the snow" -k 5

echo
echo "demo: done. In work/: dataset.json, features/*.npy (+ .ids.txt), doc2vec/, neighbors.safetensors,"
echo "      runs/thomas2020/ (config.json, metrics.jsonl, best.safetensors), evaluation.json, export/, index/"
echo "report: $(pwd)/work/report.html"
echo "search service: $BIN serve work/index   (then open http://127.0.0.1:8080/)"
# Offer to serve when a person is at the terminal; DEMO_SERVE=1 serves without asking.
answer=${DEMO_SERVE:-}
if [ -z "$answer" ] && [ -t 0 ]; then
  read -r -t 60 -p "serve it now at http://127.0.0.1:8080/ ? [y/N] " answer || true
fi
case "$answer" in
  y | Y | yes | 1) exec "$BIN" serve work/index --port 8080 ;;
esac
