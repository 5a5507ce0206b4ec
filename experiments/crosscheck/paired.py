"""Do the project's paired conclusions survive adding AutoAttack's FAB to its attack ensemble?

For two models (say baseline and neural) it reads each one's evaluation (robustness.json of a
robust-… directory) and autoattack_check.py's summaries (run with --fab, which keep FAB's norm per
image), and per norm:
- per image, the project's minimal perturbation and the smaller of it and FAB's ("with FAB");
- the common image set: the images both models classify correctly and for which both have a finite
  minimal perturbation (the report's rule, here for two models);
- medians over it, and the Wilcoxon signed-rank test of B against A on each definition, with the
  share of images where B needs the larger perturbation.

Usage:
  /usr/bin/python3 experiments/crosscheck/paired.py \\
      --model baseline runs/robust-AAAA check/baseline-linf.json check/baseline-l2.json \\
      --model neural   runs/robust-BBBB check/neural-linf.json check/neural-l2.json [--out paired.json]
Needs numpy and scipy (Debian: python3-numpy python3-scipy).
"""
import argparse, json, math, os, sys

import numpy as np
from scipy import stats


def load(robust_dir, checks):
    with open(os.path.join(robust_dir, "robustness.json")) as f:
        ours = {r["norm"]: r for r in json.load(f)["adversarial"]}
    fab = {}
    for path in checks:
        with open(path) as f:
            for r in json.load(f)["norms"]:
                if "fab_minimal" not in r:
                    sys.exit("%s: no per-image FAB norms (fab_minimal); rerun autoattack_check.py with --fab" % path)
                fab[r["norm"]] = r
    return ours, fab


def per_image(ours, fab):
    """Project's minimal and min(project, FAB) per image; NaN where none, 0 where misclassified."""
    n = ours["images"]
    mine = np.array([np.nan if v is None else v for v in ours["minimal"]], dtype=np.float64)
    f = np.array([np.nan if v is None else v for v in fab["fab_minimal"]], dtype=np.float64)
    if len(mine) != n or len(f) != n:
        sys.exit("image counts differ: %d, %d, %d" % (n, len(mine), len(f)))
    correct = np.array(ours["correct"], dtype=bool)
    both = np.fmin(mine, f)  # fmin ignores a NaN on one side
    both[~correct] = 0
    return correct, mine, both


def compare(a, b):
    d = b - a
    res = stats.wilcoxon(b, a, zero_method="wilcox", alternative="two-sided")
    return {"median_a": float(np.median(a)), "median_b": float(np.median(b)), "median_difference": float(np.median(d)),
            "b_larger_share": float(np.mean(d > 0)), "wilcoxon_p": float(res.pvalue)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", nargs="+", action="append", required=True, metavar="NAME ROBUST_DIR CHECK_JSON",
                    help="a model's name, its robust-… directory and its autoattack_check.py summaries (give it twice: A, then B)")
    ap.add_argument("--out", help="JSON file to write besides the printed table")
    a = ap.parse_args()
    if len(a.model) != 2 or any(len(m) < 3 for m in a.model):
        sys.exit("want --model NAME ROBUST_DIR CHECK_JSON... exactly twice")
    (na, *ma), (nb, *mb) = a.model
    oa, fa = load(ma[0], ma[1:])
    ob, fb = load(mb[0], mb[1:])
    out = {"a": na, "b": nb, "norms": []}
    print("| norm | definition | common images | median %s | median %s | %s larger on | Wilcoxon p |" % (na, nb, nb))
    print("|---|---|---|---|---|---|---|")
    for norm in ["linf", "l2"]:
        if norm not in fa or norm not in fb:
            continue
        ca, mine_a, both_a = per_image(oa[norm], fa[norm])
        cb, mine_b, both_b = per_image(ob[norm], fb[norm])
        for name, xa, xb in [("project's ensemble", mine_a, mine_b), ("ensemble + FAB", both_a, both_b)]:
            common = ca & cb & np.isfinite(xa) & np.isfinite(xb)
            r = compare(xa[common], xb[common])
            r.update({"norm": norm, "definition": name, "common_images": int(common.sum())})
            out["norms"].append(r)
            print("| %s | %s | %d | %.4g | %.4g | %.0f%% | %.2g |" % ({"linf": "L∞", "l2": "L2"}[norm], name, r["common_images"],
                  r["median_a"], r["median_b"], 100 * r["b_larger_share"], r["wilcoxon_p"]))
        # How often FAB lowered each model's minimum, and by how much in the median where it did.
        for name, mine, both, c in [(na, mine_a, both_a, ca), (nb, mine_b, both_b, cb)]:
            ok = c & np.isfinite(mine)
            lower = ok & (both < mine * (1 - 1e-3))
            out.setdefault("fab_lowered", []).append({"norm": norm, "model": name, "images": int(ok.sum()),
                                                      "lowered": int(lower.sum()),
                                                      "median_factor_where_lowered": float(np.median(both[lower] / mine[lower])) if lower.any() else None})
    # Per model: robust accuracy against AutoAttack's, image by image, and the project's minimal
    # perturbations against FAB's (the check's own summary, recomputed for this evaluation).
    for name, o, f in [(na, oa, fa), (nb, ob, fb)]:
        for norm in ["linf", "l2"]:
            if norm not in f:
                continue
            ours_r = np.array(o[norm]["robust"], dtype=bool)
            aa_r = np.array(f[norm]["autoattack_robust"], dtype=bool)
            c, mine, _ = per_image(o[norm], f[norm])
            fab = np.array([np.nan if v is None else v for v in f[norm]["fab_minimal"]], dtype=np.float64)
            ok = c & np.isfinite(mine) & np.isfinite(fab)
            ratio = mine[ok] / fab[ok]
            x = {"model": name, "norm": norm, "robust_ours": float(ours_r.mean()), "robust_autoattack": float(aa_r.mean()),
                 "ours_robust_aa_fooled": int((ours_r & ~aa_r).sum()), "aa_robust_ours_fooled": int((aa_r & ~ours_r).sum()),
                 "compared": int(ok.sum()), "median_ours": float(np.median(mine[ok])), "median_fab": float(np.median(fab[ok])),
                 "fab_smaller_share": float(np.mean(fab[ok] < mine[ok] * (1 - 1e-3))),
                 "median_ratio": float(np.median(ratio)), "p90_ratio": float(np.quantile(ratio, 0.9))}
            out.setdefault("per_model", []).append(x)
            print("%s %s: robust %.1f%% (AutoAttack %.1f%%; %d robust for us fooled by AA, %d the reverse); over %d images "
                  "median minimal %.4g against FAB's %.4g, FAB smaller on %.1f%%, ratio median %.3f, 90th percentile %.3f" % (
                      name, norm, 100 * x["robust_ours"], 100 * x["robust_autoattack"], x["ours_robust_aa_fooled"],
                      x["aa_robust_ours_fooled"], x["compared"], x["median_ours"], x["median_fab"], 100 * x["fab_smaller_share"],
                      x["median_ratio"], x["p90_ratio"]))
    for x in out.get("fab_lowered", []):
        print("%s %s: FAB lowered the minimum on %d of %d correct images (median factor %s where it did)" % (
            x["model"], x["norm"], x["lowered"], x["images"], "–" if x["median_factor_where_lowered"] is None else "%.3f" % x["median_factor_where_lowered"]))
    if a.out:
        tmp = a.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f, indent=1)
        os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
