# Build, test and benchmark brainreg. Everything builds with CGO_ENABLED=0.
GO       ?= go
export CGO_ENABLED := 0
# Where the real data sets live (read-only); tests and runs read them from here.
SHARED_DATA ?= $(abspath ../shared/data)
export CIFAR10_DIR ?= $(SHARED_DATA)/cifar-10-batches-bin
export BRAINREG_NEURAL_DIR ?= $(SHARED_DATA)/neural

.PHONY: all build test test-go test-purego bench lint fmt

all: lint build test

build:
	$(GO) build ./...

# The tests run twice: on the kernel path this CPU selects (assembly where it
# has AVX2 and FMA) and on the pure-Go twins (-tags purego).
test: lint test-go test-purego

test-go:
	$(GO) test -count=1 ./...

test-purego:
	$(GO) test -count=1 -tags purego ./...

# GEMM and vector-kernel benchmarks; compare with ../shared/bench (see README).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 5x -count 5 ./simd/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags purego ./...

fmt:
	gofmt -w .
