# NumPy reference for BenchmarkFullScaleSimilarity (data/rsa/bench_test.go):
# the mean over scans of the similarity matrix S = R̃·R̃ᵀ, where R̃ is a
# scan's images×neurons float32 response matrix with each neuron centred
# across images and each image's row scaled to unit length.
#
#   OPENBLAS_NUM_THREADS=2 /usr/bin/python3 data/rsa/testdata/rrt_ref.py [scans images neurons]
#
# Defaults are the paper's scale: 8 scans, 5,000 images, 8,000 neurons.
# Prints the seconds for the whole mean and for the products alone.
import sys, time
import numpy as np

scans, images, neurons = (int(a) for a in sys.argv[1:4]) if len(sys.argv) > 3 else (8, 5000, 8000)
rng = np.random.default_rng(1)
R0 = rng.standard_normal((images, neurons), dtype=np.float32)

S = np.zeros((images, images), np.float32)
t_prod = 0.0
fastest = float("inf")  # the least disturbed scan, on a shared machine
t0 = time.perf_counter()
for s in range(scans):
    ts = time.perf_counter()
    R = R0.copy()  # stands for reading scan s; the Go benchmark copies too
    R -= R.mean(axis=0, keepdims=True)
    R /= np.linalg.norm(R, axis=1, keepdims=True)
    t1 = time.perf_counter()
    S += R @ R.T
    t_prod += time.perf_counter() - t1
    fastest = min(fastest, time.perf_counter() - ts)
S /= scans
total = time.perf_counter() - t0
print("numpy %d scans x %d images x %d neurons: total %.2f s (fastest scan %.2f s), R@R.T alone %.2f s (%.1f GFLOP/s counting 2*n*n*k)"
      % (scans, images, neurons, total, fastest, t_prod, scans * 2.0 * images * images * neurons / t_prod / 1e9))
