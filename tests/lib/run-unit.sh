#!/bin/sh
# make check-unit: the doctest suite with a closing line that cannot report
# less than the truth. Every test case the filters select is counted: one
# that did not run (a crash in another case ends the run; doctest then calls
# the rest "skipped") is a failure, and a run that dies before its summary
# counts every case it should have run as failed.
#   tests/lib/run-unit.sh RUN_TESTS [DOCTEST_ARGS...]
# Ends with "unit: N passed, M failed"; exit 0 only when all ran and passed.
set -u
bin=$1
shift
total=$("$bin" --count "$@" 2> /dev/null | sed -n 's/.*passing the current filters: *\([0-9][0-9]*\).*/\1/p')
if [ -z "$total" ]; then
    echo "unit: $bin --count failed: the suite cannot even list its cases"
    echo "unit: 0 passed, 1 failed"
    exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bin" "$@" > "$out" 2>&1
rc=$?
cat "$out"
summary=$(sed -n 's/^\[doctest\] test cases: *[0-9]* | *\([0-9]*\) passed | *\([0-9]*\) failed.*/\1 \2/p' "$out" | tail -n 1)
if [ -z "$summary" ]; then
    echo "unit: the suite died before its summary (exit $rc): all $total selected cases count as failed"
    echo "unit: 0 passed, $total failed"
    exit 1
fi
passed=${summary% *} failed=${summary#* }
notrun=$((total - passed - failed))
if [ "$notrun" -gt 0 ]; then
    echo "unit: $notrun of $total selected cases did not run (a crash ends the run): counted as failed"
    failed=$((failed + notrun))
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "unit: the suite exited $rc with no failed case: counted as one failure"
    failed=1
fi
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
