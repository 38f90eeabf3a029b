#!/usr/bin/env bash
# Runs each experiment executable in order on the embedded data, writing results/<name>/, then
# regenerates results/README.md. Usage: scripts/run-experiments.sh BIN_DIR [extra options...]
set -euo pipefail
bin=${1:?usage: run-experiments.sh BIN_DIR}; shift
order=(toy2d digits bovw capacity)
ran=0
start=$(date +%s)
for name in "${order[@]}"; do
    exe="$bin/$name"
    [ -x "$exe" ] || continue
    echo "==> $name"
    "$exe" --out "results/$name" "$@"
    ran=$((ran + 1))
done
if [ -x "$bin/cvd" ]; then "$bin/cvd" report --results results; fi
echo "ran $ran experiment(s) in $(( $(date +%s) - start )) s"
