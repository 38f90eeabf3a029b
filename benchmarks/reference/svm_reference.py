#!/usr/bin/env python3
"""scikit-learn's SVMs (LinearSVC = LIBLINEAR, SVC = LIBSVM) as the reference of the suite's LinearSVM and KernelSVM.

Two modes:
  --fixtures DIR   writes small JSON fixtures (the data, generated here with a fixed seed and stored in
                   the file, and LinearSVC / SVC results on it) for Tests/ClassifiersTests.
  --out FILE       times the fits on Fashion-MNIST or MNIST-5k (the same data, split and task names as
                   the suite's cvd-bench-classical) and writes `task,unit,reference_name,value`.
scikit-learn is installed from PyPI for this script only; the suite and its tests never use Python.
Run it without the OPENBLAS_* settings the environment exports, so numpy's BLAS picks its own kernel.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.svm import SVC, LinearSVC

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn_reference import load  # noqa: E402  (same data and split as the other reference rows)

# The benchmark's settings (cvd-bench-classical uses the same).
LINEAR_C = 0.1          # LinearSVC on pixels, squared hinge (its default), dual coordinate descent
RBF_C = 10.0            # SVC, RBF kernel, gamma = 'scale' = 1 / (D · var(X))


def f32(a):
    """Values exactly representable in float32 (the suite's storage), kept as float64 for scikit-learn."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def blobs(rng, n_per_class, centers, spread):
    x = np.concatenate([c + spread * rng.standard_normal((n_per_class, len(c))) for c in centers])
    y = np.repeat(np.arange(len(centers)), n_per_class)
    order = rng.permutation(len(y))
    return f32(x[order]), y[order]


def primal_objective(x, y, w, b, c, loss):
    """½‖w‖² + ½b² + C Σ loss, with the bias as an extra feature of value 1 (LIBLINEAR's, bias penalized)."""
    total = 0.0
    for k in range(w.shape[0]):
        target = np.where(y == k, 1.0, -1.0) if w.shape[0] > 1 else np.where(y == 1, 1.0, -1.0)
        xi = np.maximum(0, 1 - target * (x @ w[k] + b[k]))
        total += 0.5 * (w[k] @ w[k] + b[k] ** 2) + c * np.sum(xi if loss == "hinge" else xi ** 2)
    return float(total)


def write_fixtures(folder):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(20240611)
    linear_cases = []
    # Three overlapping classes in 6-D, and a two-class problem (one weight vector, as LIBLINEAR).
    x3, y3 = blobs(rng, 60, [np.r_[1, 0, 0, 0.5, 0, 0], np.r_[0, 1, 0, 0, -0.5, 0], np.r_[0, 0, 1, 0, 0, 0.5]], 0.6)
    x2, y2 = blobs(rng, 50, [np.r_[0.5, 0.5, 0, 0], np.r_[-0.5, 0, 0.5, 0]], 0.7)
    for name, x, y in [("three_class", x3, y3), ("two_class", x2, y2)]:
        for loss in ["hinge", "squared_hinge"]:
            for c in [0.1, 1.0]:
                m = LinearSVC(C=c, loss=loss, dual=True, tol=1e-10, max_iter=1_000_000, intercept_scaling=1,
                              random_state=0).fit(x, y)
                decision = m.decision_function(x)
                linear_cases.append({
                    "data": name, "loss": loss, "c": c,
                    "coef": m.coef_.tolist(), "intercept": m.intercept_.tolist(),
                    "decision": np.atleast_2d(decision.T).T.tolist() if decision.ndim == 1 else decision.tolist(),
                    "predictions": m.predict(x).tolist(),
                    "accuracy": float(m.score(x, y)),
                    "primal_objective": primal_objective(x, y, m.coef_, m.intercept_, c, loss),
                })
    linear = {
        "generator": "numpy default_rng(20240611), Gaussian blobs, values rounded to float32",
        "reference": f"scikit-learn {sklearn.__version__} LinearSVC(dual=True, tol=1e-10, intercept_scaling=1)",
        "datasets": {"three_class": {"x": x3.tolist(), "y": y3.tolist()},
                     "two_class": {"x": x2.tolist(), "y": y2.tolist()}},
        "cases": linear_cases,
    }
    # RBF: three classes on rings and blobs in 2-D (not linearly separable), fitted on 150 points and
    # evaluated on 60 others.
    def rings(n):
        k = rng.integers(0, 3, n)
        angle = rng.uniform(0, 2 * np.pi, n)
        radius = np.where(k == 0, 0.3, np.where(k == 1, 1.0, 1.7)) + 0.25 * rng.standard_normal(n)
        x = np.c_[radius * np.cos(angle), radius * np.sin(angle)] + np.where(k[:, None] == 2, [0.3, 0], 0)
        return f32(x), k
    xtr, ytr = rings(150)
    xte, yte = rings(60)
    rbf_cases = []
    for c in [1.0, 10.0]:
        for gamma in [0.5, 2.0, "scale"]:
            m = SVC(C=c, kernel="rbf", gamma=gamma, tol=1e-8, shrinking=True, decision_function_shape="ovo",
                    cache_size=50).fit(xtr, ytr)
            rbf_cases.append({
                "c": c, "gamma": gamma if gamma != "scale" else "scale", "gamma_value": float(m._gamma),
                "decision_test": m.decision_function(xte).tolist(),
                "predictions_test": m.predict(xte).tolist(),
                "accuracy_test": float(m.score(xte, yte)),
                "support_count": int(m.support_.size),
                "intercept": m.intercept_.tolist(),
            })
    rbf = {
        "generator": "numpy default_rng(20240611), after the linear data: noisy rings, values rounded to float32",
        "reference": f"scikit-learn {sklearn.__version__} SVC(kernel='rbf', tol=1e-8, decision_function_shape='ovo')",
        "pairs": "decision columns in LIBSVM's order (0,1), (0,2), (1,2); positive means the first class of the pair",
        "train": {"x": xtr.tolist(), "y": ytr.tolist()}, "test": {"x": xte.tolist(), "y": yte.tolist()},
        "cases": rbf_cases,
    }
    for file, content in [("linear_svc.json", linear), ("rbf_svc.json", rbf)]:
        path = os.path.join(folder, file)
        with open(path + ".tmp", "w") as f:
            json.dump(content, f, separators=(",", ":"))
        os.replace(path + ".tmp", path)
        print(f"{path}: {os.path.getsize(path)} bytes", file=sys.stderr)


def time_fits(args):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    xtr, ytr, xte, yte = load(args.data, repo)
    xtr = xtr.astype(np.float32) / np.float32(255)
    xte = xte.astype(np.float32) / np.float32(255)
    name = f"scikit-learn {sklearn.__version__}"
    tasks = set(args.tasks.split(","))
    rows = []
    d = args.data

    def record(task, unit, value):
        rows.append((task, unit, value))
        print(f"{task},{unit},{value:.4f}", file=sys.stderr, flush=True)

    def timed(step):
        t = time.perf_counter()
        result = step()
        return time.perf_counter() - t, result

    if "svm-linear" in tasks:
        seconds, m = timed(lambda: LinearSVC(C=LINEAR_C, dual=True, random_state=0).fit(xtr, ytr))
        record(f"svm_linear_fit_{d}", "seconds", seconds)
        record(f"svm_linear_accuracy_{d}", "accuracy", float(np.mean(m.predict(xte) == yte)))
        print(f"  LinearSVC iterations {m.n_iter_}", file=sys.stderr)
    if "svm-rbf" in tasks:
        # --rbf-train N: the first N training images (the suite's --rbf-train takes the same ones).
        n = args.rbf_train or len(ytr)
        suffix = d if n == len(ytr) else f"{d}{n // 1000}k"
        seconds, m = timed(lambda: SVC(C=RBF_C, kernel="rbf", gamma="scale", cache_size=2000).fit(xtr[:n], ytr[:n]))
        record(f"svm_rbf_fit_{suffix}", "seconds", seconds)
        seconds, predicted = timed(lambda: m.predict(xte))
        record(f"svm_rbf_predict_{suffix}", "seconds", seconds)
        record(f"svm_rbf_accuracy_{suffix}", "accuracy", float(np.mean(predicted == yte)))
        print(f"  SVC support vectors {m.support_.size}", file=sys.stderr)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out + ".tmp", "w") as f:
        f.write("task,unit,reference_name,value\n")
        for task, unit, value in rows:
            f.write(f"{task},{unit},{name},{value:.6g}\n")
    os.replace(args.out + ".tmp", args.out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixtures", help="write the test fixtures into this folder")
    ap.add_argument("--data", choices=["fashion", "mnist5k"], default="fashion")
    ap.add_argument("--out", help="timing CSV")
    ap.add_argument("--tasks", default="svm-linear,svm-rbf")
    ap.add_argument("--rbf-train", type=int, default=0, help="fit the RBF SVM on the first N training images (0: all)")
    args = ap.parse_args()
    if args.fixtures:
        write_fixtures(args.fixtures)
    if args.out:
        time_fits(args)
    if not args.fixtures and not args.out:
        ap.error("pass --fixtures DIR and/or --out FILE")


if __name__ == "__main__":
    main()
