#!/usr/bin/env python3
"""Joins the suite's benchmark rows with the reference libraries' rows into results/bench/compare.csv.

Inputs: suite CSVs with header `task,unit,value` and reference CSVs with header
`task,unit,reference_name,value` (same task names and units). Output header:
`task,unit,suite,reference_name,reference,ratio,ratio_min,ratio_max,rounds`, where ratio > 1 means
the suite is better: reference/suite for `seconds` (faster), suite/reference for `accuracy` and
`images_per_s`. With --alternating, the rows of the alternately measured tasks are their medians
over the rounds (suite, reference and ratio), with the ratio's smallest and largest value.
Used by `make compare` only; the suite itself never runs Python.
"""
import argparse
import csv
import os
import sys

HIGHER_IS_BETTER = {"accuracy", "images_per_s", "gflops"}
# The comparisons the issues set goals for (task-name prefixes), plus every accuracy row: these go to
# --out. Every joined row, including the ones without a goal (k-NN fit, which scikit-learn reduces
# to storing the data; logistic-regression predict, a few milliseconds for both), goes to --all-out.
GOAL_TASKS = ("logreg_fit", "knn5_predict", "kmeans_", "lenet5_train", "mlp100_train", "lenet5_infer", "mlp100_infer", "svm_linear_fit", "svm_rbf_fit", "hog_extract", "dsift_", "fisher_encode", "bovw_triangle_")
LOWER_IS_BETTER = {"seconds"}


def read(path, fields):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        missing = [k for k in fields if k not in r]
        if missing:
            sys.exit(f"{path}: missing columns {missing}")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", nargs="+", required=True)
    ap.add_argument("--reference", nargs="+", required=True)
    ap.add_argument("--out", required=True, help="the goal comparisons and accuracies")
    ap.add_argument("--all-out", help="every joined row")
    ap.add_argument("--alternating", help="alternate_compare.py's medians: they replace the single-run rows of their tasks")
    args = ap.parse_args()
    suite = {}
    for p in args.suite:
        for r in read(p, ["task", "unit", "value"]):
            suite[(r["task"], r["unit"])] = float(r["value"])
    # A task measured in several modes of one reference (PyTorch eager, channels_last, compile) is
    # compared with the best of them, named; the eager row stays as a row of its own.
    refs = {}
    for p in args.reference:
        for r in read(p, ["task", "unit", "reference_name", "value"]):
            if r["unit"] not in LOWER_IS_BETTER | HIGHER_IS_BETTER:
                sys.exit(f"{p}: unknown unit {r['unit']!r} for task {r['task']}")
            refs.setdefault((r["task"], r["unit"]), []).append(r)
    chosen = []
    for key, rows in refs.items():
        better = (lambda r: -float(r["value"])) if key[1] in LOWER_IS_BETTER else (lambda r: float(r["value"]))
        best = max(rows, key=better)
        chosen.append(best)
        chosen += [r for r in rows if r is not best and r["reference_name"].endswith(" eager")]
    out = []
    for r in chosen:
        key = (r["task"], r["unit"])
        if key not in suite:
            print(f"note: no suite row for {key}, skipped", file=sys.stderr)
            continue
        s, ref = suite[key], float(r["value"])
        if r["unit"] in LOWER_IS_BETTER:
            ratio = ref / s if s > 0 else float("inf")
        else:
            ratio = s / ref if ref > 0 else float("inf")
        out.append([r["task"], r["unit"], f"{s:.4g}", r["reference_name"], f"{ref:.4g}", f"{ratio:.3f}", "", "", "1"])
    # Throughputs measured in alternating rounds: their medians (and the spread of the ratio) stand
    # for the task, since one run on a shared machine moves by a third.
    if args.alternating:
        alt = read(args.alternating, ["task", "unit", "reference_mode", "rounds", "suite_median", "reference_median",
                                      "ratio_median", "ratio_min", "ratio_max"])
        replaced = {(a["task"], a["unit"]) for a in alt}
        out = [r for r in out if (r[0], r[1]) not in replaced]
        out += [[a["task"], a["unit"], f"{float(a['suite_median']):.4g}", a["reference_mode"], f"{float(a['reference_median']):.4g}",
                 a["ratio_median"], a["ratio_min"], a["ratio_max"], a["rounds"]] for a in alt]
    goal_rows = [r for r in out if r[1] == "accuracy" or r[0].startswith(GOAL_TASKS)]
    write(args.out, goal_rows)
    if args.all_out:
        write(args.all_out, out)
    for row in out:
        print(",".join(row) + ("" if row in goal_rows else "  (no goal; in --all-out only)"))


def write(path, rows):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["task", "unit", "suite", "reference_name", "reference", "ratio", "ratio_min", "ratio_max", "rounds"])
        w.writerows(rows)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
