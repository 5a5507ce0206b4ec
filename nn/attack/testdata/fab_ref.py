#!/usr/bin/python3
"""PyTorch reference fixtures for FAB (fab_projections.json, fab_trajectory.json).

What it is
    Runs AutoAttack's own FAB code (Croce & Hein 2020, "Minimally distorted
    adversarial examples with a fast adaptive boundary attack";
    github.com/fra31/auto-attack, files autoattack/fab_projections.py,
    autoattack/fab_base.py, autoattack/fab_pt.py, autoattack/other_utils.py),
    imported unmodified, and writes what nn/attack/fab_ref_test.go compares
    the Go implementation against:

    fab_projections.json
        projection_linf and projection_l2 on random points, hyperplanes and
        the [0, 1] box, in float64 and in float32: points with pixels at 0
        and 1, weights with exact zeros (and, for L2, entries below the
        reference's 1e-8 cut), hyperplanes that meet the box near the point,
        far from it, or not at all, on either side of the point; and a few
        degenerate rows (w = 0, the point on the hyperplane, D = 1).

    fab_trajectory.json
        FABAttack_PT.attack_single_run with use_rand_start=False (the first
        restart: deterministic), n_iter = 100 and the default alpha_max,
        eta and beta, untargeted and targeted (target_class 2 and 3: the
        2nd and 3rd most likely class of the clean image), in Linf and L2,
        on a small fixed MLP (flatten -> Linear(64, 32) -> ReLU ->
        Linear(32, 10)) and 12 fixed 1x8x8 images labelled with its own
        predictions. For every run: the best perturbation norm after every
        iteration (the reference's res2, 1e10 before the first adversarial
        iterate) and the final one.

How it gets the per-iteration norms without changing the reference
    A subclass of FABAttack_PT records every call of _get_predicted_label:
    attack_single_run calls it once on the clean images and then once per
    iteration on the new iterate x1, before its best-norm update; the
    script replays that update (norm of x1 - x0 where misclassified,
    minimum so far) with the reference's own formulas. The replayed final
    norms are checked against the norms of the adversarial images that
    attack_single_run returns.

How to rerun (from the repository root)
    PYTHONPATH=/root/autoattack /usr/bin/python3 nn/attack/testdata/fab_ref.py
    with AutoAttack's autoattack/ directory under a PYTHONPATH entry (the
    script imports its FAB modules without running autoattack/__init__.py,
    which would import the whole of AutoAttack). Output is deterministic
    (fixed torch seeds, one CPU thread). Made with Debian's python3-torch
    (PyTorch 1.13).

Robustness
    The trajectory runs are repeated under other float32 rounding (the MLP's
    sums in a permuted order, and weights jittered by 1e-7 relative); the
    script prints how far their per-iteration norms move, which is what the
    Go test's tolerance is measured against.
"""

import json
import math
import os
import sys
import types

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def import_fab():
    """autoattack.fab_pt and autoattack.fab_projections, without running
    autoattack/__init__.py."""
    for p in sys.path:
        pkg_dir = os.path.join(p or ".", "autoattack")
        if os.path.isfile(os.path.join(pkg_dir, "fab_base.py")):
            break
    else:
        sys.exit("fab_ref.py: no autoattack/fab_base.py on PYTHONPATH (AutoAttack's code)")
    pkg = types.ModuleType("autoattack")
    pkg.__path__ = [pkg_dir]
    sys.modules["autoattack"] = pkg
    import autoattack.fab_projections as proj
    import autoattack.fab_pt as fab_pt
    return proj, fab_pt


proj, fab_pt = import_fab()

HERE = os.path.dirname(os.path.abspath(__file__))
N_IMG, D_IN, D_HID, N_CLS = 12, 64, 32, 10
SHAPE = (1, 8, 8)
N_ITER = 100


def enc(v):
    """JSON text; float32 values keep 9 significant digits, float64 17."""
    if isinstance(v, torch.Tensor):
        fmt = "%.17g" if v.dtype == torch.float64 else "%.9g"
        return enc_list(v.tolist(), fmt)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "%.17g" % v
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(enc(e) for e in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k) + ":" + enc(e) for k, e in v.items()) + "}"
    raise TypeError(type(v))


def enc_list(v, fmt):
    if isinstance(v, list):
        return "[" + ",".join(enc_list(e, fmt) for e in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if math.isinf(v) or math.isnan(v):
        raise ValueError("non-finite value in fixture")
    return fmt % v


# ---------------------------------------------------------------- projections

def projection_cases():
    """Rows (t, w, b) grouped by dimension: float32-representable t and w
    (the Go code projects float32 pixels along float32 gradients), b any
    float64."""
    g = torch.Generator().manual_seed(11)
    groups = []
    for dim, rows in [(1, 6), (2, 8), (3, 8), (5, 10), (17, 12), (64, 10), (200, 5)]:
        ts, ws, bs = [], [], []
        for k in range(rows):
            t = torch.rand(dim, generator=g)
            u = torch.rand(dim, generator=g)
            t[u < 0.1] = 0.0
            t[u > 0.9] = 1.0
            w = torch.randn(dim, generator=g)
            v = torch.rand(dim, generator=g)
            w[v < 0.1] = 0.0
            if k % 4 == 3:
                w[(v > 0.1) & (v < 0.15)] = 3e-9  # below projection_l2's 1e-8 cut
            t, w = t.double(), w.double()
            wt = float((w * t).sum())
            lo, hi = float(w.clamp(max=0).sum()), float(w.clamp(min=0).sum())
            kind = k % 5
            if kind == 0:    # near the point, either side
                b = wt + (2 * float(torch.rand(1, generator=g)) - 1) * 0.05 * (hi - lo + 1e-3)
            elif kind in (1, 2):  # anywhere the box reaches
                b = lo + float(torch.rand(1, generator=g)) * (hi - lo)
            elif kind == 3:  # beyond the box, either side
                b = (lo - 0.3 * (hi - lo) - 0.1) if k % 2 else (hi + 0.3 * (hi - lo) + 0.1)
            else:            # just inside the reach of the box
                f = float(torch.rand(1, generator=g))
                b = lo + (0.002 + 0.01 * f) * (hi - lo) if k % 2 else hi - (0.002 + 0.01 * f) * (hi - lo)
            ts.append(t)
            ws.append(w)
            bs.append(b)
        groups.append((torch.stack(ts), torch.stack(ws), torch.tensor(bs, dtype=torch.float64)))
    # Degenerate rows.
    t = torch.rand(3, 6, generator=g).double()
    w = torch.randn(3, 6, generator=g).double()
    w[0] = 0.0                                  # no hyperplane at all
    b = torch.tensor([0.5, float((w[1] * t[1]).sum()), 0.0], dtype=torch.float64)  # row 1: on it
    t[2] = torch.tensor([0.0, 1.0, 0.0, 1.0, 1.0, 0.0], dtype=torch.float64)    # a corner
    groups.append((t, w, b))
    return groups


def projections():
    cases = []
    for t, w, b in projection_cases():
        out = {}
        for norm, fn in (("linf", proj.projection_linf), ("l2", proj.projection_l2)):
            d64 = fn(t.clone(), w.clone(), b.clone())
            d32 = fn(t.float(), w.float(), b.float())
            assert d64.dtype == torch.float64 and d32.dtype == torch.float32
            out[norm] = (d64, d32)
        for i in range(t.shape[0]):
            cases.append({"t": t[i], "w": w[i], "b": float(b[i]), "b32": float(b.float()[i]),
                          "linf": out["linf"][0][i], "linf32": out["linf"][1][i],
                          "l2": out["l2"][0][i], "l2_32": out["l2"][1][i]})
    text = "{\"cases\": [\n" + ",\n".join(enc(c) for c in cases) + "]}\n"
    json.loads(text)
    path = os.path.join(HERE, "fab_projections.json")
    with open(path, "w") as f:
        f.write(text)
    print("wrote", os.path.relpath(path), "with", len(cases), "cases")


# ---------------------------------------------------------------- trajectories

def build():
    g = torch.Generator().manual_seed(5)
    w1 = torch.randn(D_HID, D_IN, generator=g) * 0.3
    b1 = torch.randn(D_HID, generator=g) * 0.05
    w2 = torch.randn(N_CLS, D_HID, generator=g) * 0.5
    b2 = torch.randn(N_CLS, generator=g) * 0.05
    x = torch.rand(N_IMG, *SHAPE, generator=g)
    u = torch.rand(N_IMG, *SHAPE, generator=g)
    x[u < 0.05] = 0.0
    x[u > 0.95] = 1.0
    return w1, b1, w2, b2, x


def make_model(w1, b1, w2, b2, perm=None):
    def model(x):
        z = x.reshape(x.shape[0], -1)
        if perm is None:
            h = F.relu(F.linear(z, w1, b1))
        else:
            h = F.relu(z[:, perm] @ w1[:, perm].t() + b1)
        return F.linear(h, w2, b2)
    return model


class Recorder(fab_pt.FABAttack_PT):
    """FABAttack_PT that keeps every (input, predicted label) of
    _get_predicted_label."""

    def _get_predicted_label(self, x):
        y = super()._get_predicted_label(x)
        self.calls.append((x.detach().clone(), y.detach().clone()))
        return y


def norm_of(norm, v):
    """The reference's perturbation norm of attack_single_run, float32."""
    v = v.reshape(v.shape[0], -1)
    if norm == "Linf":
        return v.abs().max(dim=1)[0]
    return (v ** 2).sum(dim=-1).sqrt()


def fab_run(model, x, y, norm, target_class):
    att = Recorder(model, norm=norm, n_restarts=1, n_iter=N_ITER, verbose=False, device="cpu")
    att.calls = []
    if target_class:
        att.target_class = target_class
    adv = att.attack_single_run(x, y, use_rand_start=False, is_targeted=bool(target_class))
    calls = att.calls[1:]  # the first is the clean images
    assert len(calls) == N_ITER
    res2 = 1e10 * torch.ones(x.shape[0])
    trace = []
    for x1, pred in calls:
        t = norm_of(norm, x1 - x)
        adv_now = pred != y
        better = adv_now & (t < res2)
        res2 = torch.where(better, t, res2)
        trace.append(res2.clone())
    found = res2 < 1e10
    back = norm_of(norm, adv - x)
    assert torch.equal(back[found], res2[found]), "replayed norms differ from the returned images"
    assert bool((model(adv).max(1)[1] != y)[found].all())
    return torch.stack(trace), res2


def main():
    projections()

    w1, b1, w2, b2, x = build()
    model = make_model(w1, b1, w2, b2)
    with torch.no_grad():
        logits = model(x)
    y = logits.max(1)[1]
    srt = logits.sort(dim=1, descending=True)[0]
    print("labels %s; smallest gap between the 3rd and 4th logit %.3g" %
          (y.tolist(), float((srt[:, 2] - srt[:, 3]).min())))

    perm = torch.randperm(D_IN, generator=torch.Generator().manual_seed(7))
    variants = [make_model(w1, b1, w2, b2, perm)]
    for s in range(3):
        g = torch.Generator().manual_seed(s)
        variants.append(make_model(w1 * (1 + 1e-7 * torch.randn(w1.shape, generator=g)), b1,
                                   w2 * (1 + 1e-7 * torch.randn(w2.shape, generator=g)), b2))
    runs = []
    for norm in ("Linf", "L2"):
        for target_class in (0, 2, 3):
            trace, res2 = fab_run(model, x, y, norm, target_class)
            worst_final, worst_step, moved = 0.0, 0.0, 0
            for m in variants:
                tr, r2 = fab_run(m, x, y, norm, target_class)
                ok = (r2 < 1e10) & (res2 < 1e10)
                assert torch.equal(r2 < 1e10, res2 < 1e10), "a variant finds other images"
                worst_final = max(worst_final, float(((r2 - res2).abs() / res2)[ok].max()))
                both = (tr < 1e10) & (trace < 1e10)
                moved += int(((tr < 1e10) != (trace < 1e10)).sum())
                worst_step = max(worst_step, float(((tr - trace).abs() / trace)[both].max()))
            print("%-4s target_class %d: %d/%d fooled, mean final norm %.4g; under other rounding the "
                  "final norms move by %.2g relative, the per-iteration ones by %.2g, and %d "
                  "(iteration, image) first-success flags differ" %
                  (norm, target_class, int((res2 < 1e10).sum()), N_IMG,
                   float(res2[res2 < 1e10].mean()), worst_final, worst_step, moved))
            runs.append({"norm": norm.lower(), "target_class": target_class, "n_iter": N_ITER,
                         "best": trace, "dist": res2})

    flat = lambda t: t.reshape(t.shape[0], -1)
    parts = ['"w1": ' + enc(w1), '"b1": ' + enc(b1), '"w2": ' + enc(w2), '"b2": ' + enc(b2),
             '"x": ' + enc(flat(x)), '"labels": ' + enc(y.tolist()),
             '"runs": [\n' + ",\n".join(enc(r) for r in runs) + "]"]
    text = "{\n" + ",\n".join(parts) + "}\n"
    json.loads(text)
    path = os.path.join(HERE, "fab_trajectory.json")
    with open(path, "w") as f:
        f.write(text)
    print("wrote", os.path.relpath(path))


if __name__ == "__main__":
    main()
