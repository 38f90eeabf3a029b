# The suite's commands. `make experiments` and `make test` do all set-up themselves (system
# packages via scripts/ensure-deps.sh, Swift packages via SwiftPM).
SWIFT ?= swift
BIN := .build/release
PYTHON ?= python3

.PHONY: all deps build experiments test test-slurm bench compare data-fashion clean help fuzz sanitize

all: build

help:
	@echo "make experiments   build (release) and run every experiment, refreshing results/ (SEEDS=0-4 for more seeds)"
	@echo "make test          run the whole test suite (release build)"
	@echo "make test-slurm    run a small sweep as a Slurm job array on a one-node cluster made here (installs slurm-wlm, munge) and check it against a local run"
	@echo "make bench         run the benchmarks, writing results/bench/bench.csv"
	@echo "make compare       side-by-side speed/accuracy against scikit-learn, scikit-image and PyTorch (installs them with pip)"
	@echo "make data-fashion  install Fashion-MNIST (Debian package dataset-fashion-mnist)"
	@echo "make fuzz          build the libFuzzer targets (fuzz/) and run each for FUZZ_SECONDS (default 60)"
	@echo "make sanitize      parser and data test suites under AddressSanitizer (+UBSan on the C shims)"

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build -c release

# Runs every experiment executable that exists (experiments/<name>/), in a fixed order.
# SEEDS=0-4 runs every experiment on those seeds (default: each experiment's own, see README).
SEEDS ?=
experiments: build
	@scripts/run-experiments.sh $(BIN) $(if $(SEEDS),-- --seeds $(SEEDS))

# Tests run in a release build: the numeric code is far too slow unoptimized.
test: deps
	$(SWIFT) test -c release --disable-swift-testing

# Not part of `make test`: makes a one-node Slurm cluster on this machine (Debian's slurm-wlm and
# munge, installed when missing; configuration, state and sweeps in a private folder outside the
# repository, TEST_SLURM_DIR), runs a small sweep as a job array and the same sweep with
# `cvd sweep run`, and compares the merged tables byte for byte. The daemons are stopped at the end.
test-slurm: deps
	SWIFT=$(SWIFT) scripts/test-slurm.sh

bench: build
	$(BIN)/cvd-bench --out results/bench/bench.csv

# Side by side with scikit-learn, scikit-image (HOG), VLFeat (dense SIFT, Fisher vectors; Debian's libvlfeat through ctypes) and PyTorch on the same data, in one run. The Python packages are
# installed from PyPI for these reference scripts only; the suite and its tests never use Python.
# The references run without any OPENBLAS_CORETYPE the environment exports, so their BLAS picks
# its own best kernel for this CPU, as the suite's does.
BENCH := results/bench
# Rounds of the alternating suite / PyTorch measurement (median ratio and spread per row).
ROUNDS ?= 3
compare: build data-fashion
	@$(PYTHON) -c "import sklearn" 2>/dev/null || $(PYTHON) -m pip install -q scikit-learn
	@$(PYTHON) -c "import torch" 2>/dev/null || $(PYTHON) -m pip install -q torch
	@$(PYTHON) -c "import skimage" 2>/dev/null || $(PYTHON) -m pip install -q scikit-image
	@ldconfig -p | grep -q 'libvl\.so ' || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvlfeat-dev; \
	    else echo "make compare needs VLFeat's library for its reference rows: sudo apt-get install libvlfeat-dev" >&2; exit 1; fi; }
	$(BIN)/cvd-bench-classical --data fashion --out $(BENCH)/classical-suite.csv
	env -u OPENBLAS_CORETYPE $(PYTHON) benchmarks/reference/sklearn_reference.py --data fashion --out $(BENCH)/classical-reference.csv
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PYTHON) benchmarks/reference/svm_reference.py --data fashion --out $(BENCH)/svm-reference.csv
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PYTHON) benchmarks/reference/bovw_reference.py --out $(BENCH)/bovw-reference.csv
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PYTHON) benchmarks/reference/hog_reference.py timing --out $(BENCH)/hog-reference.csv
	$(PYTHON) benchmarks/reference/vlfeat_reference.py timing --out $(BENCH)/vlfeat-reference.csv
	$(BIN)/cvd-bench-neural --out $(BENCH)/neural-suite.csv
	env -u OPENBLAS_CORETYPE $(PYTHON) benchmarks/reference/torch_reference.py --out $(BENCH)/neural-reference.csv
	$(PYTHON) benchmarks/reference/alternate_compare.py --suite-bench $(BIN)/cvd-bench-neural --rounds $(ROUNDS) --out $(BENCH)/neural-alternating.csv
	$(PYTHON) benchmarks/reference/merge_compare.py --out $(BENCH)/compare.csv --all-out $(BENCH)/compare-all.csv \
	    --alternating $(BENCH)/neural-alternating.csv \
	    --suite $(BENCH)/classical-suite.csv $(BENCH)/neural-suite.csv \
	    --reference $(BENCH)/classical-reference.csv $(BENCH)/svm-reference.csv $(BENCH)/bovw-reference.csv $(BENCH)/hog-reference.csv $(BENCH)/vlfeat-reference.csv $(BENCH)/neural-reference.csv

data-fashion:
	@if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then \
	    echo "Fashion-MNIST is installed in /usr/share/datasets/fashion-mnist/"; \
	elif [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	else \
	    echo "Run: sudo apt-get install -y dataset-fashion-mnist"; exit 1; \
	fi

# Fuzzing: fuzz/ is a package of its own (the main build never sees a fuzzer entry point). Builds
# every libFuzzer target (PNG, JPEG, PPM/PGM, IDX plain and gzip, CSV, safetensors, a saved model
# folder, EXIF) with
# AddressSanitizer and runs each for FUZZ_SECONDS; a crash, leak or hang is saved under
# fuzz/regressions/<target>/, which the test suite (FuzzRegressionTests) replays from then on.
FUZZ_SECONDS ?= 60
fuzz: deps
	fuzz/run.sh $(FUZZ_SECONDS)

# Sanitizers: the test suite in a debug build under AddressSanitizer, with UndefinedBehaviorSanitizer
# on the C targets (the libpng/libjpeg/zlib shims and the numeric kernels; Swift has no UBSan on
# Linux, and its own overflow and bounds checks stay on in a debug build). Any report ends the run
# with an error. Left out by default: ExperimentRunTests, which train whole experiments (251 of the
# 349 seconds the full suite took here instrumented); SANITIZE_SKIP= runs them too. Leaks: XCTest
# on Linux leaks its own test-case objects at exit, so the test run cannot check them; the second
# step replays the fuzz corpus (every parser) through the ASan fuzz targets with LeakSanitizer on.
SANITIZE_SKIP ?= ExperimentRunTests
sanitize: deps
	ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:strict_string_checks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(SWIFT) test --scratch-path .build-asan --sanitize address \
	    -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined \
	    --disable-swift-testing $(if $(SANITIZE_SKIP),--skip '$(SANITIZE_SKIP)')
	fuzz/run.sh --replay

clean:
	rm -rf .build
