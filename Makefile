# Build, test and benchmark brainreg. Everything builds with CGO_ENABLED=0.
GO       ?= go
export CGO_ENABLED := 0
# Where the real data sets live (read-only); tests and runs read them from here.
SHARED_DATA ?= $(abspath ../shared/data)
# Point the tests at the shared copies only where they exist; elsewhere
# data/datatest takes CIFAR-10 from the download cache and skips the neural
# tests (with CI=true a missing data set fails instead).
ifneq ($(wildcard $(SHARED_DATA)/cifar-10-batches-bin/data_batch_1.bin),)
export CIFAR10_DIR ?= $(SHARED_DATA)/cifar-10-batches-bin
endif
ifneq ($(wildcard $(SHARED_DATA)/neural/antolik2016),)
export BRAINREG_NEURAL_DIR ?= $(SHARED_DATA)/neural
endif

.PHONY: cross-build all build test test-go test-purego test-arm64 bench bench-once lint fmt dist fuzz race test-slurm

# Static binaries for clusters: cifar_reg for each platform, stamped with
# the commit (cifar_reg version prints it with the CPU features and kernel path).
DIST_PLATFORMS ?= linux/amd64 linux/arm64 darwin/arm64 windows/amd64
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

all: lint build test

build:
	$(GO) build ./...

# The tests run twice: on the kernel path this CPU selects (assembly where it
# has AVX2 and FMA) and on the pure-Go twins (-tags purego). The second pass
# covers the packages up to nn/ and data/, where the kernels are chosen and
# every layer and attack is checked on them; experiments/ only drives those
# packages (its end-to-end runs took 5 of the pass's minutes on 2 cores) and
# runs on the selected path only.
PUREGO_PKGS = $(shell $(GO) list ./... | grep -v /experiments/)
test: lint test-go test-purego

test-go:
	$(GO) test -count=1 ./...

test-purego:
	$(GO) test -count=1 -tags purego $(PUREGO_PKGS)

# The arm64 kernels (NEON) and their Go twins, run under qemu user-mode
# emulation: needs qemu-aarch64 (Debian's qemu-user), which this target does
# not install. go vet checks the assembly's frame offsets for arm64. The
# autograd and nn tests run too: the convolution paths choose their products
# by the kernel's tile, which differs on arm64.
QEMU_AARCH64 ?= qemu-aarch64
test-arm64:
	GOARCH=arm64 $(GO) vet ./simd/
	GOARCH=arm64 $(GO) test -count=1 -exec $(QEMU_AARCH64) ./simd/ ./autograd/ ./nn/
	GOARCH=arm64 $(GO) test -count=1 -exec $(QEMU_AARCH64) -tags purego ./simd/

# Every decoder a user can feed, fuzzed for FUZZTIME each (seed corpora are
# in the tests and testdata/fuzz).
FUZZTIME ?= 15s
FUZZ_TARGETS := FuzzOpen:./data/cifar FuzzRead:./data/npy FuzzReadManifest:./data/neural FuzzDecode:./nn/checkpoint \
	FuzzOpen:./data/sensorium FuzzTrainFlags:./experiments/cifar_reg
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		name=$${t%%:*}; pkg=$${t#*:}; echo "fuzz $$name $$pkg"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 3s $$pkg || exit 1; \
	done

# The race detector over the packages that run goroutines (needs cgo).
# experiments/internal/robust only drives nn/attack's parallel loops and
# takes minutes under the detector, so nn/attack stands for it.
RACE_PKGS := ./simd/ ./simd/workers/ ./autograd/ ./data/cifar/ ./data/sensorium/ ./nn/attack/
race:
	CGO_ENABLED=1 $(GO) test -race -count=1 $(RACE_PKGS)

# A smoke sweep submitted to a real single-node SLURM started on this
# machine (installs Debian's slurm-wlm and munge; needs root).
test-slurm:
	bash experiments/cifar_reg/testdata/slurm_test.sh

# GEMM and vector-kernel benchmarks; compare with ../shared/bench (see README).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 5x -count 5 ./simd/

# The whole module builds (CGO_ENABLED=0) for every system the project
# claims: Linux, macOS, Windows, the BSDs, Solaris and illumos, on amd64 and,
# where Go has it, arm64. CI runs it.
CROSS_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64 \
	freebsd/amd64 freebsd/arm64 openbsd/amd64 openbsd/arm64 netbsd/amd64 netbsd/arm64 dragonfly/amd64 \
	solaris/amd64 illumos/amd64
cross-build:
	@for p in $(CROSS_PLATFORMS); do \
		echo "build $$p"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build ./... || exit 1; \
	done

# Every benchmark of the module run once, so that a broken one fails CI
# instead of rotting (CI runs this; it times nothing).
bench-once:
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 1x ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags purego ./...

fmt:
	gofmt -w .

dist:
	@mkdir -p dist
	@for p in $(DIST_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		out=dist/cifar_reg-$$os-$$arch$$ext; \
		echo "building $$out"; \
		GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "-s -w -X github.com/brainreg/brainreg/experiments/internal/buildinfo.Commit=$(COMMIT)" -o $$out ./experiments/cifar_reg || exit 1; \
	done
