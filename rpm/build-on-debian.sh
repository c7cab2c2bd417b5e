#!/bin/sh
# Builds the binary RPM on a Debian machine with Debian's rpm package, as a
# check of the spec (the real builds happen on Fedora, in mock):
#   rpm/build-on-debian.sh [OUTDIR [RPMBUILD-OPTION...]]      (default: build/rpm)
# The tarball and the spec are those of git's HEAD (VFIO_BIND_REF=COMMIT: of
# that commit, as the lifecycle test builds the previous version). --nodeps because the build dependencies
# carry Fedora names; the unit tests run in %check as on Fedora. Debian's rpm
# lacks systemd-rpm-macros: the few macros the spec uses are defined here as
# Fedora's macros.systemd defines them.
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mkdir -p "${1:-$REPO/build/rpm}" && cd "${1:-$REPO/build/rpm}" && pwd)
REF=${VFIO_BIND_REF:-HEAD}
mkdir -p "$OUT/SOURCES" "$OUT/SPECS"
git -C "$REPO" show "$REF:rpm/vfio-bind.spec" > "$OUT/SPECS/vfio-bind.spec"
V=$(sed -n 's/^Version: *//p' "$OUT/SPECS/vfio-bind.spec")
git -C "$REPO" archive --prefix="vfio-bind-$V/" -o "$OUT/SOURCES/vfio-bind-$V.tar.gz" "$REF"
cat > "$OUT/macros.systemd-shim" <<'MACROS'
%_unitdir /usr/lib/systemd/system
%systemd_post() \
if [ $1 -eq 1 ] && [ -x "/usr/lib/systemd/systemd-update-helper" ]; then \
    /usr/lib/systemd/systemd-update-helper install-system-units %{?*} || : \
fi \
%{nil}
%systemd_preun() \
if [ $1 -eq 0 ] && [ -x "/usr/lib/systemd/systemd-update-helper" ]; then \
    /usr/lib/systemd/systemd-update-helper remove-system-units %{?*} || : \
fi \
%{nil}
%systemd_postun() %{nil}
MACROS
[ $# -gt 0 ] && shift # the rest goes to rpmbuild (--without check)
# VFIO_BIND_NOOPT=1: no optimization (a version the tests only upgrade from).
if [ -n "${VFIO_BIND_NOOPT:-}" ]; then
    CXXFLAGS=-O0
    export CXXFLAGS
    set -- --define "optflags -O0" "$@"
fi
rpmbuild -bb --nodeps --define "_topdir $OUT" \
    --load "$OUT/macros.systemd-shim" "$@" "$OUT/SPECS/vfio-bind.spec"
ls "$OUT"/RPMS/*/*.rpm
