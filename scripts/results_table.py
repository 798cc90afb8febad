#!/usr/bin/env python3
"""Prints a Markdown table of the best validation epoch of each run folder.

Usage: python3 scripts/results_table.py runs/NAME [runs/OTHER …]
A run trained with separate directions (triplet-networks) is scored with image→text from its
image-to-text model and text→image from its text-to-image model.
"""
import json
import sys
from pathlib import Path


def best(folder):
    """The epoch the run kept (the last marked best: by rsum, or by validation loss for presets that stop on
    it), and how many epochs ran."""
    records = [json.loads(line) for line in open(folder / "metrics.jsonl")] if (folder / "metrics.jsonl").exists() else []
    kept = [r for r in records if r.get("best")]
    return (kept[-1] if kept else (max(records, key=lambda r: r["rsum"]) if records else None)), len(records)


def ablation(folder):
    """Mean ± standard deviation over seeds of each weight setting's dev evaluation (run_ablation.sh)."""
    import statistics
    groups = {}
    for run in sorted(Path(folder).glob("*-s[0-9]*")):
        file = run / "evaluation.json"
        if file.exists():
            groups.setdefault(run.name.rsplit("-s", 1)[0], []).append(json.loads(file.read_text()))
    columns = [("i2t R@1", lambda e: e["retrieval"]["imageToText"]["recallAt1"]),
               ("R@5", lambda e: e["retrieval"]["imageToText"]["recallAt5"]),
               ("R@10", lambda e: e["retrieval"]["imageToText"]["recallAt10"]),
               ("t2i R@1", lambda e: e["retrieval"]["textToImage"]["recallAt1"]),
               ("R@5", lambda e: e["retrieval"]["textToImage"]["recallAt5"]),
               ("R@10", lambda e: e["retrieval"]["textToImage"]["recallAt10"]),
               ("rsum", lambda e: e["retrieval"]["rsum"]),
               ("med. rank i2t/t2i", None),
               ("preservation@10 captions", lambda e: (e.get("neighborhoodPreservation") or {}).get("text")),
               ("images", lambda e: (e.get("neighborhoodPreservation") or {}).get("image"))]
    print("| weights (seeds) | " + " | ".join(name for name, _ in columns) + " |")
    print("| --- |" + " ---: |" * len(columns))
    for name, runs in groups.items():
        cells = []
        for label, get in columns:
            if get is None:
                i2t = [e["retrieval"]["imageToText"]["medianRank"] for e in runs]
                t2i = [e["retrieval"]["textToImage"]["medianRank"] for e in runs]
                cells.append(f"{statistics.mean(i2t):.1f} / {statistics.mean(t2i):.1f}")
                continue
            values = [v for v in (get(e) for e in runs) if v is not None]
            if not values:
                cells.append("–")
                continue
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            digits = 4 if values[0] < 1 else 1
            cells.append(f"{statistics.mean(values):.{digits}f} ± {spread:.{digits}f}")
        weights = name[1:].replace("_", ",")
        print(f"| {weights} ({len(runs)}) | " + " | ".join(cells) + " |")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--ablation":
        return ablation(sys.argv[2])
    print("| run | best epoch / run | i2t R@1 | R@5 | R@10 | t2i R@1 | R@5 | R@10 | rsum |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in sys.argv[1:]:
        folder = Path(name)
        if (folder / "image-to-text").exists():
            a, na = best(folder / "image-to-text")
            b, nb = best(folder / "text-to-image")
            if a is None or b is None:
                print(f"skipped {folder}: no finished epoch yet", file=sys.stderr)
                continue
            i2t, t2i = a["validation"]["imageToText"], b["validation"]["textToImage"]
            epochs = f"{a['epoch']}/{na}, {b['epoch']}/{nb}"
        else:
            r, n = best(folder)
            if r is None:
                print(f"skipped {folder}: no finished epoch yet", file=sys.stderr)
                continue
            i2t, t2i = r["validation"]["imageToText"], r["validation"]["textToImage"]
            epochs = f"{r['epoch']}/{n}"
        rsum = sum(i2t) + sum(t2i)
        cells = " | ".join(f"{x:.1f}" for x in i2t + t2i)
        print(f"| {folder.name} | {epochs} | {cells} | {rsum:.1f} |")


if __name__ == "__main__":
    main()
