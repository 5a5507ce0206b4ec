"""Reference trajectories of torch.optim.SGD and torch.optim.Adam for optim_test.go.

Run with /usr/bin/python3 (PyTorch 1.13) from this folder:
    /usr/bin/python3 make_fixtures.py > optim_torch.json
Each case applies the same fixed gradient sequence to one 7-element parameter
for 5 steps and records the parameter after every step.
"""
import json, torch

torch.manual_seed(0)
p0 = torch.randn(7)
grads = [torch.randn(7) for _ in range(5)]
lrs = [0.1, 0.1, 0.05, 0.03, 0.01]

def run(make):
    p = torch.nn.Parameter(p0.clone())
    opt = make([p])
    traj = []
    for g, lr in zip(grads, lrs):
        for group in opt.param_groups:
            group["lr"] = lr
        p.grad = g.clone()
        opt.step()
        traj.append(p.detach().tolist())
    return traj

cases = {
    "sgd_plain": run(lambda ps: torch.optim.SGD(ps, lr=0.1)),
    "sgd_momentum_wd": run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=5e-4)),
    "sgd_nesterov": run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)),
    "adam": run(lambda ps: torch.optim.Adam(ps, lr=0.1)),
    "adam_wd": run(lambda ps: torch.optim.Adam(ps, lr=0.1, weight_decay=1e-2)),
}
print(json.dumps({"p0": p0.tolist(), "grads": [g.tolist() for g in grads], "lrs": lrs, "cases": cases}))
