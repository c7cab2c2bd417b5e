#!/bin/sh
# make lint: shellcheck on every shell script (warnings and errors), the
# formatter's verdict on every C++ file (.clang-format), and the layer rule
# of src/ (layers.sh). Files are the ones git knows, as a clean clone has them.
# Exit status: 0 when all three are clean.
set -u
cd "$(dirname "$0")/../.." || exit 2
rc=0

scripts=$(git ls-files | while read -r f; do
    [ -f "$f" ] || continue
    case $f in
        *.sh) echo "$f" ;;
        *) head -n1 "$f" | grep -Eq '^#!.*/(sh|bash)( |$)' && echo "$f" ;;
    esac
done)
# shellcheck disable=SC2086 # one word per file
if shellcheck -x -S warning $scripts; then
    echo "lint: shellcheck: $(echo "$scripts" | wc -l) scripts clean"
else
    rc=1
fi

cxx=$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h')
# shellcheck disable=SC2086
if clang-format --dry-run --Werror $cxx; then
    echo "lint: clang-format: $(echo "$cxx" | wc -l) files formatted"
else
    echo "lint: run 'clang-format -i' on the files above"
    rc=1
fi

tests/lint/layers.sh || rc=1
exit "$rc"
