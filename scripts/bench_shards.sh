#!/usr/bin/env bash
# Embedding throughput with 1, 2 and 4 workers sharing one PostgreSQL work table (docs/benchmarks.md):
# IMAGES photos of a Flickr8k folder packed into WebDataset shards, then `embed images --into` with W workers at
# once, for each W. Prints images/s per W.
#
#   scripts/bench_shards.sh [FLICKR8K] [IMAGES] [WORKERS...]      (defaults: ../shared/flickr8k 400 1 2 4)
set -euo pipefail
cd "$(dirname "$0")/.."
flickr=${1:-../shared/flickr8k}; images=${2:-400}; shift 2 2>/dev/null || true
workers=("$@"); [ $# -eq 0 ] && workers=(1 2 4)
bin=${CROSSMODAL_BIN:-.build/release/crossmodal}
work=$(mktemp -d); chmod 755 "$work"; trap 'bash scripts/postgres.sh stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
python3 - "$flickr" "$work/shards" "$images" <<'PY'
import io, os, sys, tarfile
flickr, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(out)
captions = {}
for line in open(os.path.join(flickr, "Flickr8k.token.txt"), encoding="utf-8"):
    key, _, text = line.rstrip("\n").partition("\t")
    captions.setdefault(key.split("#")[0], text)
names = [n.strip() for n in open(os.path.join(flickr, "Flickr_8k.trainImages.txt")) if n.strip()][:count]
for start in range(0, len(names), 100):
    with tarfile.open(os.path.join(out, "%05d.tar" % (start // 100)), "w") as shard:
        for i, name in enumerate(names[start:start + 100]):
            key = "%09d" % (start + i)
            shard.add(os.path.join(flickr, "images", name), arcname=key + ".jpg")
            data = captions.get(name, "a photo").encode()
            info = tarfile.TarInfo(key + ".txt"); info.size = len(data); shard.addfile(info, io.BytesIO(data))
PY
url=$(bash scripts/postgres.sh start "$work/pg" "$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')")
for w in "${workers[@]}"; do
  table="bench_w$w"
  start=$(date +%s.%N)
  for i in $(seq 0 $((w - 1))); do
    "$bin" embed images "$work/shards" --split all --into "$url" --table "$table" --batch-size 16 --shard "$i/$w" > "$work/w$w-$i.log" 2>&1 &
  done
  wait
  end=$(date +%s.%N)
  python3 -c "import sys; w, n, s = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[4]) - float(sys.argv[3]); print(f'{w} worker(s): {n} images in {s:.1f} s, {n / s:.1f} images/s')" "$w" "$images" "$start" "$end"
done
