"""Writes torch_written.safetensors for checkpoint_test.go: a file laid out by
the safetensors specification (8-byte little-endian header length, JSON
header, raw little-endian data), written here by hand because the safetensors
Python package is not installed on these machines; the values come from torch.

Run with /usr/bin/python3 from this folder.
"""
import json, struct, torch

torch.manual_seed(0)
w = torch.randn(2, 3, 1, 1)
n = torch.tensor(7, dtype=torch.int64)
blobs, header, off = [], {}, 0
for name, t, dt in [("conv.weight", w, "F32"), ("bn.num_batches_tracked", n, "I64")]:
    b = t.numpy().tobytes()
    header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
    blobs.append(b); off += len(b)
header["__metadata__"] = {"format": "pt"}
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open("torch_written.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
print(json.dumps({"conv.weight": w.flatten().tolist()}))
