#!/usr/bin/python3
"""
Generates the scikit-learn reference fixtures for src/discover (mutual information and failure trees).

    /usr/bin/python3 scripts/sklearn-fixtures.py      # needs Debian's python3-sklearn (apt-get install python3-sklearn)

Writes test/fixtures/discover/mi.json and test/fixtures/discover/tree.json. Never edit those files by hand.

Mutual information: `mutual_info_classif(X, y, n_neighbors=3)` with the noise disabled (a RandomState whose
standard_normal returns zeros, so sklearn runs its exact code path minus the 1e-10 jitter), plus one case with the
real noise from random_state=0 that the TypeScript port reproduces with its own MT19937 + legacy Gaussian.
X is float64 here (sklearn scales float32 input in float32, which a float64 port cannot reproduce bit for bit).

Trees: `DecisionTreeClassifier(criterion, max_depth, min_samples_leaf, class_weight, random_state=0)` on float32
data. sklearn breaks ties between equally good splits by a random feature order; faultline breaks them by the
lowest feature index. A fixture is kept only when the best split of every node is unique (checked here by brute
force), so the two agree by construction; tie-breaking is tested by hand-built cases in tree.test.ts.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.feature_selection import mutual_info_classif
from sklearn.tree import DecisionTreeClassifier

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "discover")


class NoNoise(np.random.RandomState):
    """sklearn adds 1e-10 * max(1, mean|x|) * standard_normal to every continuous feature; this makes it zero."""

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        return np.zeros(size)


def mi_cases():
    rng = np.random.RandomState(12345)
    cases = []

    def add(name, X, y, noise=False):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.int64)
        state = 0 if noise else NoNoise(0)
        mi = mutual_info_classif(X, y, n_neighbors=3, random_state=state)
        cases.append(
            {
                "name": name,
                "noise": "sklearn-seed-0" if noise else "none",
                "rows": int(X.shape[0]),
                "cols": int(X.shape[1]),
                "X": X.ravel().tolist(),
                "y": y.tolist(),
                "mi": mi.tolist(),
            }
        )

    # Continuous features, imbalanced binary target, some features informative.
    n = 200
    y = (rng.rand(n) < 0.25).astype(int)
    X = rng.randn(n, 6)
    X[:, 1] += 1.5 * y
    X[:, 4] -= 0.7 * y
    add("gaussian-binary", X, y)

    # Many duplicated values (rounded to one decimal) and an exactly duplicated column.
    n = 150
    y = (rng.rand(n) < 0.4).astype(int)
    X = np.round(rng.randn(n, 5) + 0.8 * y[:, None] * (np.arange(5) % 2), 1)
    X[:, 4] = X[:, 0]
    add("rounded-duplicates", X, y)

    # Integer grid: distance ties between different pairs of points.
    n = 120
    y = (rng.rand(n) < 0.5).astype(int)
    X = rng.randint(0, 6, size=(n, 4)).astype(float)
    X[:, 2] += 2 * y
    add("integer-grid", X, y)

    # ReLU-like robust features: most values exactly 0, the rest positive.
    n = 300
    y = (rng.rand(n) < 0.2).astype(int)
    X = np.maximum(0, rng.randn(n, 8) - 0.8 + 0.9 * y[:, None] * (np.arange(8) < 3))
    add("relu-sparse", X, y)

    # Three classes, a constant column, a class of size 1 (dropped) and a small class (5 points).
    n = 100
    y = rng.randint(0, 2, size=n)
    y[:5] = 2
    y[5] = 3
    X = rng.rand(n, 4) * 10 + y[:, None] * np.array([1.0, 0.0, 0.0, 0.3])
    X[:, 2] = 4.2
    add("multiclass-small-classes", X, y)

    # Larger scale values to exercise the per-feature scaling.
    n = 250
    y = (rng.rand(n) < 0.3).astype(int)
    X = rng.gamma(2.0, 50.0, size=(n, 5)) + 30.0 * y[:, None] * (np.arange(5) == 3)
    add("gamma-large-scale", X, y)

    # The real sklearn noise, random_state=0.
    n = 120
    y = (rng.rand(n) < 0.3).astype(int)
    X = np.round(rng.randn(n, 5) + y[:, None] * 0.8, 2)
    add("seeded-noise", X, y, noise=True)
    return cases


def node_samples(tree, X):
    """Unweighted sample index list per node."""
    path = tree.decision_path(X).tocsc()
    return [path.indices[path.indptr[i] : path.indptr[i + 1]] for i in range(path.shape[1])]


def best_split_is_unique(X, y, w, idx, criterion, min_leaf):
    """Brute force over every feature and threshold: is the best proxy improvement reached by one feature only?"""
    best = []
    for f in range(X.shape[1]):
        order = idx[np.argsort(X[idx, f], kind="stable")]
        xs = X[order, f]
        wy1 = np.cumsum(w[order] * (y[order] == 1))
        wy0 = np.cumsum(w[order] * (y[order] == 0))
        t1, t0 = wy1[-1], wy0[-1]
        n = len(order)
        for p in range(1, n):
            if xs[p] <= xs[p - 1] + 1e-7:
                continue
            if p < min_leaf or n - p < min_leaf:
                continue
            l1, l0 = wy1[p - 1], wy0[p - 1]
            r1, r0 = t1 - l1, t0 - l0
            proxy = -(impurity(r0, r1, criterion) * (r0 + r1)) - impurity(l0, l1, criterion) * (l0 + l1)
            best.append((proxy, f, p))
    if not best:
        return True
    top = max(b[0] for b in best)
    tied = [b for b in best if abs(b[0] - top) <= 1e-9 * max(1.0, abs(top))]
    return len(tied) == 1


def impurity(c0, c1, criterion):
    tot = c0 + c1
    if tot <= 0:
        return 0.0
    if criterion == "gini":
        return 1.0 - (c0 / tot) ** 2 - (c1 / tot) ** 2
    e = 0.0
    for c in (c0, c1):
        if c > 0:
            p = c / tot
            e -= p * np.log2(p)
    return e


def tree_cases():
    """One dataset per kind, every parameter combination fitted on it; combinations whose best split is not
    unique at some node are left out (and counted), see the module docstring."""
    datasets = []
    dropped = 0
    for seed, (name, n, d, kind) in enumerate(
        [("gaussian", 300, 6, "gauss"), ("rounded", 240, 5, "round"), ("relu", 400, 8, "relu"), ("planted", 500, 5, "planted")]
    ):
        X, y = make_tree_data(np.random.RandomState(1000 + seed), n, d, kind)
        F = int(y.sum())
        S = n - F
        trees = []
        for criterion in ("entropy", "gini"):
            for depth in (1, 2, 3):
                for min_leaf in (1, 5, 20):
                    for weighting in ("balanced", "none"):
                        cw = {0: 1.0, 1: S / F} if weighting == "balanced" else None
                        w = np.where(y == 1, S / F, 1.0) if weighting == "balanced" else np.ones(n)
                        clf = DecisionTreeClassifier(
                            criterion=criterion,
                            max_depth=depth,
                            min_samples_leaf=min_leaf,
                            class_weight=cw,
                            random_state=0,
                        ).fit(X, y)
                        t = clf.tree_
                        members = node_samples(clf, X)
                        unique = all(
                            best_split_is_unique(X, y, w, members[i], criterion, min_leaf)
                            for i in range(t.node_count)
                            if t.children_left[i] != -1
                        )
                        if not unique:
                            dropped += 1
                            continue
                        nodes = []
                        for i in range(t.node_count):
                            m = members[i]
                            internal = t.children_left[i] != -1
                            nodes.append(
                                {
                                    "id": i,
                                    "n": int(t.n_node_samples[i]),
                                    "failures": int(y[m].sum()),
                                    "feature": int(t.feature[i]) if internal else None,
                                    "threshold": float(t.threshold[i]) if internal else None,
                                    "left": int(t.children_left[i]) if internal else None,
                                    "right": int(t.children_right[i]) if internal else None,
                                    "impurity": float(t.impurity[i]),
                                }
                            )
                        trees.append(
                            {
                                "criterion": criterion,
                                "maxDepth": depth,
                                "minSamplesLeaf": min_leaf,
                                "classWeight": weighting,
                                "nodes": nodes,
                            }
                        )
        datasets.append(
            {
                "name": name,
                "rows": n,
                "cols": d,
                # float32 values, written with their shortest float32 representation.
                "X": [float(repr(v)) for v in X.ravel()],
                "y": y.tolist(),
                "trees": trees,
            }
        )
    print(f"tree fixtures: {sum(len(d['trees']) for d in datasets)} trees kept, {dropped} left out for ties")
    return datasets


def make_tree_data(rng, n, d, kind):
    y = (rng.rand(n) < 0.2 + 0.2 * rng.rand()).astype(np.int64)
    if y.sum() == 0:
        y[0] = 1
    if kind == "gauss":
        X = rng.randn(n, d) + 0.9 * y[:, None] * rng.randn(d)
    elif kind == "round":
        X = np.round(rng.randn(n, d) + 0.8 * y[:, None] * (np.arange(d) % 2), 1)
    elif kind == "relu":
        X = np.maximum(0, rng.randn(n, d) - 0.5 + 0.8 * y[:, None] * (np.arange(d) < 3))
    else:
        X = rng.rand(n, d)
        planted = X[:, 2] <= 0.3
        y = np.where(planted, rng.rand(n) < 0.9, rng.rand(n) < 0.1).astype(np.int64)
    return X.astype(np.float32), y


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"sklearn": sklearn.__version__, "numpy": np.__version__, "generator": "scripts/sklearn-fixtures.py"}
    with open(os.path.join(OUT, "mi.json"), "w") as f:
        json.dump({**meta, "cases": mi_cases()}, f, separators=(",", ":"))
    with open(os.path.join(OUT, "tree.json"), "w") as f:
        json.dump({**meta, "cases": tree_cases()}, f, separators=(",", ":"))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
