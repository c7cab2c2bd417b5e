# shellcheck shell=sh
# The one PASS/FAIL reporter of the shell, VM and system tests (sourced).
#   report_pass NAME              one check passed
#   report_fail NAME [DETAIL...]  one check failed; each DETAIL on its own indented line
#   report_check NAME CMD...      runs CMD: passed when it exits 0
#   report_finish [LABEL]         the closing "LABEL: N passed, M failed" line; its
#                                 status is 0 only when something passed and nothing failed
REPORT_PASSED=0
REPORT_FAILED=0
report_pass() {
    REPORT_PASSED=$((REPORT_PASSED + 1))
    echo "PASS $1"
}
report_fail() {
    REPORT_FAILED=$((REPORT_FAILED + 1))
    echo "FAIL $1"
    shift
    for _report_line in "$@"; do printf '    %s\n' "$_report_line"; done
}
report_check() {
    _report_name=$1
    shift
    if "$@"; then report_pass "$_report_name"; else report_fail "$_report_name"; fi
}
report_finish() {
    echo "${1:+$1: }$REPORT_PASSED passed, $REPORT_FAILED failed"
    [ "$REPORT_FAILED" -eq 0 ] && [ "$REPORT_PASSED" -gt 0 ]
}
