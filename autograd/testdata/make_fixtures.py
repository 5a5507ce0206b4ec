#!/usr/bin/python3
"""Reference outputs and gradients from PyTorch for the autograd tests.

Run with the interpreter that has torch (PyTorch 1.13 here):

    /usr/bin/python3 autograd/testdata/make_fixtures.py

It writes fixtures.json beside itself: a list of cases, each naming an
operation, its parameters, and tensors as {"shape": [...], "data": [...]}
(float32 values, row-major). Every case holds the inputs, an upstream
gradient "gy" for the output (random, so every output element matters), the
output "y", and the gradient of sum(y * gy) with respect to each input,
named "g" + the input's name. The Go test (fixtures_test.go) recomputes all
of them and compares within a tolerance.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(2019)
cases = []


def tensor(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float("%.9g" % v) for v in t.flatten().tolist()]}


def add(name, op, params, inputs, fn, extra_out=None):
    """inputs: dict name -> tensor (requires_grad set where a gradient is
    wanted); fn(**inputs) -> output tensor."""
    leaves = {k: v.clone().requires_grad_(v.requires_grad) for k, v in inputs.items()}
    y = fn(**leaves)
    gy = torch.randn_like(y)
    grads_for = [k for k, v in leaves.items() if v.requires_grad]
    grads = torch.autograd.grad((y * gy).sum(), [leaves[k] for k in grads_for])
    ts = {k: tensor(v) for k, v in inputs.items()}
    ts["y"], ts["gy"] = tensor(y), tensor(gy)
    for k, g in zip(grads_for, grads):
        ts["g" + k] = tensor(g)
    if extra_out:
        ts.update({k: tensor(v) for k, v in extra_out().items()})
    cases.append({"name": name, "op": op, "params": params, "tensors": ts})


def rnd(*shape, grad=True):
    return torch.randn(*shape).requires_grad_(grad)


# conv2d: kernels 1, 3, 7; strides 1, 2; paddings 0, 1, 3; with and without bias.
for k, s, p, bias in [(3, 1, 1, True), (3, 2, 1, False), (3, 1, 0, True), (3, 2, 3, True),
                      (1, 1, 0, True), (1, 2, 0, False), (7, 1, 3, False), (7, 2, 3, True)]:
    ins = {"x": rnd(2, 3, 9, 8), "w": rnd(4, 3, k, k) * 0.3}
    ins["w"] = ins["w"].detach().requires_grad_()
    if bias:
        ins["b"] = rnd(4)
    fn = (lambda x, w, b: F.conv2d(x, w, b, s, p)) if bias else (lambda x, w: F.conv2d(x, w, None, s, p))
    add("conv2d k%d s%d p%d%s" % (k, s, p, " bias" if bias else ""), "conv2d",
        {"stride": s, "padding": p}, ins, fn)

# Batch norm: training (batch statistics, running averages updated) and evaluation.
for training in [True, False]:
    state = {}

    def fn(x, gamma, beta, running_mean, running_var, training=training, state=state):
        m, v = running_mean.clone(), running_var.clone()
        y = F.batch_norm(x, m, v, gamma, beta, training=training, momentum=0.1, eps=1e-5)
        state["running_mean_after"], state["running_var_after"] = m, v
        return y

    add("batch_norm2d " + ("train" if training else "eval"), "batch_norm2d",
        {"training": training, "momentum": 0.1, "eps": 1e-5},
        {"x": (torch.randn(4, 3, 5, 5) * 2 + 0.5).requires_grad_(), "gamma": rnd(3), "beta": rnd(3),
         "running_mean": torch.randn(3) * 0.2, "running_var": torch.rand(3) + 0.5},
        fn, extra_out=lambda state=state: state)

# Pooling.
for k, s, p in [(3, 2, 1), (2, 2, 0), (3, 1, 1)]:
    add("max_pool2d k%d s%d p%d" % (k, s, p), "max_pool2d", {"kernel": k, "stride": s, "padding": p},
        {"x": rnd(2, 3, 7, 6)}, lambda x: F.max_pool2d(x, k, s, p))
    add("avg_pool2d k%d s%d p%d" % (k, s, p), "avg_pool2d", {"kernel": k, "stride": s, "padding": p},
        {"x": rnd(2, 3, 7, 6)}, lambda x: F.avg_pool2d(x, k, s, p))
add("global_avg_pool2d", "global_avg_pool2d", {}, {"x": rnd(3, 4, 5, 3)},
    lambda x: F.adaptive_avg_pool2d(x, 1).flatten(1))

# Bilinear sampling with zero padding, both corner conventions; some points outside.
for align in [False, True]:
    add("grid_sample align_corners=%s" % align, "grid_sample", {"align_corners": align},
        {"x": rnd(2, 3, 5, 6), "grid": (torch.rand(2, 4, 3, 2) * 2.4 - 1.2).requires_grad_()},
        lambda x, grid: F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=align))

# Cross-entropy with integer labels (stored as floats).
labels = torch.tensor([0, 6, 3, 3, 1])
add("cross_entropy", "cross_entropy", {}, {"logits": (rnd(5, 7) * 2).detach().requires_grad_(), "labels": labels.float()},
    lambda logits, labels: F.cross_entropy(logits, labels.long()))

# A few more against PyTorch's definitions.
add("poisson_nll", "poisson_nll", {"eps": 1e-8},
    {"pred": (torch.rand(3, 4) * 3 + 0.1).requires_grad_(), "target": torch.poisson(torch.rand(3, 4) * 3)},
    lambda pred, target: F.poisson_nll_loss(pred, target, log_input=False, full=False, eps=1e-8))
add("cosine_similarity", "cosine_similarity", {"eps": 1e-8}, {"a": rnd(4, 6), "b": rnd(4, 6)},
    lambda a, b: F.cosine_similarity(a, b, dim=1, eps=1e-8))
add("pad2d reflect", "pad2d", {"left": 2, "right": 1, "top": 3, "bottom": 0},
    {"x": rnd(2, 2, 4, 5)}, lambda x: F.pad(x, (2, 1, 3, 0), mode="reflect"))
add("log_softmax", "log_softmax", {}, {"x": rnd(3, 5)}, lambda x: F.log_softmax(x, dim=-1))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
print("wrote %d cases to %s (%d bytes)" % (len(cases), out, os.path.getsize(out)))
