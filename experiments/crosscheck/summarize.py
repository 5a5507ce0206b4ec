"""Markdown table of autoattack_check.py's JSON summaries, one row per model and norm.

Usage: python3 experiments/crosscheck/summarize.py NAME=check.json [NAME=check.json ...]
(NAME labels the model, e.g. baseline=baseline-linf.json). Needs only the standard library.
"""
import json, sys


def main():
    rows = []
    for arg in sys.argv[1:]:
        name, _, path = arg.partition("=")
        if not path:
            sys.exit("argument %r: want NAME=path.json" % arg)
        with open(path) as f:
            out = json.load(f)
        for r in out["norms"]:
            rows.append((name, r))
    print("| model | norm, ε | images | clean mismatches | robust: ours | robust: AutoAttack | ours robust, AA fooled | AA robust, ours fooled "
          "| FAB: compared | median minimal: ours | median minimal: FAB | FAB smaller on | ratio ours/FAB: median | 90th percentile | seconds: AA, FAB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in rows:
        fab = "compared" in r
        cells = [name, "%s %g" % ({"linf": "L∞", "l2": "L2"}[r["norm"]], r["eps"]), str(r["images"]), str(r["clean_mismatches"]),
                 "%.1f%%" % (100 * r["ours_robust_accuracy"]), "%.1f%%" % (100 * r["autoattack_robust_accuracy"]),
                 str(r["robust_for_us_fooled_by_autoattack"]), str(r["robust_for_autoattack_fooled_by_us"])]
        if fab:
            cells += [str(r["compared"]), "%.4g" % r["median_minimal_ours"], "%.4g" % r["median_minimal_fab"],
                      "%.1f%%" % (100 * r["fab_smaller_share"]), "%.3f" % r["median_ratio_ours_over_fab"],
                      "%.3f" % r["p90_ratio_ours_over_fab"], "%.0f, %.0f" % (r["autoattack_seconds"], r["fab_seconds"])]
        else:
            cells += ["–"] * 6 + ["%.0f, –" % r["autoattack_seconds"]]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
