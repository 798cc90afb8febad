#!/usr/bin/env bash
# The neighbourhood-term ablation of docs/results.md: for each seed, a preset with the objective's weights
# 1,1,0.3,0.2 (L_img and L_text on) and 1,1,0,0 (off), each evaluated on dev.
#
#   scripts/run_ablation.sh DATASET OUT_DIR "PRESET_ARGS" [SEEDS] [EPOCHS]
#   e.g. scripts/run_ablation.sh ../shared/newsimages/pairs.jsonl runs/news-gru "--preset thomas2020" "1 2 3 4 5"
#
# An interrupted script can be started again with the same arguments: finished runs are kept, a part-run one resumes.
# Without EPOCHS each run trains as its preset says (thomas2020: until the validation loss has not fallen for 10
# epochs, at most 999). The end prints the mean ± SD table and the paired differences (on − off, per seed) with
# their 95% interval and the seeds a 2-rsum effect would need at that spread.
set -euo pipefail
cd "$(dirname "$0")/.."
dataset=${1:?dataset}; out=${2:?out}; preset=${3:?preset arguments}; seeds=${4:-1 2 3}; epochs=${5:-}
bin=${CROSSMODAL_BIN:-.build/release/crossmodal}
mkdir -p "$out"
for seed in $seeds; do
  for weights in 1,1,0.3,0.2 1,1,0,0; do
    run="$out/w${weights//,/_}-s$seed"
    [ -f "$run/evaluation.json" ] && continue
    # A run stopped part-way (its last checkpoint is there, its evaluation is not) continues where it stopped;
    # resuming is exact, so the result is the one an uninterrupted run gives.
    resume=(); [ -f "$run/last.safetensors" ] && resume=(--resume)
    # shellcheck disable=SC2086
    "$bin" train "$dataset" $preset --weights "$weights" --seed "$seed" ${epochs:+--epochs "$epochs"} --out "$run" "${resume[@]}" >> "$run.log" 2>&1
    # Runs without the neighbour terms have no Doc2Vec model of their own (MLP towers): measure their
    # neighbourhood preservation against the same seed's model, so both rows share one reference.
    reference="$out/w1_1_0.3_0.2-s$seed/doc2vec"
    extra=()
    [ "$weights" = 1,1,0,0 ] && [ -d "$reference" ] && extra=(--preservation-doc2vec "$reference")
    "$bin" evaluate "$run" "$dataset" --split dev --json "${extra[@]}" > "$run/evaluation.json" 2>> "$run.log"
  done
done
python3 scripts/results_table.py --ablation "$out"
python3 scripts/results_table.py --paired "$out"
