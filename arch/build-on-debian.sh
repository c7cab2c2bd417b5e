#!/bin/sh
# Builds the Arch package from arch/PKGBUILD on a Debian machine with
# Debian's makepkg, as a check of the PKGBUILD (real builds happen on Arch):
#   arch/build-on-debian.sh [OUTDIR]      (default: build/arch)
# The tarball is `git archive HEAD`. --nodeps: the dependencies carry Arch's
# names; --nocheck: make check runs the tests. makepkg refuses to run as
# root, so it runs as `nobody` then.
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mkdir -p "${1:-$REPO/build/arch}" && cd "${1:-$REPO/build/arch}" && pwd)
V=$(sed -n 's/^pkgver=//p' "$REPO/arch/PKGBUILD")
rm -rf "$OUT/src" "$OUT/pkg" "$OUT"/*.pkg.tar.*
git -C "$REPO" archive --prefix="vfio-bind-$V/" -o "$OUT/vfio-bind-$V.tar.gz" HEAD
cp "$REPO/arch/PKGBUILD" "$REPO/arch/vfio-bind.install" "$OUT/"
cd "$OUT"
if [ "$(id -u)" = 0 ]; then
    chown -R nobody "$OUT"
    runuser -u nobody -- env HOME="$OUT" makepkg --nodeps --nocheck --force
else
    makepkg --nodeps --nocheck --force
fi
ls "$OUT"/vfio-bind-"$V"-*.pkg.tar.*
