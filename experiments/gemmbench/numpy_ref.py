"""OpenBLAS (through NumPy) float32 GEMM timings on the shapes of
`go run ./experiments/gemmbench`, for a ratio measured in the same sitting.

Prints one JSON object a line: {"shape": "MxNxK", "trans": "NN", "gflops": median}.
Run by gemmbench -ref with OPENBLAS_NUM_THREADS set; by hand:
    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 numpy_ref.py --reps 5 64x65536x576:NN
"""
import argparse, json, time
import numpy as np

def measure(m, n, k, trans, reps):
    rng = np.random.default_rng(0)
    a = rng.random((k, m) if trans[0] == "T" else (m, k), dtype=np.float32)
    b = rng.random((n, k) if trans[1] == "T" else (k, n), dtype=np.float32)
    opa = a.T if trans[0] == "T" else a
    opb = b.T if trans[1] == "T" else b
    out = np.empty((m, n), dtype=np.float32)
    np.matmul(opa, opb, out=out)
    # Repeat each timing until it spans at least 50 ms, as gemmbench does.
    t = time.perf_counter(); np.matmul(opa, opb, out=out); one = time.perf_counter() - t
    inner = max(1, int(0.05 / max(one, 1e-9)))
    rates = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(inner):
            np.matmul(opa, opb, out=out)
        rates.append(2.0 * m * n * k * inner / (time.perf_counter() - t) / 1e9)
    return float(np.median(rates))

p = argparse.ArgumentParser()
p.add_argument("--reps", type=int, default=5)
p.add_argument("shapes", nargs="+", help="MxNxK:TT, e.g. 64x576x65536:NT")
args = p.parse_args()
for s in args.shapes:
    dims, trans = s.split(":")
    m, n, k = map(int, dims.split("x"))
    print(json.dumps({"shape": dims, "trans": trans, "gflops": measure(m, n, k, trans, args.reps)}), flush=True)
