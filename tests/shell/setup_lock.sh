#!/bin/sh
# vfio-setup's lock against an unprivileged user (issue 17, item 9): `nobody`
# holds the lock at the old, world-writable path and cannot create the new
# one; `cmdline disable` (the way back) still works. Needs root (setpriv);
# skipped otherwise.
# Usage: tests/shell/setup_lock.sh BUILD_DIR   (run from the source tree)
set -u
B=$(cd "${1:-build}" && pwd)
BIN=$B/vfio-setup
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib/harness.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null || ! command -v flock >/dev/null; then
    echo "skip: needs root, setpriv and flock"
    finish
fi
as_nobody() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- "$@"; }

chmod 755 "$T"
D=$T/debian
cp -a "$SRC/tests/fixtures/bootloaders/debian12" "$D"
mkdir -p "$D/proc" "$D/run/lock"
chmod 1777 "$D/run/lock" # as on every distribution
printf 'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Test CPU\nflags\t\t: fpu vmx\n\n' >"$D/proc/cpuinfo"

# nobody holds a lock at the old path for as long as the test runs
as_nobody flock "$D/run/lock/vfio-setup.lock" sleep 60 &
holder=$!
# flock makes the file before it takes the lock: wait (10 s at most, on a
# loaded machine) until the lock is taken, not until the file is there.
i=0
while flock -n "$D/run/lock/vfio-setup.lock" true 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if flock -n "$D/run/lock/vfio-setup.lock" true; then ko "nobody does not hold run/lock/vfio-setup.lock"; else ok "nobody holds run/lock/vfio-setup.lock"; fi
if as_nobody mkdir "$D/run/vfio-bind" 2>/dev/null; then ko "nobody could create run/vfio-bind"; else ok "nobody cannot create run/vfio-bind"; fi
if as_nobody flock -n "$D/run/vfio-bind/vfio-setup.lock" true 2>/dev/null; then ko "nobody could take the new lock"; else ok "nobody cannot take the new lock"; fi

expect "cmdline enable" 0 "intel_iommu=on" -- "$BIN" --root "$D" cmdline enable
expect "cmdline disable still works" 0 "" -- "$BIN" --root "$D" cmdline disable
same "cmdline disable restored etc/default/grub" "$SRC/tests/fixtures/bootloaders/debian12/etc/default/grub" "$D/etc/default/grub"
if [ "$(stat -c %a "$D/run/vfio-bind")" = 700 ]; then ok "run/vfio-bind is 0700"; else ko "run/vfio-bind mode $(stat -c %a "$D/run/vfio-bind")"; fi

# A directory nobody owns (made by a careless admin) is refused, not used
rm -r "$D/run/vfio-bind"
mkdir "$D/run/vfio-bind"
chown nobody "$D/run/vfio-bind"
expect "a lock directory owned by nobody is refused" 1 "another user could hold the lock" -- "$BIN" --root "$D" cmdline enable
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
finish
