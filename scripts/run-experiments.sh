#!/usr/bin/env bash
# Runs every experiment in order on the embedded data, writing results/<name>/, then regenerates
# results/README.md; the suite's `cvd run` does the work. Usage: scripts/run-experiments.sh BIN_DIR
# [experiment names] [--seed N] [--quick]
set -euo pipefail
bin=${1:?usage: run-experiments.sh BIN_DIR [experiments] [--seed N] [--quick]}; shift
[ -x "$bin/cvd" ] || { echo "run-experiments.sh: $bin/cvd is not built; run swift build -c release first." >&2; exit 1; }
exec "$bin/cvd" run --results results "$@"
