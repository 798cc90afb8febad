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


# Student's t quantile t(0.975; df) for df = 1 … 30 (beyond, the normal's 1.960 within 0.05).
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def paired(folder, on="w1_1_0.3_0.2", off="w1_1_0_0", effect=2.0):
    """Per-seed differences (neighbour terms on − off) of rsum and preservation@10, their mean and 95% t interval,
    and how many seeds a paired t test needs to detect an rsum effect of `effect` at 80% power with that spread."""
    import math
    import statistics
    runs = {}
    for run in sorted(Path(folder).glob("*-s[0-9]*")):
        file = run / "evaluation.json"
        if file.exists():
            name, seed = run.name.rsplit("-s", 1)
            runs[(name, int(seed))] = json.loads(file.read_text())
    seeds = sorted(seed for (name, seed) in runs if name == on and (off, seed) in runs)
    if not seeds:
        print(f"no seed has both {on} and {off} in {folder}", file=sys.stderr)
        return 1
    measures = [("rsum", lambda e: e["retrieval"]["rsum"]),
                ("preservation@10 captions", lambda e: (e.get("neighborhoodPreservation") or {}).get("text")),
                ("preservation@10 images", lambda e: (e.get("neighborhoodPreservation") or {}).get("image"))]
    print(f"paired over seeds {', '.join(map(str, seeds))} ({on} − {off}):")
    print("| measure | per-seed Δ | mean Δ | 95% interval | seeds to detect Δ rsum = 2 |")
    print("| --- | --- | ---: | --- | ---: |")
    for label, get in measures:
        deltas = []
        for seed in seeds:
            a, b = get(runs[(on, seed)]), get(runs[(off, seed)])
            if a is not None and b is not None:
                deltas.append(a - b)
        if not deltas:
            continue
        digits = 1 if label == "rsum" else 4
        mean = statistics.mean(deltas)
        if len(deltas) > 1:
            sd = statistics.stdev(deltas)
            t = T975[len(deltas) - 2] if len(deltas) - 1 <= len(T975) else 1.960
            half = t * sd / math.sqrt(len(deltas))
            interval = f"[{mean - half:+.{digits}f}, {mean + half:+.{digits}f}]"
            # Normal approximation of a two-sided paired t test at 5%, power 80%: n = ((1.960 + 0.842)·sd / effect)².
            needed = str(max(2, math.ceil(((1.960 + 0.842) * sd / effect) ** 2))) if label == "rsum" else ""
        else:
            interval, needed = "(one seed)", ""
        cells = ", ".join(f"{d:+.{digits}f}" for d in deltas)
        print(f"| {label} | {cells} | {mean:+.{digits}f} | {interval} | {needed} |")
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--ablation":
        return ablation(sys.argv[2])
    if len(sys.argv) == 3 and sys.argv[1] == "--paired":
        return paired(sys.argv[2])
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
    sys.exit(main())
