#!/bin/bash
# compare_ref.sh: interleaved rounds of the project's speed benchmarks and
# the established references they are judged against, in one sitting:
#   trainbench (ResNet-18, small; with and without the similarity penalty)
#     vs PyTorch 1.13 (../shared/bench/torch_ref.py),
#   the full-scale similarity target (float32 and bfloat16)
#     vs NumPy/OpenBLAS (data/rsa/testdata/rrt_ref.py).
# Quote medians over rounds; the machine is shared and noisy.
#
#   ROUNDS=3 experiments/compare_ref.sh > compare.txt 2>&1
#
# Needs python3-torch, python3-numpy and libopenblas0-pthread (see
# ../shared/bench/README.md). OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset
# so that OpenBLAS picks its own kernel for this CPU.
set -u
cd "$(dirname "$0")/.."
bench=${BENCH_DIR:-../shared/bench}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/tb" ./experiments/trainbench && go test -c -o "$tmp/rsa.test" ./data/rsa/ || exit 1
for r in $(seq 1 "${ROUNDS:-3}"); do
  echo "=== round $r $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  "$tmp/tb" -model resnet18 -batch 64 -steps 5 -threads 2
  "$tmp/tb" -model resnet18 -batch 64 -steps 5 -threads 2 -pairs 16
  "$tmp/tb" -model small -batch 64 -steps 30 -threads 2
  "$tmp/tb" -model small -batch 64 -steps 30 -threads 2 -pairs 16
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/time -f 'torch peak_rss_kb %M' \
    /usr/bin/python3 "$bench/torch_ref.py" 2 2>&1 | grep -v sgemm
  (cd data/rsa && "$tmp/rsa.test" -test.run '^$' -test.bench 'FullScaleSimilarity/(fp32|bf16)$' -test.benchtime 1x 2>&1 | grep -E 's/target')
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 /usr/bin/python3 data/rsa/testdata/rrt_ref.py
done
