#!/usr/bin/env python3
"""Writes a synthetic text corpus as a crossmodal JSON Lines dataset, for Doc2Vec benchmarks.

Words follow a Zipf law over a 20,000-word vocabulary of made-up lower-case words (none is an English
stop word or shorter than 4 letters, so preprocessing keeps them all); documents have 30–70 words.
Every record points at one placeholder image, since only the texts matter here.
Usage: make_synthetic_corpus.py OUT_DIR [--words 1000000] [--seed 7]
"""
import argparse
import json
import random
from pathlib import Path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    letters = "bcdfghjklmnpqrstvwxz"
    vowels = "aeiou"
    vocabulary = set()
    while len(vocabulary) < 20_000:
        vocabulary.add("".join(rng.choice(letters) + rng.choice(vowels) for _ in range(rng.randint(2, 4))))
    vocabulary = sorted(vocabulary)
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    out = Path(args.out)
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "images" / "placeholder.jpg").write_bytes(b"not an image; texts only")
    written = 0
    with open(out / "corpus.jsonl", "w") as f:
        while written < args.words:
            length = rng.randint(30, 70)
            words = rng.choices(vocabulary, weights=weights, k=length)
            f.write(json.dumps({"image": "images/placeholder.jpg", "text": " ".join(words), "split": "train"}) + "\n")
            written += length
    print(f"{written} words in {out / 'corpus.jsonl'}")


if __name__ == "__main__":
    main()
