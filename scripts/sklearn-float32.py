#!/usr/bin/python3
"""
How much scikit-learn's own mutual information changes when the same features arrive as float32 instead of float64.

    /usr/bin/python3 scripts/sklearn-float32.py [RUN_DIR]   # needs Debian's python3-sklearn; ~1 min on 2 cores

A run's features.npy is float32. faultline widens it to float64 before computing MI, so it reproduces
`mutual_info_classif(X.astype(np.float64), y)`. scikit-learn given the float32 array divides by the std in float32
before it widens and adds its 1e-10 noise, so wherever two distances tie exactly in float64 (evenly spaced values,
as in quantised features) the float32 rounding, not the noise, decides the tie and the MI changes. This prints the
largest absolute MI difference between sklearn on float32 and on float64 input (same random_state) and how many of
the top 50 features the two rankings share, for synthetic ReLU-like features, the same rounded to 0.01, and, given
RUN_DIR, every label group of that run (y = prediction != label). Quoted in docs/discovery-schema.md.
"""
import csv
import os
import sys

import numpy as np
import sklearn
from sklearn.feature_selection import mutual_info_classif


def compare(name, x32, y):
    mi64 = mutual_info_classif(x32.astype(np.float64), y, n_neighbors=3, random_state=0)
    mi32 = mutual_info_classif(x32, y, n_neighbors=3, random_state=0)
    k = min(50, x32.shape[1])
    top64 = set(np.argsort(-mi64, kind="stable")[:k])
    top32 = set(np.argsort(-mi32, kind="stable")[:k])
    print(
        f"{name}: max |MI(float32) - MI(float64)| = {np.max(np.abs(mi32 - mi64)):.3g} "
        f"(max MI {mi64.max():.3g}), top-{k} shared {len(top64 & top32)}/{k}"
    )


def main():
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    rng = np.random.RandomState(3)
    n, d = 400, 128
    y = (rng.rand(n) < 0.25).astype(int)
    x = np.maximum(0, rng.randn(n, d) + 0.5 * y[:, None] * (np.arange(d) < 10))
    compare(f"synthetic ReLU {n}x{d}", x.astype(np.float32), y)
    compare(f"synthetic ReLU {n}x{d} rounded to 0.01", np.round(x, 2).astype(np.float32), y)
    if len(sys.argv) > 1:
        run = sys.argv[1]
        x = np.load(os.path.join(run, "features.npy"))
        with open(os.path.join(run, "samples.csv")) as f:
            labels = np.array([int(r["label"]) for r in csv.DictReader(f)])
        with open(os.path.join(run, "predictions.csv")) as f:
            preds = np.array([int(r["prediction"]) for r in csv.DictReader(f)])
        for c in np.unique(labels):
            idx = labels == c
            fails = (preds[idx] != c).astype(int)
            if 2 <= fails.sum() <= idx.sum() - 2:
                compare(f"{run} label {c} ({idx.sum()} images)", x[idx], fails)


if __name__ == "__main__":
    main()
