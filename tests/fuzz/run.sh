#!/bin/sh
# make fuzz-run: runs each libFuzzer target in turn (one process, one job)
# to FUZZ_RUNS executions (default ten million) or for FUZZ_SECONDS, whichever
# comes first, on its seed corpus (tests/fuzz/corpus/NAME, read only) and its
# dictionary (tests/fuzz/NAME.dict) where there is one. New inputs go to
# BUILD/corpus/NAME, crashes to BUILD/artifacts/NAME, the output to
# BUILD/logs/NAME.log. Ends with a table; exit status 1 when a target
# crashed (its reproducer named), 2 on a usage error.
#   usage: tests/fuzz/run.sh BUILD_DIR TARGET...    (TARGET: grub_fuzz, ...)
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR TARGET..." >&2; exit 2; }
build=$1
shift
runs=${FUZZ_RUNS:-10000000}
seconds=${FUZZ_SECONDS:-}

rc=0
table=""
for target in "$@"; do
    name=${target%_fuzz}
    bin=$build/$target
    if [ ! -x "$bin" ]; then
        echo "fuzz-run: $bin is not built; run 'make fuzz'" >&2
        exit 2
    fi
    work=$build/corpus/$name
    artifacts=$build/artifacts/$name
    log=$build/logs/$name.log
    mkdir -p "$work" "$artifacts" "$build/logs"
    set -- -runs="$runs" -print_final_stats=1 -timeout=25 -rss_limit_mb=2560 -artifact_prefix="$artifacts/"
    [ -n "$seconds" ] && set -- "$@" -max_total_time="$seconds"
    [ -f "$here/$name.dict" ] && set -- "$@" -dict="$here/$name.dict"
    seeds=$here/corpus/$name
    [ -d "$seeds" ] || seeds=
    echo "fuzz-run: $target (log: $log)"
    start=$(date +%s)
    # shellcheck disable=SC2086 # no seed directory: no argument
    "$bin" "$@" "$work" $seeds >"$log" 2>&1
    status=$?
    elapsed=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
    # the corpus libFuzzer held at the end (seeds and new inputs, minimized)
    corpus=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' "$log" | tail -n1)
    if [ "$status" -eq 0 ]; then
        crashes=0
    else
        crashes=1
        rc=1
        unit=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n1)
        echo "fuzz-run: $target FAILED (exit $status): reproducer ${unit:-none written}; rerun: $bin ${unit:-}" >&2
        grep -m3 -E 'ERROR: |property does not hold|runtime error' "$log" >&2
    fi
    table="$table$(printf '%-20s %12s %8s %10s %8s %8s' "$target" "${execs:-?}" "$elapsed" "${rate:-?}" "$crashes" "${corpus:-?}")
"
done
printf '%-20s %12s %8s %10s %8s %8s\n' target executions seconds exec/s crashes corpus
printf '%s' "$table"
exit "$rc"
