#!/usr/bin/env bash
# Builds every libFuzzer target of fuzz/ (with AddressSanitizer) and runs each for the given
# number of seconds, one after the other. The seed corpus (fuzz/corpus/<target>) is read; what
# the fuzzer learns goes into the ignored working corpus (.build-fuzz/corpus/<target>); a crash,
# leak or hang is written to fuzz/regressions/<target>/, where the test suite replays it.
#
#   fuzz/run.sh [seconds per target] [target ...]      (default 60 s, every target)
#   fuzz/run.sh --replay [target ...]                     (each tracked corpus and regression file once)
#
# --replay runs the files under AddressSanitizer and LeakSanitizer without fuzzing (make sanitize).
# Ends non-zero when any target found a failure. Set FUZZ_NICE=19 to use only idle CPU, and
# FUZZ_SKIP_BUILD=1 to run the targets as last built.
set -euo pipefail
cd "$(dirname "$0")"
replay=
if [ "${1:-}" = --replay ]; then replay=1; shift; fi
seconds=60
if [ -z "$replay" ] && [ $# -gt 0 ]; then seconds=$1; shift; fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=(png jpeg pnm idx idx-gzip csv safetensors model exif); fi
scratch=../.build-fuzz
nice_level=${FUZZ_NICE:-0}

# Debug configuration plus -O: optimized code that keeps Swift's overflow and bounds checks, the
# very traps the fuzzer looks for.
# Every swift build call uses the same flags: a call with other flags (even --show-bin-path)
# rewrites the build plan, and the next build then links modules without coverage instrumentation.
flags=(--scratch-path "$scratch" -c debug --sanitize fuzzer --sanitize address -Xswiftc -O)
build() {
    nice -n "$nice_level" swift build "${flags[@]}" 2>&1 | grep -v "ld.gold: warning: Cannot export local symbol" >&2
    return "${PIPESTATUS[0]}"
}
bin=$(swift build "${flags[@]}" --show-bin-path)
# The coverage counters libFuzzer finds in a target: a few hundred means only the target's own
# file was instrumented, not the parsers it fuzzes.
counters() {
    SWIFT_BACKTRACE=enable=no "$bin/fuzz-$1" -runs=0 2>&1 | grep -ao 'Loaded 1 modules *([0-9]*' | grep -o '[0-9]*$' || echo 0
}
if [ -z "${FUZZ_SKIP_BUILD:-}" ]; then
    # A path dependency's source list is cached with the build plan: drop the plan once and retry
    # when files were added to the main package since the last build.
    build || { rm -f "$scratch/debug.yaml" "$scratch"/*/debug/description.json; build; }
    if [ "$(counters pnm)" -lt 1000 ]; then
        echo "The fuzz targets lack coverage instrumentation; rebuilding them." >&2
        rm -rf "$scratch"/*/debug/*.build
        build
    fi
fi

# libFuzzer reports crashes itself; Swift's own backtracer would only get in its way.
export SWIFT_BACKTRACE=enable=no
failed=0
if [ -n "$replay" ]; then
    for target in "${targets[@]}"; do
        existing=()
        for f in corpus/"$target"/* regressions/"$target"/*; do [ -f "$f" ] && existing+=("$f"); done
        log="$scratch/replay-$target.log"
        if "$bin/fuzz-$target" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 "${existing[@]}" >"$log" 2>&1; then
            printf 'fuzz-%-12s %4d files replayed: clean\n' "$target" "${#existing[@]}"
        else
            printf 'fuzz-%-12s %4d files replayed: FAILED, see %s\n' "$target" "${#existing[@]}" "$log"
            grep -m3 -E "ERROR|SUMMARY|Fatal error" "$log" || true
            failed=1
        fi
    done
    exit $failed
fi
for target in "${targets[@]}"; do
    work="$scratch/corpus/$target"
    artifacts="regressions/$target"
    mkdir -p "$work" "$artifacts"
    log="$scratch/fuzz-$target.log"
    # 4 KiB inputs are plenty for headers and small images; 10 s per input counts as a hang; 2 GiB
    # of resident memory or a single 512 MiB allocation counts as a memory failure.
    set +e
    # A saved model folder holds a card of about 1 KiB and its tensors: 16 KiB.
    max_len=4096; [ "$target" = model ] && max_len=16384
    nice -n "$nice_level" "$bin/fuzz-$target" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
        -rss_limit_mb=2048 -malloc_limit_mb=512 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$work" "corpus/$target" >"$log" 2>&1
    status=$?
    set -e
    runs=$(grep -ao '^stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    rate=$(grep -ao '^stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    corpus=$(grep -ao 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2 || echo "?")
    coverage=$(grep -ao 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || echo "?")
    if [ $status -eq 0 ]; then verdict=clean; else verdict="FAILED (exit $status, see $log)"; failed=1; fi
    printf 'fuzz-%-12s %6ss  %10s runs  %7s exec/s  corpus %-12s cov %-6s %s\n' \
        "$target" "$seconds" "$runs" "$rate" "$corpus" "$coverage" "$verdict"
done
exit $failed
