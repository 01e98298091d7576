#!/usr/bin/python3
"""
scikit-learn baseline for `npm run bench:discover`: the original Barlow pipeline per group (mutual_info_classif
with n_neighbors=3, top K, DecisionTreeClassifier entropy with class weights {0: 1, 1: S/F}) on the same groups of
the same run directory. Prints one JSON line: {"seconds": ..., "cpuSeconds": ..., "groups": ...}.

    python3 bench/discover-sklearn.py <run-dir> <first-class> <class-count> <depth> <K>
"""
import csv
import json
import os
import sys
import time

import numpy as np
from sklearn.feature_selection import mutual_info_classif
from sklearn.tree import DecisionTreeClassifier


def main():
    run, first, count, depth, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    with open(os.path.join(run, "samples.csv")) as f:
        labels = np.array([int(r["label"]) for r in csv.DictReader(f)])
    with open(os.path.join(run, "predictions.csv")) as f:
        preds = np.array([int(r["prediction"]) for r in csv.DictReader(f)])
    features = np.load(os.path.join(run, "features.npy"), mmap_mode="r")
    started = time.time()
    cpu_started = time.process_time()
    groups = 0
    for c in range(first, first + count):
        rows = np.nonzero(preds == c)[0]
        y = (labels[rows] != c).astype(int)
        F = int(y.sum())
        if F == 0 or F == len(y):
            continue
        X = np.asarray(features[rows])
        mi = mutual_info_classif(X, y, n_neighbors=3, random_state=0)
        top = np.argsort(-mi, kind="stable")[:k]
        S = len(y) - F
        DecisionTreeClassifier(criterion="entropy", max_depth=depth, class_weight={0: 1, 1: S / F}, random_state=0).fit(
            X[:, top], y
        )
        groups += 1
    print(json.dumps({"seconds": time.time() - started, "cpuSeconds": time.process_time() - cpu_started, "groups": groups}))


if __name__ == "__main__":
    main()
