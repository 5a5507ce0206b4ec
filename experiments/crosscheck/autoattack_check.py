"""Cross-check of cifar_reg's robustness evaluation against AutoAttack.

Runs the published AutoAttack code (Croce & Hein 2020, github.com/fra31/auto-attack,
`pip install git+https://github.com/fra31/auto-attack`; not vendored here) on a model that
cifar_reg trained, exported as safetensors and loaded through nn/testdata/torch_models.py, on the
same CIFAR-10 test images, and compares image by image with the evaluation cifar_reg wrote
(robustness.json of a robust-… stage directory):

- clean decisions: the PyTorch twin must classify every image as brainreg did;
- robust accuracy at ε: AutoAttack (the attacks chosen by --attacks) against the project's
  ensemble; an image the project calls robust but AutoAttack fools is a miss of the project's
  attacks, and the reverse a miss of AutoAttack's;
- minimal perturbations (--fab): AutoAttack's untargeted FAB run with a large ε returns, per image,
  the smallest adversarial perturbation it found; compared with the project's per-image minimum on
  the images both found one for. The per-image norms are kept (fab_minimal), so that
  paired.py can test whether the project's conclusions survive adding FAB to its ensemble.

Usage (PYTHONPATH must reach autoattack/ and nn/testdata/):
  PYTHONPATH=/path/to/auto-attack:nn/testdata /usr/bin/python3 experiments/crosscheck/autoattack_check.py \
      --cifar ../shared/data/cifar-10-batches-bin --run runs/robust-… --out check.json [--fab]
Writes a JSON summary (and prints it). The run directory's config.json names the train directory
(its "train" key, a sibling); the model is that directory's model.safetensors.
"""
import argparse, json, os, sys, time

import numpy as np
import torch

import torch_models as tm


def luma(rgb):
    """Pillow's "L" (as data/cifar.Luma): 0.299 R + 0.587 G + 0.114 B in 16-bit fixed point."""
    r, g, b = (rgb[:, c].astype(np.uint32) for c in range(3))
    return ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16).astype(np.uint8)


def test_images(cifar_dir, n):
    raw = np.fromfile(os.path.join(cifar_dir, "test_batch.bin"), dtype=np.uint8)
    if raw.size != 10000 * 3073:
        sys.exit("test_batch.bin: %d bytes, want %d" % (raw.size, 10000 * 3073))
    rec = raw.reshape(10000, 3073)[:n]
    labels = rec[:, 0].astype(np.int64)
    gray = luma(rec[:, 1:].reshape(n, 3, 1024)).reshape(n, 1, 32, 32)
    return torch.from_numpy(gray.astype(np.float32) / np.float32(255)), torch.from_numpy(labels)


class PixelModel(torch.nn.Module):
    """The classifier on pixels in [0, 1], with the paper's scaling 5·(x − 0.5) inside."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(5 * (x - 0.5))


def load_model(path):
    return PixelModel(tm.from_checkpoint(path)).eval()


def norm_of(delta, norm):
    d = delta.flatten(1)
    return (d.abs().max(1)[0] if norm == "linf" else d.norm(dim=1)).numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cifar", required=True, help="CIFAR-10 binary directory (test_batch.bin)")
    ap.add_argument("--run", required=True, help="robust-… stage directory with robustness.json")
    ap.add_argument("--out", required=True, help="JSON summary to write")
    ap.add_argument("--attacks", default="apgd-ce,apgd-t", help="AutoAttack attacks to run (custom version)")
    ap.add_argument("--targets", type=int, default=9, help="target classes of APGD-T and FAB-T")
    ap.add_argument("--fab", action="store_true", help="also untargeted FAB at a large ε for minimal perturbations")
    ap.add_argument("--norms", default="linf,l2", help="which of the run's norms to check")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bs", type=int, default=100)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from autoattack import AutoAttack
    from autoattack.fab_pt import FABAttack_PT

    with open(os.path.join(a.run, "robustness.json")) as f:
        ours = json.load(f)
    with open(os.path.join(a.run, "config.json")) as f:
        train_dir = os.path.join(os.path.dirname(os.path.abspath(a.run)), json.load(f)["train"])
    model = load_model(os.path.join(train_dir, "model.safetensors"))
    out = {"run": os.path.abspath(a.run), "model": train_dir, "attacks": a.attacks, "targets": a.targets, "norms": []}
    for res in ours["adversarial"]:
        norm, eps, n = res["norm"], res["eps"], res["images"]
        if norm not in a.norms.split(","):
            continue
        x, y = test_images(a.cifar, n)
        with torch.no_grad():
            pred = model(x).argmax(1)
        correct = (pred == y).numpy()
        ours_correct = np.array(res["correct"])
        mismatch = int((correct != ours_correct).sum())
        aa = AutoAttack(model, norm={"linf": "Linf", "l2": "L2"}[norm], eps=eps, version="custom",
                        attacks_to_run=a.attacks.split(","), device="cpu", verbose=False, seed=0)
        aa.apgd_targeted.n_target_classes = a.targets
        aa.fab.n_target_classes = a.targets
        t0 = time.time()
        x_adv = aa.run_standard_evaluation(x, y, bs=a.bs)
        secs = time.time() - t0
        with torch.no_grad():
            aa_robust = (model(x_adv).argmax(1) == y).numpy() & correct
        ours_robust = np.array(res["robust"])
        r = {"norm": norm, "eps": eps, "images": n, "clean_mismatches": mismatch,
             "clean_accuracy": float(correct.mean()), "ours_robust_accuracy": float(ours_robust.mean()),
             "autoattack_robust_accuracy": float(aa_robust.mean()), "autoattack_seconds": secs,
             "robust_for_us_fooled_by_autoattack": int((ours_robust & ~aa_robust).sum()),
             "robust_for_autoattack_fooled_by_us": int((aa_robust & ~ours_robust).sum()),
             "autoattack_robust": aa_robust.tolist()}
        if a.fab:
            big = {"linf": 0.1, "l2": 5.0}[norm]
            fab = FABAttack_PT(model, norm={"linf": "Linf", "l2": "L2"}[norm], n_restarts=1, n_iter=100,
                               eps=big, seed=0, verbose=False, device="cpu")
            idx = np.nonzero(correct)[0]
            t0 = time.time()
            adv = torch.cat([fab.perturb(x[idx[i:i + a.bs]], y[idx[i:i + a.bs]]) for i in range(0, len(idx), a.bs)])
            r["fab_seconds"] = time.time() - t0
            with torch.no_grad():
                fooled = (model(adv).argmax(1) != y[idx]).numpy()
            fab_norm = norm_of(adv - x[idx], norm)
            our_min = np.array([np.inf if v is None else v for v in res["minimal"]], dtype=np.float64)[idx]
            both = fooled & np.isfinite(our_min)
            ratio = our_min[both] / fab_norm[both]
            per_image = [None] * n  # FAB's perturbation norm per test image; None: misclassified or not fooled
            for j, i in enumerate(idx):
                if fooled[j]:
                    per_image[i] = float(fab_norm[j])
            r.update({"fab_minimal": per_image, "fab_found": int(fooled.sum()), "compared": int(both.sum()),
                      "median_minimal_ours": float(np.median(our_min[both])),
                      "median_minimal_fab": float(np.median(fab_norm[both])),
                      "fab_smaller_share": float((fab_norm[both] < our_min[both] * (1 - 1e-3)).mean()),
                      "median_ratio_ours_over_fab": float(np.median(ratio)),
                      "p90_ratio_ours_over_fab": float(np.quantile(ratio, 0.9))})
        out["norms"].append(r)
        print(json.dumps(r), flush=True)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
