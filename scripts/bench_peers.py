#!/usr/bin/env python3
"""The peers' side of scripts/bench_compare.sh: sentence-transformers and faiss on the inputs crossmodal gets.

    bench_peers.py minilm DATASET MODEL_FOLDER [--captions 2000] [--batch 64] [--threads 2] [--repeats 1]
    bench_peers.py knn VECTORS.npy OUT.npy [--k 200] [--threads 2]
    bench_peers.py same-neighbours OURS.safetensors THEIRS.npy

`minilm` encodes the first --captions dev captions (dev images in file order, each image's captions in
order, as `crossmodal bench encoders` takes them) with sentence-transformers from the same model folder
(it sorts by length and pads per batch), and prints captions/s. `knn` is the whole of `crossmodal
neighbors --vectors V --k K` in faiss: read, L2-normalise, an exact inner-product (flat) index, search K+1,
drop each row itself, write the indices; it prints the seconds. `same-neighbours` compares the two
commands' neighbour lists and prints the share of identical rows (ties may order differently).
"""
import argparse
import json
import struct
import sys
import time
from pathlib import Path

import numpy as np


def dev_captions(dataset, count):
    captions = {}
    for line in (Path(dataset) / "Flickr8k.token.txt").read_text().splitlines():
        key, text = line.split("\t", 1)
        captions.setdefault(key.split("#")[0], []).append(text)
    dev = (Path(dataset) / "Flickr_8k.devImages.txt").read_text().split()
    return [c for i in dev for c in captions.get(i, [])][:count]


def minilm(args):
    import torch
    from sentence_transformers import SentenceTransformer
    torch.set_num_threads(args.threads)
    texts = dev_captions(args.dataset, args.captions)
    model = SentenceTransformer(args.model, device="cpu")
    model.encode(texts[: args.batch], batch_size=args.batch)
    seconds = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.encode(texts, batch_size=args.batch)
        seconds = min(seconds, time.perf_counter() - start)
    print(json.dumps({"captions": len(texts), "seconds": seconds, "rate": len(texts) / seconds}))


def knn(args):
    import faiss
    faiss.omp_set_num_threads(args.threads)
    start = time.perf_counter()
    x = np.load(args.vectors).astype(np.float32)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    _, found = index.search(x, args.k + 1)
    rows = np.arange(len(x))[:, None]
    keep = found != rows
    # Drop each row itself (or the last hit when the row was not among its own first K+1).
    out = np.stack([r[m][: args.k] if m.sum() >= args.k else r[: args.k] for r, m in zip(found, keep)])
    np.save(args.out, out.astype(np.int32))
    seconds = time.perf_counter() - start
    print(json.dumps({"rows": len(x), "k": args.k, "seconds": seconds}))


def read_safetensors(path, name):
    data = Path(path).read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    entry = header[name]
    begin, end = entry["data_offsets"]
    dtype = {"I32": np.int32, "F32": np.float32}[entry["dtype"]]
    return np.frombuffer(data[8 + size + begin:8 + size + end], dtype=dtype).reshape(entry["shape"])


def same_neighbours(args):
    ours = read_safetensors(args.ours, "indices")
    theirs = np.load(args.theirs)
    same_sets = np.mean([set(a) == set(b) for a, b in zip(ours, theirs)])
    print(json.dumps({"rows": len(ours), "identical_rows": float(np.mean(np.all(ours == theirs, axis=1))), "same_sets": float(same_sets)}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("minilm")
    p.add_argument("dataset")
    p.add_argument("model")
    p.add_argument("--captions", type=int, default=2000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=1)
    p = sub.add_parser("knn")
    p.add_argument("vectors")
    p.add_argument("out")
    p.add_argument("--k", type=int, default=200)
    p.add_argument("--threads", type=int, default=2)
    p = sub.add_parser("same-neighbours")
    p.add_argument("ours")
    p.add_argument("theirs")
    args = parser.parse_args()
    {"minilm": minilm, "knn": knn, "same-neighbours": same_neighbours}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
