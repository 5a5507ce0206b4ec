"""PyTorch twins of the models in package nn, with the same state_dict names
and layouts, and a dependency-free reader/writer of the safetensors files
that brainreg writes. A PyTorch user loads a brainreg checkpoint with

    import torch_models as tm
    model = tm.resnet18()                      # or tm.small_resnet(), tm.resnet34(), tm.tiny_resnet()
    model.load_state_dict(tm.load_state_dict("model.safetensors"))
    # or, whichever of them the checkpoint holds:
    model = tm.from_checkpoint("model.safetensors")
    model.eval(); logits = model(x)            # x: [N, 1, 32, 32], scaled 5·(x − 0.5)

and gets the same logits as brainreg. Needs only torch and numpy.
"""
import json, struct
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F


class BasicBlock(nn.Module):
    """out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), torchvision names."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    """Stem conv (stride 1, no max-pool) + bn + relu, stages of basic blocks, global average pool, fc."""

    def __init__(self, widths, blocks, stem_kernel, in_channels=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, widths[0], stem_kernel, 1, stem_kernel // 2, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        cin = widths[0]
        for s, (w, n) in enumerate(zip(widths, blocks)):
            layer = []
            for j in range(n):
                layer.append(BasicBlock(cin, w, 2 if (j == 0 and s > 0) else 1))
                cin = w
            setattr(self, "layer%d" % (s + 1), nn.Sequential(*layer))
        self.nstages = len(widths)
        self.fc = nn.Linear(cin, classes)

    def forward_features(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        feats = [y]
        for s in range(self.nstages):
            y = getattr(self, "layer%d" % (s + 1))(y)
            feats.append(y)
        return self.fc(F.adaptive_avg_pool2d(y, 1).flatten(1)), feats

    def forward(self, x):
        return self.forward_features(x)[0]


def resnet18(classes=10):
    return ResNet([64, 128, 256, 512], [2, 2, 2, 2], 7, classes=classes)


def resnet34(classes=10):
    return ResNet([64, 128, 256, 512], [3, 4, 6, 3], 7, classes=classes)


def small_resnet(classes=10):
    return ResNet([16, 32, 64], [3, 3, 3], 3, classes=classes)


def tiny_resnet(classes=10):
    """nn.TinyConfig: the smoke preset's model."""
    return ResNet([4, 8, 16], [1, 1, 1], 3, classes=classes)


_DT = {"F32": np.float32, "I64": np.int64, "F64": np.float64, "I32": np.int32}


def load_safetensors(path):
    """Returns ({name: numpy array}, metadata) from a safetensors file."""
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(buf[8 + n + a:8 + n + b], dtype=_DT[info["dtype"]]).reshape(info["shape"]).copy()
    return out, meta


def save_safetensors(path, arrays, metadata=None):
    """Writes {name: numpy array (float32 or int64)} as a safetensors file."""
    header, blobs, off = {}, [], 0
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        dt = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}[a.dtype]
        b = a.tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def from_checkpoint(path):
    """The ResNet a brainreg checkpoint holds, its form read off the tensors (stem kernel, stage
    widths and block counts, input channels and classes), with the checkpoint's weights loaded."""
    arrays, _ = load_safetensors(path)
    widths, blocks = [], []
    while "layer%d.0.conv1.weight" % (len(widths) + 1) in arrays:
        s = len(widths) + 1
        widths.append(arrays["layer%d.0.conv1.weight" % s].shape[0])
        n = 0
        while "layer%d.%d.conv1.weight" % (s, n) in arrays:
            n += 1
        blocks.append(n)
    stem = arrays["conv1.weight"]
    model = ResNet(widths, blocks, stem.shape[2], in_channels=stem.shape[1], classes=arrays["fc.weight"].shape[0])
    model.load_state_dict(load_state_dict(path))
    return model


def load_state_dict(path):
    """A brainreg checkpoint's model tensors as a torch state_dict."""
    arrays, _ = load_safetensors(path)
    return {k: torch.from_numpy(v) for k, v in arrays.items() if not k.startswith(("optim.", "extra."))}
