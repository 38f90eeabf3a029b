#!/usr/bin/env python3
"""Runs the suite's neural benchmark and the PyTorch reference alternately (A, B, A, B, ...) for
several rounds on the same machine, and writes each row's median ratio and its spread.

On a shared or noisy machine absolute throughputs move by a third from one run to the next; a ratio
of two measurements taken back to back, repeated, is what can be trusted. For every task both
sides measure (training and prediction of LeNet-5 and the MLP), each round pairs the suite's value
with the best PyTorch mode of the same round (eager, channels_last, compile; named) and with eager.
Output CSV: task,unit,reference_mode,rounds,suite_median,reference_median,ratio_median,ratio_min,
ratio_max,load_start,load_end (ratio > 1: the suite is faster).

Used by `make compare`; the suite itself never runs Python.
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite-bench", required=True, help="the cvd-bench-neural executable")
    ap.add_argument("--reference", default=os.path.join(os.path.dirname(__file__), "torch_reference.py"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="fewer batches per measurement (not for the record)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.rounds < 1:
        sys.exit("--rounds must be at least 1")
    load_start = os.getloadavg()[0]
    rounds = []  # per round: (suite {task: value}, reference {task: [(mode, value)]})
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            s_path, r_path = os.path.join(tmp, f"suite{r}.csv"), os.path.join(tmp, f"ref{r}.csv")
            quick = ["--quick"] if args.quick else []
            print(f"round {r + 1}/{args.rounds}: the suite", file=sys.stderr)
            subprocess.run([args.suite_bench, "--out", s_path] + quick, check=True)
            print(f"round {r + 1}/{args.rounds}: PyTorch", file=sys.stderr)
            subprocess.run([sys.executable, args.reference, "--out", r_path] + quick, check=True, env=env)
            suite = {(x["task"], x["unit"]): float(x["value"]) for x in read_rows(s_path)}
            ref = {}
            for x in read_rows(r_path):
                ref.setdefault((x["task"], x["unit"]), []).append((x["reference_name"], float(x["value"])))
            rounds.append((suite, ref))
    load_end = os.getloadavg()[0]
    out = []
    keys = [k for k in rounds[0][1] if k in rounds[0][0] and k[1] == "images_per_s"]
    for key in keys:
        for which in ("best", "eager"):
            ratios, suites, refs, names = [], [], [], []
            for suite, ref in rounds:
                modes = ref.get(key, [])
                if which == "eager":
                    modes = [m for m in modes if m[0].endswith(" eager")]
                if not modes or key not in suite:
                    continue
                name, value = max(modes, key=lambda m: m[1])
                ratios.append(suite[key] / value)
                suites.append(suite[key])
                refs.append(value)
                names.append(name)
            if not ratios:
                continue
            mode = max(set(names), key=names.count) if which == "best" else names[0]
            # When eager is the best mode in every round, its row is already there.
            if which == "eager" and out and out[-1][0] == key[0] and out[-1][2] == mode:
                continue
            out.append([key[0], key[1], mode if which == "eager" or len(set(names)) == 1 else mode + " (most rounds)",
                        len(ratios), f"{statistics.median(suites):.0f}", f"{statistics.median(refs):.0f}",
                        f"{statistics.median(ratios):.3f}", f"{min(ratios):.3f}", f"{max(ratios):.3f}",
                        f"{load_start:.2f}", f"{load_end:.2f}"])
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["task", "unit", "reference_mode", "rounds", "suite_median", "reference_median",
                    "ratio_median", "ratio_min", "ratio_max", "load_start", "load_end"])
        w.writerows(out)
    os.replace(tmp, args.out)
    with open(args.out) as f:
        sys.stdout.write(f.read())


if __name__ == "__main__":
    main()
