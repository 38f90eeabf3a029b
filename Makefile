# The suite's commands. `make experiments` and `make test` do all set-up themselves (system
# packages via scripts/ensure-deps.sh, Swift packages via SwiftPM).
SWIFT ?= swift
BIN := .build/release
PYTHON ?= python3

.PHONY: all deps build experiments test bench compare data-fashion clean help

all: build

help:
	@echo "make experiments   build (release) and run every experiment, refreshing results/"
	@echo "make test          run the whole test suite (release build)"
	@echo "make bench         run the benchmarks, writing results/bench/bench.csv"
	@echo "make compare       side-by-side speed/accuracy against scikit-learn and PyTorch (installs them with pip)"
	@echo "make data-fashion  install Fashion-MNIST (Debian package dataset-fashion-mnist)"

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build -c release

# Runs every experiment executable that exists (experiments/<name>/), in a fixed order.
experiments: build
	@scripts/run-experiments.sh $(BIN)

# Tests run in a release build: the numeric code is far too slow unoptimized.
test: deps
	$(SWIFT) test -c release --disable-swift-testing

bench: build
	$(BIN)/cvd-bench --out results/bench/bench.csv

# Side by side with scikit-learn and PyTorch on the same data, in one run. The Python packages are
# installed from PyPI for these reference scripts only; the suite and its tests never use Python.
# The references run without any OPENBLAS_CORETYPE the environment exports, so their BLAS picks
# its own best kernel for this CPU, as the suite's does.
BENCH := results/bench
compare: build data-fashion
	@$(PYTHON) -c "import sklearn" 2>/dev/null || $(PYTHON) -m pip install -q scikit-learn
	@$(PYTHON) -c "import torch" 2>/dev/null || $(PYTHON) -m pip install -q torch
	$(BIN)/cvd-bench-classical --data fashion --out $(BENCH)/classical-suite.csv
	env -u OPENBLAS_CORETYPE $(PYTHON) benchmarks/reference/sklearn_reference.py --data fashion --out $(BENCH)/classical-reference.csv
	$(BIN)/cvd-bench-neural --out $(BENCH)/neural-suite.csv
	env -u OPENBLAS_CORETYPE $(PYTHON) benchmarks/reference/torch_reference.py --out $(BENCH)/neural-reference.csv
	$(PYTHON) benchmarks/reference/merge_compare.py --out $(BENCH)/compare.csv \
	    --suite $(BENCH)/classical-suite.csv $(BENCH)/neural-suite.csv \
	    --reference $(BENCH)/classical-reference.csv $(BENCH)/neural-reference.csv

data-fashion:
	@if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then \
	    echo "Fashion-MNIST is installed in /usr/share/datasets/fashion-mnist/"; \
	elif [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	else \
	    echo "Run: sudo apt-get install -y dataset-fashion-mnist"; exit 1; \
	fi

clean:
	rm -rf .build
