#!/bin/sh
# Builds the Arch package from arch/PKGBUILD on a Debian machine with
# Debian's makepkg, as a check of the PKGBUILD (real builds happen on Arch):
#   arch/build-on-debian.sh [OUTDIR]      (default: build/arch)
# The tarball, PKGBUILD and install script are those of git's HEAD
# (VFIO_BIND_REF=COMMIT: of that commit, as the lifecycle test builds the
# previous version). --nodeps: the dependencies carry Arch's
# names; --nocheck: make check runs the tests. makepkg refuses to run as
# root, so it runs as `nobody` then. VFIO_BIND_NOOPT=1 builds without
# optimization.
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mkdir -p "${1:-$REPO/build/arch}" && cd "${1:-$REPO/build/arch}" && pwd)
REF=${VFIO_BIND_REF:-HEAD}
rm -rf "$OUT/src" "$OUT/pkg" "$OUT"/*.pkg.tar.* "$OUT/vfio-bind.install"
git -C "$REPO" show "$REF:arch/PKGBUILD" > "$OUT/PKGBUILD"
if git -C "$REPO" cat-file -e "$REF:arch/vfio-bind.install" 2> /dev/null; then
    git -C "$REPO" show "$REF:arch/vfio-bind.install" > "$OUT/vfio-bind.install"
fi
V=$(sed -n 's/^pkgver=//p' "$OUT/PKGBUILD")
git -C "$REPO" archive --prefix="vfio-bind-$V/" -o "$OUT/vfio-bind-$V.tar.gz" "$REF"
cd "$OUT"
# makepkg.conf leaves MAKEFLAGS unset (make -j1); a parent make's own
# flags are not for this one.
MAKEFLAGS="-j$(nproc)"
export MAKEFLAGS
# VFIO_BIND_NOOPT=1: no optimization (a version the tests only upgrade
# from), through makepkg's per-user configuration, read after its own.
export XDG_CONFIG_HOME="$OUT/.config"
rm -rf "$XDG_CONFIG_HOME"
if [ -n "${VFIO_BIND_NOOPT:-}" ]; then
    mkdir -p "$XDG_CONFIG_HOME/pacman"
    printf 'CFLAGS="-O0"\nCXXFLAGS="-O0"\n' > "$XDG_CONFIG_HOME/pacman/makepkg.conf"
fi
if [ "$(id -u)" = 0 ]; then
    chown -R nobody "$OUT"
    runuser -u nobody -- env HOME="$OUT" makepkg --nodeps --nocheck --force
else
    makepkg --nodeps --nocheck --force
fi
ls "$OUT"/vfio-bind-"$V"-*.pkg.tar.*
