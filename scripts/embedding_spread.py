#!/usr/bin/env python3
"""How spread out exported joint-space embeddings are: a collapsed model puts everything at one point.

usage: embedding_spread.py EXPORT_DIR

For images.npy and texts.npy (from `crossmodal export`): the mean Euclidean norm, the mean distance to
the centroid, and that distance relative to the norm (0 for a collapse to a single point).
"""
import sys
from pathlib import Path

import numpy as np

folder = Path(sys.argv[1])
for name in ("images", "texts"):
    x = np.load(folder / f"{name}.npy").astype(np.float64)
    norm = np.linalg.norm(x, axis=1).mean()
    spread = np.linalg.norm(x - x.mean(axis=0), axis=1).mean()
    print(f"{name}: {x.shape[0]} × {x.shape[1]}, mean norm {norm:.4g}, mean distance to centroid {spread:.4g}, relative {spread / max(norm, 1e-30):.4g}")
