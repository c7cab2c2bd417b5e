#!/bin/bash
# make check-mutants: the important rules stay guarded. Each line of
# tests/mutants/mutants.txt breaks one rule with a one-line change to a
# scratch copy of the tree; the unit suite must then fail. A mutant that
# survives (the suite still passes), or that no longer applies (the code it
# names moved: update the list), is a failure.
#   tests/mutants/run.sh [BUILD_DIR]    ends with "mutants: N passed, M failed"
# Format of a line: FILE @@ EXACT TEXT (once in FILE) @@ REPLACEMENT @@ THE RULE
# (\n in the texts stands for a line break).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=${1:-build}
# shellcheck source=tests/lib/report.sh
. "$REPO/tests/lib/report.sh"
T0=$(date +%s)
W=$(mktemp -d "${TMPDIR:-/tmp}/vfio-bind-mutants.XXXXXX")
trap 'rm -rf "$W"' EXIT

# The scratch copy keeps the build's timestamps, so each mutant recompiles
# only the file it changes.
make -C "$REPO" -s "$BUILD/run-tests" > "$W/build.log" 2>&1 || {
    tail -n 20 "$W/build.log"
    report_fail "the unmutated tree builds"
    report_finish mutants
    exit 1
}
mkdir -p "$W/tree"
(cd "$REPO" && git ls-files -z | cpio -0pdm --quiet "$W/tree" && cp -a "$BUILD" "$W/tree/")
if ! (cd "$W/tree" && tests/lib/run-unit.sh "$BUILD/run-tests" > "$W/pristine.log" 2>&1); then
    grep -A8 'ERROR' "$W/pristine.log" | head -n 40
    report_fail "the unmutated suite passes"
    report_finish mutants
    exit 1
fi

n=0
while IFS= read -r line; do
    case $line in '' | '#'*) continue ;; esac
    n=$((n + 1))
    file=${line%% @@ *} rest=${line#* @@ }
    from=${rest%% @@ *} rest=${rest#* @@ }
    to=${rest%% @@ *} rule=${rest#* @@ }
    cp -p "$W/tree/$file" "$W/orig" # the scratch copy's: the tree may change meanwhile
    if ! python3 - "$W/tree/$file" "$from" "$to" << 'PY'; then
import sys
path, old, new = sys.argv[1], sys.argv[2].replace("\\n", "\n"), sys.argv[3].replace("\\n", "\n")
text = open(path).read()
if text.count(old) != 1:
    sys.exit(1)
open(path, "w").write(text.replace(old, new))
PY
        report_fail "mutant $n ($rule) does not apply: '$from' is not in $file exactly once"
        continue
    fi
    touch "$W/tree/$file"
    if ! (cd "$W/tree" && make -s "$BUILD/run-tests" > "$W/m$n.log" 2>&1); then
        # A mutant that does not compile tests nothing: its line needs fixing.
        sed 's/^/     /' "$W/m$n.log" | grep -m5 error
        report_fail "mutant $n ($rule) does not build: fix its line in tests/mutants/mutants.txt"
    elif (cd "$W/tree" && timeout 300 "$BUILD/run-tests" > "$W/m$n.log" 2>&1); then
        report_fail "mutant $n survives: $rule" "$file: '$from' -> '$to'"
    else
        report_pass "mutant $n killed: $rule"
    fi
    cp -p "$W/orig" "$W/tree/$file"
    touch "$W/tree/$file"
done < "$HERE/mutants.txt"
echo "mutants: $n tried in $(($(date +%s) - T0)) s"
report_finish mutants
