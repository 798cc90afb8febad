#!/usr/bin/env bash
# The write load run of docs/benchmarks.md: serves a copy of INDEX with writes on, then runs
# scripts/write_load.py against it (64 search connections, read-only and then while one client adds a
# photo a second and removes one every five), and reports the server's peak memory.
#
#   scripts/write_load.sh INDEX PHOTO_DIR [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
index=${1:?usage: scripts/write_load.sh INDEX PHOTO_DIR [SECONDS] [CONNECTIONS]}
photos=${2:?a folder of photos to add}
seconds=${3:-30}
connections=${4:-64}
bin=${CROSSMODAL_BIN:-.build/release/crossmodal}
[ -x "$bin" ] || swift build -c release --product crossmodal
python=python3
[ -x .cache/venv/bin/python ] && python=.cache/venv/bin/python

work=$(mktemp -d)
cp -r "$index" "$work/index"
token=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
log="$work/serve.log"
"$bin" serve "$work/index" --port 0 --write-token "$token" >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do grep -q "serving" "$log" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" | head -n 1)
[ -n "$url" ] || { cat "$log"; echo "write_load: the server did not start" >&2; exit 1; }
echo "server pid $server at $url on $(nproc) cores"
"$python" scripts/write_load.py "$url" "$token" "$photos" --seconds "$seconds" --connections "$connections"
kill -0 "$server" 2>/dev/null || { cat "$log" >&2; echo "write_load: the server died" >&2; exit 1; }
echo "server still up; peak memory $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' /proc/$server/status)"
