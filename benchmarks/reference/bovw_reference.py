#!/usr/bin/env python3
"""The bag-of-words triangle pipeline in numpy + scikit-learn, for `make compare`.

The same pipeline as the suite's `BagOfVisualWords.triangle` (BagOfWordsSettings.triangle), fitted
on the same MNIST-5k images as cvd-bench-classical's `bovw_triangle_*_mnist5k` rows: the suite's
stratified 4,000/1,000 split of seed 0 (sklearn_reference.stratified_split re-implements it with
the suite's generator, so both sides train and test on the identical images). Pipeline:

- 6×6 patches, stride 1 (23×23 positions per 28×28 image); 100,000 random patches (uniform image,
  uniform top-left corner) for the codebook;
- per-patch contrast normalization: (x − mean) / sqrt(var + 0.01), var unbiased (ddof 1);
- ZCA whitening, ε 0.1: W = U·diag(1/sqrt(max(λ, 0) + ε))·Uᵀ of the covariance (n − 1) of the
  normalized sample patches; a patch becomes (x − μ)·W;
- k-means, K = 256, k-means++, one run, at most 50 Lloyd iterations (scikit-learn's KMeans);
- triangle code of every patch: z_k = ‖x − c_k‖, f_k = max(0, mean(z) − z_k);
- sum pooling over the whole image and its 2×2 quadrants (rows and columns of positions split
  12 | 11, cell = ⌊position·2/23⌋, as the suite), K·5 features: whole image, then the quadrants
  row by row;
- square root of every pooled value (sign kept; the codes are never negative);
- StandardScaler, then LogisticRegression(C=0.1, max_iter=300) (lbfgs, multinomial).

Writes `task,unit,reference_name,value`: bovw_triangle_fit_mnist5k (codebook + encoding of the
training images + classifier, seconds), bovw_triangle_predict_mnist5k (encoding + classifier on the
test images, seconds), bovw_triangle_accuracy_mnist5k. scikit-learn is installed from PyPI for this
script only; the suite never uses Python.
"""
import argparse
import os
import sys
import time

import numpy as np
import sklearn
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reference_io import read_idx, write_rows
from sklearn_reference import stratified_split

PATCH, PATCHES, CONTRAST_EPS, ZCA_EPS = 6, 100_000, 0.01, 0.1
WORDS, KMEANS_ITERATIONS, GRIDS, C, LOGREG_ITERATIONS = 256, 50, (1, 2), 0.1, 300
BATCH = 128  # images per encoding batch: 128·529 patches × 256 words in float32 ≈ 69 MB


class TriangleBagOfWords:
    def __init__(self, patches=PATCHES, kmeans_iterations=KMEANS_ITERATIONS, logreg_iterations=LOGREG_ITERATIONS,
                 seed=0):
        self.patches, self.kmeans_iterations, self.logreg_iterations = patches, kmeans_iterations, logreg_iterations
        self.seed = seed

    @staticmethod
    def _contrast(p):
        """Rows (x − mean) / sqrt(var + ε), unbiased variance."""
        c = p - p.mean(axis=1, keepdims=True)
        c /= np.sqrt(np.square(c).sum(axis=1, keepdims=True) / (p.shape[1] - 1) + np.float32(CONTRAST_EPS))
        return c

    def fit(self, images, labels):
        n, h, w = images.shape
        rng = np.random.default_rng(self.seed)
        i = rng.integers(0, n, self.patches)
        top = rng.integers(0, h - PATCH + 1, self.patches)
        left = rng.integers(0, w - PATCH + 1, self.patches)
        windows = sliding_window_view(images, (PATCH, PATCH), axis=(1, 2))   # n × 23 × 23 × 6 × 6, a view
        p = self._contrast(windows[i, top, left].reshape(self.patches, -1))
        self.mean = p.mean(axis=0)
        centered = p - self.mean
        cov = centered.astype(np.float64).T @ centered / (len(p) - 1)
        values, vectors = np.linalg.eigh(cov)
        self.zca = ((vectors / np.sqrt(np.maximum(values, 0) + ZCA_EPS)) @ vectors.T).astype(np.float32)
        kmeans = KMeans(n_clusters=WORDS, init="k-means++", n_init=1, max_iter=self.kmeans_iterations,
                        random_state=self.seed).fit(centered @ self.zca)
        self.kmeans_iterations_run = kmeans.n_iter_
        self.codebook = kmeans.cluster_centers_.astype(np.float32)
        self.classifier = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=self.logreg_iterations))
        self.classifier.fit(self.transform(images), labels)
        return self

    def transform(self, images):
        n, h, w = images.shape
        rows, cols = h - PATCH + 1, w - PATCH + 1
        windows = sliding_window_view(images, (PATCH, PATCH), axis=(1, 2))
        word_norms = np.square(self.codebook).sum(axis=1)
        # First position of every pooling cell along the rows and the columns: cell = ⌊position·g/positions⌋.
        starts = {g: (np.flatnonzero(np.diff(np.arange(rows) * g // rows, prepend=-1)),
                      np.flatnonzero(np.diff(np.arange(cols) * g // cols, prepend=-1))) for g in GRIDS}
        out = np.empty((n, WORDS * sum(g * g for g in GRIDS)), dtype=np.float32)
        for i0 in range(0, n, BATCH):
            b = min(BATCH, n - i0)
            p = self._contrast(windows[i0:i0 + b].reshape(b * rows * cols, -1))
            x = (p - self.mean) @ self.zca
            d = x @ self.codebook.T                      # patches × K: becomes the distances in place
            d *= -2
            d += np.square(x).sum(axis=1, keepdims=True)
            d += word_norms
            np.maximum(d, 0, out=d)
            np.sqrt(d, out=d)
            code = np.subtract(d.mean(axis=1, keepdims=True), d, out=d)
            np.maximum(code, 0, out=code)
            code = code.reshape(b, rows, cols, WORDS)
            pooled = []
            for g in GRIDS:
                r0, c0 = starts[g]
                cells = np.add.reduceat(np.add.reduceat(code, r0, axis=1), c0, axis=2)   # b × g × g × K
                pooled.append(cells.reshape(b, -1))
            f = np.concatenate(pooled, axis=1)
            out[i0:i0 + b] = np.sign(f) * np.sqrt(np.abs(f))
        return out

    def predict(self, images):
        return self.classifier.predict(self.transform(images))


def load(folder):
    x = read_idx(os.path.join(folder, "mnist5k-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(folder, "mnist5k-labels-idx1-ubyte.gz")).astype(np.int64)
    train, test = stratified_split(y, 1000, 0)
    # The suite's pixels: k/255 in float32.
    x = x.astype(np.float32) / np.float32(255)
    return x[train], y[train], x[test], y[test]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--mnist-folder", default=None, help="folder of the MNIST-5k IDX files (default: the repository's data/mnist5k)")
    ap.add_argument("--repeats", type=int, default=1,
                    help="time every step this many times and keep the shortest (for a shared machine)")
    ap.add_argument("--quick", action="store_true",
                    help="a tiny check: 10,000 patches, 5 k-means and 50 L-BFGS iterations (not for the record)")
    args = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    xtr, ytr, xte, yte = load(args.mnist_folder or os.path.join(repo, "data", "mnist5k"))
    print(f"mnist5k: {len(xtr)} train (pixel sum {xtr.sum(dtype=np.float64):.1f}), "
          f"{len(xte)} test (pixel sum {xte.sum(dtype=np.float64):.1f})", file=sys.stderr)
    settings = dict(patches=10_000, kmeans_iterations=5, logreg_iterations=50) if args.quick else {}
    rows = []

    def record(task, unit, value):
        rows.append((task, unit, value))
        print(f"{task},{unit},{value:.4f}", file=sys.stderr)

    def best_time(step):
        best, result = float("inf"), None
        for _ in range(max(1, args.repeats)):
            t = time.perf_counter()
            result = step()
            best = min(best, time.perf_counter() - t)
        return best, result

    seconds, model = best_time(lambda: TriangleBagOfWords(**settings).fit(xtr, ytr))
    record("bovw_triangle_fit_mnist5k", "seconds", seconds)
    print(f"  k-means iterations {model.kmeans_iterations_run}, "
          f"L-BFGS iterations {model.classifier[-1].n_iter_[0]}", file=sys.stderr)
    seconds, predicted = best_time(lambda: model.predict(xte))
    record("bovw_triangle_predict_mnist5k", "seconds", seconds)
    record("bovw_triangle_accuracy_mnist5k", "accuracy", float(np.mean(predicted == yte)))
    write_rows(args.out, f"numpy {np.__version__} + scikit-learn {sklearn.__version__}", rows)


if __name__ == "__main__":
    main()
