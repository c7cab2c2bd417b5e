#!/bin/sh
# The layer rule of src/ (src/README.md): a file may include only headers of
# its own layer and of the layers listed for it. The link lines of the
# Makefile enforce the same for symbols; this names the offending include.
# Usage: tests/lint/layers.sh (from anywhere in the tree)
set -u
cd "$(dirname "$0")/../.." || exit 2

allowed() {
    case $1 in
        basic) echo "basic" ;;
        boot) echo "basic boot" ;;
        host) echo "basic boot host" ;;
        image) echo "basic image" ;;
        generator) echo "basic generator" ;;
        bootloader) echo "basic boot bootloader" ;;
        check) echo "basic boot host image generator bootloader check" ;;
        setup) echo "basic boot host generator bootloader setup" ;;
        tools) echo "basic boot host image generator bootloader check setup tools" ;;
        *) echo "" ;;
    esac
}

bad=0
for f in src/*/*.cc src/*/*.h; do
    layer=$(basename "$(dirname "$f")")
    ok=$(allowed "$layer")
    if [ -z "$ok" ]; then
        echo "layers: $f: $layer is not a layer (src/README.md lists them)"
        bad=1
        continue
    fi
    for inc in $(sed -n 's/^#include "\([^/"]*\)\/[^"]*".*/\1/p' "$f"); do
        case " $ok " in
            *" $inc "*) ;;
            *) echo "layers: $f includes $inc/, which is not below $layer"; bad=1 ;;
        esac
    done
    if grep -q '^#include "[^/"]*"' "$f"; then
        echo "layers: $f: include project headers as \"layer/name.h\""
        bad=1
    fi
done
[ "$bad" = 0 ] && echo "layers: every include reaches down"
exit "$bad"
