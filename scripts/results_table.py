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
    records = [json.loads(line) for line in open(folder / "metrics.jsonl")] if (folder / "metrics.jsonl").exists() else []
    return (max(records, key=lambda r: r["rsum"]) if records else None), len(records)


def main():
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
