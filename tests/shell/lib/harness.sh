# shellcheck shell=sh
# Sourced by the shell tests (tests/shell/*.sh): a scratch dir $T removed on
# exit, the shared reporter, and fixture sysfs trees from the unit tests'
# builder ($B/make-fixture, built by `make check-shell`).
# shellcheck source=tests/lib/report.sh
. "$(dirname "$0")/../lib/report.sh"

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ok() { report_pass "$1"; }
ko() { report_fail "$1"; }

# expect NAME WANTED_RC GREP_PATTERN -- command...
expect() {
    name=$1 want=$2 pat=$3
    shift 4
    "$@" >"$T/out" 2>&1
    rc=$?
    if [ "$rc" -ne "$want" ]; then ko "$name (exit $rc, wanted $want)"; sed 's/^/    /' "$T/out"; return; fi
    if [ -n "$pat" ] && ! grep -q -- "$pat" "$T/out"; then ko "$name (no '$pat' in output)"; sed 's/^/    /' "$T/out"; return; fi
    ok "$name"
}

# same NAME FILE1 FILE2: byte for byte
same() { if cmp -s "$2" "$3"; then ok "$1"; else ko "$1"; diff -u "$2" "$3" | sed 's/^/    /'; fi; }

# add_dev ROOT ADDR VENDOR DEVICE CLASS GROUP DRIVER BOOT_VGA
# GROUP and DRIVER may be '-'. SUBSYS_VENDOR/SUBSYS_DEVICE set the subsystem ids.
add_dev() {
    "$B/make-fixture" "$@" "${SUBSYS_VENDOR:-1af4}" "${SUBSYS_DEVICE:-1100}" ||
        { ko "make-fixture $*"; exit 1; }
}

# The closing line, and the exit status.
finish() { report_finish "${1:-}"; }
