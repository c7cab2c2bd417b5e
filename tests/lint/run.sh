#!/bin/sh
# make lint: shellcheck on every shell script (warnings and errors), the
# formatter's verdict on every C++ file (.clang-format), and the layer rule
# of src/ (layers.sh), and that the fuzz targets compile. Files are the ones
# git knows, as a clean clone has them. Exit status: 0 when all are clean.
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

# The fuzz targets are built only by make fuzz (clang, sanitizers, minutes):
# a change to the code they call must not leave them broken unnoticed.
fuzz=$(git ls-files 'tests/fuzz/*_fuzz.cc')
# shellcheck disable=SC2086
if ${CXX:-g++} -std=c++17 -fsyntax-only -Isrc -Itests -DVFIO_BIND_VERSION='"lint"' $fuzz; then
    echo "lint: fuzz targets: $(echo "$fuzz" | wc -l) compile"
else
    echo "lint: a fuzz target above does not compile against src/"
    rc=1
fi
exit "$rc"
