#!/usr/bin/env bash
# Load-tests `crossmodal serve` with wrk on loopback: 64 connections for 30 s, text queries.
# usage: scripts/bench_serve.sh INDEX DATASET [SPLIT]
#   1. one repeated query (its embedding comes from the server's cache after the first request)
#   2. distinct queries: the SPLIT's captions (default dev) in random order, so the text encoder runs
# Prints wrk's latency distribution and the server's resident memory before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
index=${1:?usage: scripts/bench_serve.sh INDEX DATASET [SPLIT]}
dataset=${2:?usage: scripts/bench_serve.sh INDEX DATASET [SPLIT]}
split=${3:-dev}
BIN=.build/release/crossmodal
PORT=${PORT:-8199}
command -v wrk >/dev/null || { echo "bench_serve: installing wrk from Debian" >&2; apt-get install -y -qq wrk >/dev/null; }
queries=$(mktemp)
trap 'kill $server 2>/dev/null || true; rm -f "$queries"' EXIT
# The captions of the split, one per line (from the dataset's own caption file via `dataset inspect`-free parsing).
python3 - "$dataset" "$split" >"$queries" <<'PY'
import sys, pathlib
root, split = pathlib.Path(sys.argv[1]), sys.argv[2]
ids = set((root / f"Flickr_8k.{split}Images.txt").read_text().split())
for line in (root / "Flickr8k.token.txt").read_text().splitlines():
    key, _, text = line.partition("\t")
    if key.split("#")[0] in ids and text.strip():
        print(text.strip())
PY
"$BIN" serve "$index" --port "$PORT" >/tmp/bench_serve.log 2>&1 &
server=$!
for _ in $(seq 100); do grep -q serving /tmp/bench_serve.log && break; sleep 0.2; done
rss() { awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$server/status"; }
curl -s "http://127.0.0.1:$PORT/api/search?text=warm%20up&k=10" >/dev/null
echo "server resident memory before: $(rss) ($(wc -l <"$queries") distinct queries available)"
echo "== one repeated text query"
wrk -t 2 -c 64 -d 30s --latency "http://127.0.0.1:$PORT/api/search?text=a%20dog%20runs%20through%20the%20snow&k=10"
echo "server resident memory: $(rss)"
echo "== distinct text queries (the $split captions in random order)"
QUERIES=$queries wrk -t 2 -c 64 -d 30s --latency -s scripts/wrk_text_queries.lua "http://127.0.0.1:$PORT"
echo "server resident memory after: $(rss)"
