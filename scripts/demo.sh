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

# The model: by default the photo-search model (open vocabulary: MiniLM text side, EfficientNet-Lite2 with its last
# two blocks fine-tuned, trained on the dataset and, when it lies beside it, NewsImages too); DEMO_MODEL=thomas2020
# trains the first work's faithful preset instead (a GRU over Doc2Vec words: it knows only its captions' words).
DEMO_MODEL=${DEMO_MODEL:-photos}
if [ "$DEMO_MODEL" = thomas2020 ]; then
  echo
  echo "== 3. Doc2Vec on the train captions, and each caption's 200 nearest"
  # --dbow-words: the GRU text tower starts from these word vectors, so they must be trained too.
  "$BIN" doc2vec train "$DATASET" --split train --dbow-words --out work/doc2vec
  "$BIN" doc2vec infer work/doc2vec --text "a dog runs through the snow"
  "$BIN" neighbors --doc2vec work/doc2vec --k 200 --out work/neighbors.safetensors --same-image-rate 10

  echo
  echo "== 4. the joint embedding, thomas2020 preset (DEMO_EPOCHS=${DEMO_EPOCHS:=3} epochs; about 100 s each with the GRU text tower)"
  RUN=work/runs/thomas2020
  "$BIN" train "$DATASET" --preset thomas2020 --out "$RUN" --neighbors work/neighbors.safetensors \
    --doc2vec work/doc2vec --epochs "$DEMO_EPOCHS"
else
  echo
  TRAIN_DATA=$DATASET
  NEWS="$(dirname "$DATASET")/newsimages"
  if [ -d "$NEWS" ] && [ "$(cd "$NEWS" && pwd)" != "$(cd "$DATASET" 2>/dev/null && pwd)" ]; then
    echo "== 3. $DATASET and $NEWS merged into one dataset (each keeps its splits)"
    "$BIN" dataset merge "$DATASET" "$NEWS" --out work/photos-data/pairs.jsonl
    TRAIN_DATA=work/photos-data/pairs.jsonl
  else
    echo "== 3. training on $DATASET alone (no newsimages/ beside it)"
  fi
  echo
  echo "== 4. the photo-search model (DEMO_EPOCHS=${DEMO_EPOCHS:=6} epochs, the best kept; caching the image maps takes"
  echo "      about 10 minutes, then about 4 minutes an epoch on Flickr8k + NewsImages with 2 cores)"
  RUN=work/runs/photos
  "$BIN" train "$TRAIN_DATA" --preset vsepp --image-encoder efficientnet-lite2 --finetune-blocks 2 --patience 3 \
    --epochs "$DEMO_EPOCHS" --out "$RUN"
fi

echo
echo "== 5. evaluation on dev, the joint-space embeddings, and a report to look at"
"$BIN" evaluate "$RUN" "$DATASET" --split dev
"$BIN" evaluate "$RUN" "$DATASET" --split dev --json > work/evaluation.json
"$BIN" export "$RUN" "$DATASET" --split dev --out work/export
"$BIN" report "$RUN" --dataset "$DATASET" --split dev --out work/report.html

echo
echo "== 6. a searchable index of dev (catalogue + vectors + the run's model), searched from the command line"
"$BIN" index build "$RUN" "$DATASET" --split dev --out work/index --replace  # the demo's own index, rebuilt each time
"$BIN" search work/index --text "a dog runs through the snow" -k 5
if [ "$DEMO_MODEL" = thomas2020 ]; then
  # The first work's GRU reads only the words of its training captions: it says it searched without "giraffe"
  # (a query of unknown words alone is refused, and would stop the demo here).
  "$BIN" search work/index --text "a giraffe on the grass" -k 5
else
  "$BIN" search work/index --text "a giraffe" -k 5   # no giraffe in the gallery: "no good match", with the nearest
fi

echo
echo "demo: done. In work/: dataset.json, features/*.npy (+ .ids.txt), ${RUN#work/}/ (config.json, metrics.jsonl,"
echo "      best.safetensors, calibration.json), evaluation.json, export/, index/"
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
