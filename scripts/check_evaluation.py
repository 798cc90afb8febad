#!/usr/bin/env python3
"""Independent NumPy check of `crossmodal evaluate --json` on the embeddings `crossmodal export` wrote.

usage: check_evaluation.py EXPORT_DIR EVALUATION_JSON [--tolerance 1e-6]

Recomputes every retrieval metric from images.npy / texts.npy (and their ids) with a full score matrix
and a stable argsort, and fails when any number differs from the JSON by more than the tolerance.
"""
import json
import sys
from pathlib import Path

import numpy as np


def load(folder: Path, name: str):
    vectors = np.load(folder / f"{name}.npy")
    ids = (folder / f"{name}.ids.txt").read_text().splitlines()
    assert vectors.shape[0] == len(ids), f"{name}: {vectors.shape[0]} rows, {len(ids)} ids"
    return vectors, ids


def direction(scores: np.ndarray, relevant: list, k: int) -> dict:
    """Metrics of queries (rows of scores) against a gallery (columns), ties in gallery order."""
    firsts, map_r = [], []
    for row, items in zip(scores, relevant):
        if not items:
            continue
        order = np.argsort(-row, kind="stable")
        position = np.empty_like(order)
        position[order] = np.arange(len(order))
        ranks = np.sort(position[items])
        firsts.append(ranks[0])
        r = len(items)
        hits = [(found + 1) / (rank + 1) for found, rank in enumerate(ranks) if rank < r]
        map_r.append(sum(hits) / r)
    firsts = np.array(firsts)
    return {
        "queries": len(firsts),
        "recallAt1": 100 * np.mean(firsts < 1),
        "recallAt5": 100 * np.mean(firsts < 5),
        "recallAt10": 100 * np.mean(firsts < 10),
        "medianRank": float(np.median(firsts + 1)),
        "meanRank": float(np.mean(firsts + 1)),
        "mapAtK": float(np.mean(np.where(firsts < k, 1.0 / (firsts + 1), 0.0))),
        "mapAtR": float(np.mean(map_r)),
    }


def main() -> int:
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    tolerance = float(sys.argv[sys.argv.index("--tolerance") + 1]) if "--tolerance" in sys.argv else 1e-6
    if len(arguments) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    folder, summary = Path(arguments[0]), json.loads(Path(arguments[1]).read_text())
    report = summary["retrieval"]
    k = report["imageToText"]["k"]
    manifest = json.loads((folder / "manifest.json").read_text())
    spaces = manifest["spaces"]
    i2t_dir = folder / spaces[0]
    t2i_dir = folder / spaces[-1]

    images, image_ids = load(i2t_dir, "images")
    texts, caption_ids = load(i2t_dir, "texts")
    row_of = {image: row for row, image in enumerate(image_ids)}
    caption_image = np.array([row_of[c.rsplit("#", 1)[0]] for c in caption_ids])
    captions_of = [[] for _ in image_ids]
    for caption, image in enumerate(caption_image):
        captions_of[image].append(caption)
    # Unnormalised squared-L2 runs rank by distance (report["metric"]): scores are minus squared distances,
    # computed here directly rather than through crossmodal's appended column.
    euclidean = report.get("metric") == "squaredEuclidean"

    def scores(queries, gallery):
        if euclidean:
            q, g = queries.astype(np.float64), gallery.astype(np.float64)
            return -((q * q).sum(1)[:, None] + (g * g).sum(1)[None, :] - 2 * q @ g.T)
        return queries.astype(np.float32) @ gallery.T.astype(np.float32)

    expected = {"imageToText": direction(scores(images, texts), captions_of, k)}
    images2, _ = load(t2i_dir, "images")
    texts2, _ = load(t2i_dir, "texts")
    expected["textToImage"] = direction(scores(texts2, images2), [[i] for i in caption_image], k)

    failures = 0
    for name, metrics in expected.items():
        for key, value in metrics.items():
            got = report[name][key]
            ok = abs(got - value) <= tolerance
            failures += not ok
            print(f"{name}.{key}: crossmodal {got!r} numpy {value!r}{'' if ok else '  MISMATCH'}")
    rsum = sum(expected[d][f"recallAt{c}"] for d in expected for c in (1, 5, 10))
    ok = abs(report["rsum"] - rsum) <= tolerance
    failures += not ok
    print(f"rsum: crossmodal {report['rsum']!r} numpy {rsum!r}{'' if ok else '  MISMATCH'}")
    # Spread in the image→text space: mean norm and mean distance to the centroid, in float64.
    for name, x in (("images", images), ("texts", texts)):
        if "spread" not in summary:
            break
        x = x.astype(np.float64)
        got = summary["spread"][name]
        for key, value in (("meanNorm", np.linalg.norm(x, axis=1).mean()),
                           ("meanDistanceToCentroid", np.linalg.norm(x - x.mean(axis=0), axis=1).mean())):
            ok = abs(got[key] - value) <= tolerance * max(1.0, abs(value))
            failures += not ok
            print(f"spread.{name}.{key}: crossmodal {got[key]!r} numpy {value!r}{'' if ok else '  MISMATCH'}")
    print("agree" if failures == 0 else f"{failures} value(s) differ by more than {tolerance}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
