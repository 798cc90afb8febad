#!/usr/bin/env python3
"""gensim's Doc2Vec on the same documents and settings as `crossmodal bench doc2vec`, for comparison.

Usage (in a virtual environment with gensim 4.4):
    python scripts/bench_gensim_doc2vec.py DATASET [--preset reference|captions] [--workers 1 2]
DATASET is a Flickr-layout folder (train captions) or a folder with corpus.jsonl (all texts).
Preprocessing repeats crossmodal's: strip tags, lower-case, non-alphanumerics to spaces, gensim's
stop words, tokens of 3+ characters. Only training is timed; words/s = in-vocabulary words × epochs / s.
"""
import argparse
import json
import re
import time
from pathlib import Path

from gensim.models.doc2vec import Doc2Vec, TaggedDocument
from gensim.parsing.preprocessing import STOPWORDS


def tokens(text):
    text = re.sub(r"<[^>]*>", " ", text).lower()
    return [t for t in re.split(r"[^\w]|_", text) if t and t not in STOPWORDS and len(t) >= 3]


def load(dataset):
    dataset = Path(dataset)
    if (dataset / "corpus.jsonl").exists():
        return [json.loads(line)["text"] for line in open(dataset / "corpus.jsonl")]
    train = set((dataset / "Flickr_8k.trainImages.txt").read_text().split())
    texts = []
    for line in (dataset / "Flickr8k.token.txt").read_text().splitlines():
        key, text = line.split("\t", 1)
        if key.split("#")[0] in train:
            texts.append(text)
    return texts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("--preset", default="reference", choices=["reference", "captions"])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--epochs", type=int)
    args = parser.parse_args()
    settings = dict(dm=1, dm_mean=1, vector_size=200, window=20, min_count=20, epochs=20, negative=5, hs=0,
                    sample=1e-3, alpha=0.025, min_alpha=0.0001)
    if args.preset == "captions":
        settings.update(dm=0, window=5, min_count=2, epochs=100, alpha=0.05)
    if args.epochs:
        settings["epochs"] = args.epochs
    documents = [TaggedDocument(tokens(t), [i]) for i, t in enumerate(load(args.dataset))]
    for workers in args.workers:
        model = Doc2Vec(workers=workers, seed=1, **settings)
        model.build_vocab(documents)
        words = sum(model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key) * model.epochs
        start = time.perf_counter()
        model.train(documents, total_examples=len(documents), epochs=model.epochs)
        seconds = time.perf_counter() - start
        mode = "pv-dm" if settings["dm"] else "pv-dbow"
        print(f"gensim {mode} workers={workers} docs={len(documents)} words×epochs={words} seconds={seconds:.2f} words/s={words / seconds:,.0f}")


if __name__ == "__main__":
    main()
