"""Fixtures for nn's PyTorch comparison tests (resnet_test.go).

Run with /usr/bin/python3 (PyTorch 1.13) from this folder: python3 make_fixtures.py
For each model it writes <name>.safetensors holding the initial state_dict,
the input "x" and labels "y", and after one forward and backward pass in
training mode: "logits", "loss" (mean cross-entropy), "features.K" (the stem
and stage outputs), "grad.<param>" for every parameter, "after.<buffer>" for
the updated batch-norm buffers, and "logits_eval" from evaluation mode after
that pass.
"""
import numpy as np, torch, torch.nn.functional as F
import torch_models as tm

torch.set_num_threads(1)


def make(name, model, n, size):
    torch.manual_seed(1)
    for m in model.modules():
        # Non-trivial batch-norm parameters and statistics, so the test sees them.
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5); m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.1, 0.1); m.running_var.uniform_(0.5, 1.5)
    init = {k: v.detach().clone().numpy() for k, v in model.state_dict().items()}
    x = torch.randn(n, 1, size, size)
    y = torch.randint(0, 10, (n,))
    model.train()
    logits, feats = model.forward_features(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    out = dict(init)
    out["x"] = x.numpy(); out["y"] = y.numpy().astype(np.int64)
    out["logits"] = logits.detach().numpy(); out["loss"] = np.array([loss.item()], np.float32)
    for i, f in enumerate(feats):
        out["features.%d" % i] = f.detach().numpy()
    for k, p in model.named_parameters():
        out["grad." + k] = p.grad.numpy()
    for k, b in model.named_buffers():
        out["after." + k] = b.numpy()
    model.eval()
    with torch.no_grad():
        out["logits_eval"] = model(x).numpy()
    tm.save_safetensors(name + ".safetensors", out)
    print(name, sum(v.size for v in out.values()), "values")


torch.manual_seed(0)
# A narrow small ResNet: 3×3 stem, three stages, identity and downsampling blocks.
make("small_narrow", tm.ResNet([4, 8, 16], [2, 1, 1], 3), n=4, size=16)
# The paper's ResNet-18 form, narrow: 7×7 stride-1 stem, four stages.
torch.manual_seed(0)
make("resnet18_narrow", tm.ResNet([4, 8, 8, 16], [1, 1, 1, 1], 7), n=3, size=16)
