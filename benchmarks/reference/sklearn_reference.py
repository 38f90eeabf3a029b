#!/usr/bin/env python3
"""scikit-learn on the same tasks as the suite's cvd-bench-classical, for `make compare`.

Reads the same IDX files, makes the same split (the suite's stratified split is re-implemented
below with the suite's generator, so MNIST-5k gets the identical 4,000/1,000 partition), and writes
`task,unit,reference_name,value` with the suite's task names: logistic regression (lbfgs, C=1),
k-NN (k=5, brute force), k-means (K=256 on the first 20,000 training images, 50 iterations).
scikit-learn is installed from PyPI for this script only; the suite never uses Python.
"""
import argparse
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from reference_io import read_idx, write_rows

MASK = (1 << 64) - 1
KMEANS_POINTS, KMEANS_CLUSTERS, KMEANS_ITERATIONS = 20_000, 256, 50


class Xoshiro256:
    """The suite's generator (xoshiro256** seeded through SplitMix64) and its int(below:)/shuffle."""

    def __init__(self, seed):
        state = seed & MASK
        s = []
        for _ in range(4):
            state = (state + 0x9E3779B97F4A7C15) & MASK
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            s.append(z ^ (z >> 31))
        self.s = s

    def next(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def int_below(self, n):
        m = self.next() * n
        low = m & MASK
        if low < n:
            threshold = ((1 << 64) - n) % n
            while low < threshold:
                m = self.next() * n
                low = m & MASK
        return m >> 64

    def shuffle(self, a):
        for i in range(len(a) - 1, 0, -1):
            j = self.int_below(i + 1)
            if i != j:
                a[i], a[j] = a[j], a[i]


def stratified_split(labels, test_count, seed):
    """The suite's stratifiedSplit(_:testCount:seed:): train and test indices."""
    rng = Xoshiro256(seed)
    classes = int(labels.max()) + 1
    members = [[] for _ in range(max(classes, 10))]
    for i, y in enumerate(labels):
        members[int(y)].append(i)
    n = len(labels)
    quota = [len(m) * test_count // n for m in members]
    remainders = [(c, len(m) * test_count % n) for c, m in enumerate(members)]
    missing = test_count - sum(quota)
    for c, _ in sorted(remainders, key=lambda cr: (-cr[1], cr[0])):
        if missing > 0 and quota[c] < len(members[c]):
            quota[c] += 1
            missing -= 1
    train, test = [], []
    for c, m in enumerate(members):
        m = list(m)
        rng.shuffle(m)
        test += m[:quota[c]]
        train += m[quota[c]:]
    rng.shuffle(train)
    rng.shuffle(test)
    return np.array(train), np.array(test)


def load(data, repo):
    if data == "mnist5k":
        folder = os.path.join(repo, "data", "mnist5k")
        x = read_idx(os.path.join(folder, "mnist5k-images-idx3-ubyte.gz")).reshape(-1, 784)
        y = read_idx(os.path.join(folder, "mnist5k-labels-idx1-ubyte.gz")).astype(np.int64)
        train, test = stratified_split(y, 1000, 0)
        return x[train], y[train], x[test], y[test]
    folder = "/usr/share/datasets/fashion-mnist"
    f = lambda name: read_idx(os.path.join(folder, name))
    return (f("train-images-idx3-ubyte.gz").reshape(-1, 784), f("train-labels-idx1-ubyte.gz").astype(np.int64),
            f("t10k-images-idx3-ubyte.gz").reshape(-1, 784), f("t10k-labels-idx1-ubyte.gz").astype(np.int64))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", choices=["fashion", "mnist5k"], default="fashion")
    ap.add_argument("--out", required=True)
    ap.add_argument("--tasks", default="logreg,knn,kmeans")
    ap.add_argument("--repeats", type=int, default=1,
                    help="time every step this many times and keep the shortest (for a shared machine)")
    args = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    xtr, ytr, xte, yte = load(args.data, repo)
    # The suite's pixels: k/255 in float32.
    xtr = (xtr.astype(np.float32) / np.float32(255))
    xte = (xte.astype(np.float32) / np.float32(255))
    name = f"scikit-learn {sklearn.__version__}"
    tasks = set(args.tasks.split(","))
    rows = []

    def record(task, unit, value):
        rows.append((task, unit, value))
        print(f"{task},{unit},{value:.4f}", file=sys.stderr)

    def best_time(step):
        """The shortest of --repeats runs of step(); returns (seconds, last result)."""
        best, result = float("inf"), None
        for _ in range(max(1, args.repeats)):
            t = time.perf_counter()
            result = step()
            best = min(best, time.perf_counter() - t)
        return best, result

    d = args.data
    if "logreg" in tasks:
        seconds, model = best_time(lambda: LogisticRegression(C=1.0, solver="lbfgs", max_iter=100).fit(xtr, ytr))
        record(f"logreg_fit_{d}", "seconds", seconds)
        seconds, predicted = best_time(lambda: model.predict(xte))
        record(f"logreg_predict_{d}", "seconds", seconds)
        record(f"logreg_accuracy_{d}", "accuracy", float(np.mean(predicted == yte)))
    if "knn" in tasks:
        seconds, model = best_time(lambda: KNeighborsClassifier(n_neighbors=5, algorithm="brute").fit(xtr, ytr))
        record(f"knn5_fit_{d}", "seconds", seconds)
        seconds, predicted = best_time(lambda: model.predict(xte))
        record(f"knn5_predict_{d}", "seconds", seconds)
        record(f"knn5_predict_throughput_{d}", "images_per_s", len(xte) / seconds)
        record(f"knn5_accuracy_{d}", "accuracy", float(np.mean(predicted == yte)))
    if "kmeans" in tasks and d == "fashion":
        points = xtr[:KMEANS_POINTS]
        seconds, model = best_time(lambda: KMeans(n_clusters=KMEANS_CLUSTERS, n_init=1, max_iter=KMEANS_ITERATIONS,
                                                  tol=0, random_state=0).fit(points))
        record("kmeans_fit", "seconds", seconds)
        record("kmeans_iteration", "seconds", seconds / model.n_iter_)
        print(f"kmeans iterations {model.n_iter_}, inertia {model.inertia_:.1f}", file=sys.stderr)

    write_rows(args.out, name, rows)


if __name__ == "__main__":
    main()
