#!/usr/bin/python3
"""Expected values for paired_test.go, computed with SciPy.

Rerun (from the repository root) after changing a case:

    apt-get install -y python3-scipy python3-numpy
    /usr/bin/python3 experiments/internal/report/testdata/paired_fixture.py

It writes paired_fixture.json next to this file: for each case the inputs x,
y and SciPy's outputs. The inputs are rounded to 3 decimals (or are small
integers, for ties), so x - y is the same float in Go and NumPy.
"""
import json
import os

import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(20240601)


def normal(n, shift):
    x = np.round(rng.normal(0.0, 1.0, n), 3)
    y = np.round(x - shift - rng.normal(0.0, 1.0, n), 3)
    return x, y


def wilcoxon_case(name, x, y, method):
    d = x - y
    nz = d[d != 0]
    r = stats.rankdata(np.abs(nz))
    res = stats.wilcoxon(x, y, zero_method="wilcox", correction=False,
                         method=method)
    return {
        "name": name, "method": method, "x": x.tolist(), "y": y.tolist(),
        "n": int(nz.size), "zeros": int(d.size - nz.size),
        "w_plus": float(r[nz > 0].sum()), "w_minus": float(r[nz < 0].sum()),
        "statistic": float(res.statistic),  # min(W+, W-) for two-sided
        "z": float(getattr(res, "zstatistic", np.nan)) if method == "approx" else None,
        "p": float(res.pvalue),
        "median_diff": float(np.median(d)),
        "fraction_greater": float(np.mean(x > y)),
    }


def ttest_case(name, x, y):
    res = stats.ttest_rel(x, y)
    ci = res.confidence_interval(0.95)
    d = x - y
    return {
        "name": name, "x": x.tolist(), "y": y.tolist(),
        "mean_diff": float(d.mean()), "se": float(d.std(ddof=1) / np.sqrt(d.size)),
        "t": float(res.statistic), "df": int(res.df), "p": float(res.pvalue),
        "ci_low": float(ci.low), "ci_high": float(ci.high),
        "cohen_dz": float(d.mean() / d.std(ddof=1)),
    }


wilcoxon = [
    wilcoxon_case("exact_n10", *normal(10, 0.8), "exact"),
    wilcoxon_case("exact_n25", *normal(25, 0.3), "exact"),
    # W+ = 5 = n(n+1)/4, the centre of the distribution: p = 1.
    wilcoxon_case("exact_centre", np.array([1.0, 4, 0, 0]),
                  np.array([0.0, 0, 2, 3]), "exact"),
]
# Small integers: many tied |d| and zero differences -> normal approximation.
xi = rng.integers(0, 4, 20).astype(float)
yi = rng.integers(0, 4, 20).astype(float)
wilcoxon.append(wilcoxon_case("ties_zeros_n20", xi, yi, "approx"))
# Ties but no zeros, n <= 25: still the normal approximation.
xt = np.array([3.0, 5, 2, 7, 4, 6, 1, 8, 5, 9, 2, 6])
yt = np.array([1.0, 2, 4, 5, 2, 3, 2, 5, 7, 6, 1, 4])
wilcoxon.append(wilcoxon_case("ties_no_zeros_n12", xt, yt, "approx"))
wilcoxon.append(wilcoxon_case("large_n60", *normal(60, 0.25), "approx"))

ttest = [
    ttest_case("t_n8", *normal(8, 0.5)),
    ttest_case("t_n40", *normal(40, -0.2)),
]

out = {"scipy_version": scipy.__version__, "numpy_version": np.__version__,
       "wilcoxon": wilcoxon, "paired_t": ttest}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "paired_fixture.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", path)
