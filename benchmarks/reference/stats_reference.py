#!/usr/bin/env python3
"""The statistics of the multi-seed tables, computed by SciPy and statsmodels (the standard
implementations), written once as a fixture the test suite compares with:
Tests/ExperimentsTests/Fixtures/statistics.json.

  python3 benchmarks/reference/stats_reference.py --out Tests/ExperimentsTests/Fixtures/statistics.json

Cases: Student-t quantiles and two-sided p-values, the 95% t confidence interval of a mean,
the paired t-test (scipy.stats.ttest_rel), McNemar's exact test (statsmodels' mcnemar with
exact=True, the binomial test of the discordant pairs) and Holm's correction (statsmodels'
multipletests, method 'holm')."""
import argparse
import json

import numpy as np
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rng = np.random.default_rng(12)

    quantiles = [{"p": p, "df": df, "t": float(stats.t.ppf(p, df))}
                 for df in (1, 2, 3, 4, 5, 9, 29, 100, 1000) for p in (0.975, 0.95, 0.6, 0.025)]
    pvalues = [{"t": t, "df": df, "p": float(2 * stats.t.sf(abs(t), df))}
               for df in (1, 2, 4, 10, 50) for t in (0.0, 0.3, 1.0, 2.5, 4.3, 12.0, -3.1)]
    intervals = []
    for n in (2, 3, 5, 10):
        x = rng.normal(0.95, 0.01, n).round(4)
        m, s = float(np.mean(x)), float(np.std(x, ddof=1))
        lo, hi = stats.t.interval(0.95, n - 1, loc=m, scale=s / np.sqrt(n))
        intervals.append({"values": x.tolist(), "mean": m, "std": s, "low": float(lo), "high": float(hi)})
    paired = []
    for n in (2, 3, 5, 8):
        a = rng.normal(0.93, 0.005, n).round(4)
        b = (a - rng.normal(0.003, 0.004, n)).round(4)
        r = stats.ttest_rel(a, b)
        paired.append({"a": a.tolist(), "b": b.tolist(), "t": float(r.statistic), "p": float(r.pvalue)})
    mcn = []
    for b, c in ((0, 0), (10, 2), (2, 10), (5, 5), (0, 7), (31, 18), (120, 97), (400, 455), (3, 0)):
        r = mcnemar([[100, b], [c, 100]], exact=True)
        mcn.append({"b": b, "c": c, "p": float(r.pvalue)})
    holm = []
    for p in ([0.01, 0.04, 0.03], [0.2, 0.001, 0.05, 0.04, 0.5], rng.uniform(0, 0.1, 12).tolist(), [0.6, 0.6, 0.01]):
        holm.append({"p": [float(v) for v in p], "adjusted": multipletests(p, method="holm")[1].tolist()})
    with open(args.out, "w") as f:
        json.dump({"source": "scipy %s, statsmodels" % __import__("scipy").__version__,
                   "quantiles": quantiles, "pvalues": pvalues, "intervals": intervals,
                   "paired": paired, "mcnemar": mcn, "holm": holm}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
