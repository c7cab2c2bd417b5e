#!/bin/bash
# make check-prepare: what check-system, check-packages and check-lifecycle
# build or download before their first check, made ahead into their cache
# (SYSTEST_CACHE): the Debian 12 trees (debootstrap and apt: mostly waiting on
# the network; the lifecycle's second kernel) and the packages of git HEAD and of the previous version
# (tests/package/build-lib.sh). .ci/run starts it, niced, beside make check,
# whose VM boots leave the processors idle at times; the suites then find
# it all made. Alone it only moves their time earlier. Every suite still
# builds what it does not find, so a failure here loses nothing: each
# failed part is named, and the suite that needs it says again why.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${SYSTEST_CACHE:-/var/cache/vfio-bind-test}
[ "$(id -u)" = 0 ] || { echo "prepare: needs root (debootstrap, chroot)" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-bind-prepare.XXXXXX")
trap 'rm -rf --one-file-system "$WORK"' EXIT
# shellcheck source=tests/system/lib.sh
. "$REPO/tests/system/lib.sh"
# shellcheck source=tests/package/build-lib.sh
. "$HERE/build-lib.sh"
# shellcheck source=tests/package/layer-lib.sh
. "$HERE/layer-lib.sh"
T0=$(date +%s)
failed=""
mkdir -p "$CACHE"
part() {
    local t rc
    t=$(date +%s)
    "$@" > "$WORK/part.log" 2>&1
    rc=$?
    if [ "$rc" = 0 ]; then
        echo "prepare: $* ($(($(date +%s) - t)) s)"
    else
        sed 's/^/    /' "$WORK/part.log"
        echo "prepare: $* FAILED"
        failed="$failed; $*"
    fi
}
OLD=$(pkg_old_ref)
part sys_base
part lifecycle_layer
# In the order they are first wanted: check-system and the lifecycle's .deb
# part, its Arch part, then check-packages (the last suite).
part pkg_build deb HEAD
part pkg_build deb "$OLD" old
part pkg_build arch HEAD
part pkg_build arch "$OLD" old
part pkg_build rpm HEAD
echo "prepare: total $(($(date +%s) - T0)) s"
[ -z "$failed" ] || { echo "prepare: failed:${failed#;}"; exit 1; }
