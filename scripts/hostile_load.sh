#!/usr/bin/env bash
# The hostile load test of `crossmodal serve` (docs/benchmarks.md): serves INDEX on loopback with the open-file
# limit at 1,024, runs scripts/hostile_load.py against it (2,000 slow-header connections, 16 decompression-bomb
# and 16 scan-flood uploaders, a normal text client), and reports the server's peak memory and whether it is
# still up and answering afterwards.
#
#   scripts/hostile_load.sh INDEX [PHOTO.jpg] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
index=${1:?usage: scripts/hostile_load.sh INDEX [PHOTO.jpg] [SECONDS]}
photo=${2:-$(ls ../shared/flickr8k/images/*.jpg | head -n 1)}
seconds=${3:-30}
bin=${CROSSMODAL_BIN:-.build/release/crossmodal}
[ -x "$bin" ] || swift build -c release --product crossmodal
python=python3
[ -x .cache/venv/bin/python ] && python=.cache/venv/bin/python

log=$(mktemp)
# The server's own limit: 1,024 open files, soft and hard.
(ulimit -n 1024; exec "$bin" serve "$index" --port 0) >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 300); do grep -q "serving" "$log" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$log" | head -n 1)
[ -n "$url" ] || { cat "$log"; echo "hostile_load: the server did not start" >&2; exit 1; }
echo "server pid $server at $url (open-file limit $(awk '/Max open files/ {print $4}' /proc/$server/limits))"

"$python" scripts/hostile_load.py "$url" "$photo" --seconds "$seconds"

if kill -0 "$server" 2>/dev/null; then
  echo "server still up; peak memory $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' /proc/$server/status)"
  curl -s -o /dev/null -w "healthz after the attack: %{http_code} in %{time_total}s\n" "${url}healthz"
else
  echo "hostile_load: the server died" >&2
  cat "$log" >&2
  exit 1
fi
