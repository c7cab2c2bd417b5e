#!/bin/bash
# The whole-system test (make check-system): what a user of the Debian package
# gets, end to end, on two machines at once (one per core):
#   1. build the .deb from this tree (dpkg-buildpackage, unit tests skipped:
#      make check runs them) and lint it;
#   2. the Debian 12 tree: debootstrap minbase, systemd and linux-image-amd64
#      (which brings initramfs-tools, as on a stock install), with Debian's
#      dracut packages downloaded beside it; cached between runs, keyed by the
#      package list and the mirror of this machine's apt sources;
#   3-6. tests/system/machine.sh on a stock Debian 12 (initramfs-tools, radeon
#      in the initramfs) and on one that uses Debian's dracut: install with
#      apt, configure, boot to the real root, update the kernel, edit the config.
# Each check prints PASS/FAIL; each machine ends with "VARIANT: N passed, M
# failed", and this script with its own line for step 1.
# Env: SYSTEST_CACHE (default /var/cache/vfio-bind-test), SYSTEST_MIRROR,
# SYSTEST_DEB (use this .deb instead of building one), SYSTEST_SRC=worktree
# (package the working tree, not git HEAD), SYSTEST_ONLY=VARIANT (one
# machine), SYSTEST_KEEP=1 keeps the scratch directory, VM_TIMEOUT (seconds,
# default 900).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
T0=$(date +%s)
CACHE=${SYSTEST_CACHE:-/var/cache/vfio-bind-test}

if [ "$(id -u)" != 0 ]; then
    echo "system: needs root (debootstrap, chroot)" >&2
    exit 2
fi

# shellcheck source=tests/system/lib.sh
. "$HERE/lib.sh"
# shellcheck source=tests/lib/report.sh
. "$HERE/../lib/report.sh"
# shellcheck source=tests/package/build-lib.sh
. "$HERE/../package/build-lib.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-bind-system.XXXXXX")
MACHINES_OK=1
finish() {
    echo "system: total $(($(date +%s) - T0)) s"
    if [ "$REPORT_FAILED" = 0 ] && [ "$MACHINES_OK" = 1 ] && [ -z "${SYSTEST_KEEP:-}" ]; then
        rm -rf --one-file-system "$WORK"
    else
        echo "system: logs kept in $WORK"
    fi
    # An explicit status: a bare exit in an EXIT trap keeps the script's own.
    if report_finish "package" && [ "$MACHINES_OK" = 1 ]; then exit 0; else exit 1; fi
}
trap finish EXIT
trap 'exit 130' INT TERM
fatal() { report_fail "$*"; exit 1; }

# ------------------------------------------------------------ 1. the package
echo "== 1. the .deb"
if [ -n "${SYSTEST_DEB:-}" ]; then
    DEB=$(readlink -f "$SYSTEST_DEB")
    [ -f "$DEB" ] || fatal "SYSTEST_DEB=$SYSTEST_DEB does not exist"
    echo "system: using $DEB"
else
    # The committed tree (git HEAD), or the working tree with
    # SYSTEST_SRC=worktree or without git; shared with the other package
    # suites (tests/package/build-lib.sh).
    ref=HEAD
    if [ "${SYSTEST_SRC:-head}" != head ] || ! git -C "$REPO" rev-parse -q --verify HEAD > /dev/null 2>&1; then ref=worktree; fi
    t=$(date +%s)
    if pkg_build deb "$ref"; then
        DEB=$PKG
        how="$(($(date +%s) - t)) s"
        [ "$PKG_CACHED" = 1 ] && how="built earlier from the same tree"
        report_pass "dpkg-buildpackage -us -uc -b builds $(basename "$DEB") ($how)"
    else
        fatal "dpkg-buildpackage -us -uc -b of $ref (its log above)"
    fi
    lintian --fail-on error "$(dirname "$DEB")"/vfio-bind_*.changes > "$WORK/lintian.log" 2>&1
    rc=$?
    sed 's/^/     /' "$WORK/lintian.log"
    report_check "lintian: no errors" [ "$rc" = 0 ]
    dpkg-deb -f "$DEB" Depends > "$WORK/depends"
    report_check "the .deb depends on initramfs-tools | linux-initramfs-tool, not on dracut: $(cat "$WORK/depends")" \
        sh -c "grep -q 'initramfs-tools | linux-initramfs-tool' '$WORK/depends' && ! grep -q dracut '$WORK/depends'"
fi

# ------------------------------------------------------------ 2. Debian 12
echo "== 2. Debian 12 tree ($(($(date +%s) - T0)) s)"
mkdir -p "$CACHE"
sys_base || fatal "debootstrap + apt-get install $SYS_PKGS"

# ------------------------------------------------------------ 3-6. machines
VARIANTS=${SYSTEST_ONLY:-initramfs-tools dracut}
for v in $VARIANTS; do
    mkdir -p "$WORK/$v"
    "$HERE/machine.sh" "$v" "$DEB" "$WORK/$v" > "$WORK/$v.log" 2>&1 &
done
for v in $VARIANTS; do wait -n || MACHINES_OK=0; done
for v in $VARIANTS; do
    echo
    cat "$WORK/$v.log"
    tail -n1 "$WORK/$v.log" | grep -q ' 0 failed$' || MACHINES_OK=0
done
exit 0
