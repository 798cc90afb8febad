#!/usr/bin/env bash
# The hostile load tests of `crossmodal serve` (docs/benchmarks.md).
#
# Slow heads, bombs and floods: serves INDEX on loopback with the open-file limit at 1,024, runs
# scripts/hostile_load.py against it (2,000 slow-header connections, 16 decompression-bomb and 16 scan-flood
# uploaders, a normal text client), and reports the server's peak memory and whether it is still up and
# answering afterwards.
#
#   scripts/hostile_load.sh INDEX [PHOTO.jpg] [SECONDS]
#
# Slow readers: builds a gallery of one 10 MB photo (random pixels, PNG) and a few small ones with RUN, serves it
# with the open-file limit at 8,192, and has READERS clients (2,000 by default) ask for the large photo and never
# read the answer, for SECONDS (30); prints the server's resident memory before, at its peak and after.
#
#   scripts/hostile_load.sh --slow-readers RUN [READERS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${CROSSMODAL_BIN:-.build/release/crossmodal}
python=python3
[ -x .cache/venv/bin/python ] && python=.cache/venv/bin/python
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

# start_server INDEX FILE_LIMIT: serves INDEX in the background under that open-file limit; sets server and url.
start_server() {
  (ulimit -n "$2"; exec "$bin" serve "$1" --port 0) >"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do grep -q "serving" "$work/serve.log" && break; sleep 0.1; done
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/serve.log" | head -n 1)
  [ -n "$url" ] || { cat "$work/serve.log"; echo "hostile_load: the server did not start" >&2; exit 1; }
  echo "server pid $server at $url (open-file limit $(awk '/Max open files/ {print $4}' /proc/$server/limits))"
}

# report_server: the server's peak memory and one /healthz, or its log when it died.
report_server() {
  if kill -0 "$server" 2>/dev/null; then
    echo "server still up; peak memory (VmHWM) $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' /proc/$server/status)"
    curl -s -o /dev/null -w "healthz after the attack: %{http_code} in %{time_total}s\n" "${url}healthz"
  else
    echo "hostile_load: the server died" >&2
    cat "$work/serve.log" >&2
    exit 1
  fi
}

if [ "${1:-}" = "--slow-readers" ]; then
  run=${2:?usage: scripts/hostile_load.sh --slow-readers RUN [READERS] [SECONDS]}
  readers=${3:-2000}
  seconds=${4:-30}
  [ -x "$bin" ] || swift build -c release --product crossmodal
  mkdir -p "$work/photos"
  "$python" - "$work/photos/large.png" <<'PY'
import os, struct, sys, zlib
width, height = 1900, 1800  # 10.3 MB of random pixels, stored uncompressed
rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
with open(sys.argv[1], "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 0)) + chunk(b"IEND", b""))
PY
  for photo in $(ls ../shared/flickr8k/images/*.jpg | head -n 3); do cp "$photo" "$work/photos/"; done
  "$bin" index build "$run" "$work/photos" --out "$work/index" >/dev/null
  start_server "$work/index" 8192
  echo "large.png: $(stat -c %s "$work/photos/large.png") bytes"
  "$python" scripts/hostile_load.py "$url" --slow-readers "$readers" --image-id large.png --server-pid "$server" --seconds "$seconds"
  report_server
  exit 0
fi

index=${1:?usage: scripts/hostile_load.sh INDEX [PHOTO.jpg] [SECONDS]}
photo=${2:-$(ls ../shared/flickr8k/images/*.jpg | head -n 1)}
seconds=${3:-30}
[ -x "$bin" ] || swift build -c release --product crossmodal
# The server's own limit: 1,024 open files, soft and hard.
start_server "$index" 1024
"$python" scripts/hostile_load.py "$url" "$photo" --seconds "$seconds"
report_server
