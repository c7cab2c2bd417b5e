#!/bin/sh
# Benchmark: checking one real dracut image with vfio-initrd-check against
# listing it with lsinitrd (what a shell-script check would have to run).
# Goal: at least 10 times faster. Needs root, dracut and an installed kernel.
# Usage: tests/bench_initrd.sh BUILD_DIR
set -u
B=$(cd "${1:-build}" && pwd)
REPO=$(cd "$(dirname "$0")/../.." && pwd)
KVER=
for k in /lib/modules/*; do
    k=${k##*/}
    [ -e "/boot/vmlinuz-$k" ] && [ -e "/lib/modules/$k/modules.dep" ] && KVER=$k
done
if [ -z "$KVER" ] || ! command -v dracut >/dev/null 2>&1 || ! command -v lsinitrd >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
    echo "bench_initrd: cannot run: needs root, dracut, lsinitrd and an installed kernel" >&2
    exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# The host's dracut (its config, its default compression) plus our module.
BASE=$T/dracut-base
mkdir -p "$BASE/modules.d"
for f in /usr/lib/dracut/*; do [ "${f##*/}" = modules.d ] || ln -s "$f" "$BASE/"; done
for f in /usr/lib/dracut/modules.d/*; do ln -s "$f" "$BASE/modules.d/"; done
ln -s "$REPO/dracut-module" "$BASE/modules.d/90vfio-bind"

R=$T/root
mkdir -p "$R/boot" "$R/lib/modules" "$R/etc" "$R/usr/sbin" "$R/sys/bus/pci/devices"
ln -s "/boot/vmlinuz-$KVER" "$R/boot/vmlinuz-$KVER"
[ -e "/boot/config-$KVER" ] && cp "/boot/config-$KVER" "$R/boot/"
ln -s "/lib/modules/$KVER" "$R/lib/modules/$KVER"
cp "$B/vfio-bind" "$R/usr/sbin/vfio-bind"
printf '[radeon]\nid = 1002:5159\n' >"$R/etc/vfio-devices.ini"
IMG=$R/boot/initrd.img-$KVER

# timed OUT CMD...: runs CMD, appends "wall cpu" seconds (cpu: user+sys, its
# children included) to OUT; returns CMD's status.
timed() {
    out=$1
    shift
    /usr/bin/time -f "%e %U %S" -o "$T/time" "$@" >"$T/cmd.out" 2>&1
    rc=$?
    awk '{printf "%s %.2f\n", $1, $2 + $3}' "$T/time" >>"$out"
    return $rc
}

echo "bench_initrd: building the image (dracut --kver $KVER, host defaults + vfio-bind)..."
if ! VFIO_BIND_CONFIG=$R/etc/vfio-devices.ini VFIO_BIND_BINARY=$B/vfio-bind dracutbasedir=$BASE \
    dracut --tmpdir "$T" --add vfio-bind --kver "$KVER" --force "$IMG" >"$T/dracut.log" 2>&1; then
    cat "$T/dracut.log"
    echo "bench_initrd: dracut failed" >&2
    exit 1
fi
size=$(stat -c %s "$IMG")

# Best of 3 for ours; lsinitrd once (it takes seconds). Wall time is what a
# user waits; CPU time tells the tools apart on a busy machine.
: >"$T/ours"
for _ in 1 2 3; do
    timed "$T/ours" "$B/vfio-initrd-check" --root "$R" --no-cmdline
    rc=$?
    cp "$T/cmd.out" "$T/check.out"
done
: >"$T/theirs"
timed "$T/theirs" lsinitrd "$IMG"

read -r ours_wall ours_cpu <<EOT
$(sort -n "$T/ours" | head -n1)
EOT
read -r ls_wall ls_cpu <<EOT
$(cat "$T/theirs")
EOT
ratio() { echo "$1 $2" | awk '{printf "%.1f", $1 / ($2 > 0 ? $2 : 0.01)}'; }
wall_x=$(ratio "$ls_wall" "$ours_wall")
cpu_x=$(ratio "$ls_cpu" "$ours_cpu")
format=$(sed -n "s|^.*initrd.img-$KVER *||p" "$T/check.out" | head -n1)
printf 'bench_initrd: image %s bytes (%s), load average %s\n' "$size" "$format" "$(cut -d' ' -f1 /proc/loadavg)"
printf 'bench_initrd: vfio-initrd-check %ss wall %ss cpu (exit %s); lsinitrd %ss wall %ss cpu\n' \
    "$ours_wall" "$ours_cpu" "$rc" "$ls_wall" "$ls_cpu"
printf 'bench_initrd: %sx faster (wall), %sx (cpu); goal 10x\n' "$wall_x" "$cpu_x"
if [ "$rc" -ne 0 ]; then
    sed 's/^/    /' "$T/check.out"
    echo "bench_initrd: the check found problems in a good image" >&2
    exit 1
fi
# A figure, not a test: say where it stands against the goal, never fail on timing.
if echo "$wall_x $cpu_x" | awk '{exit !($1 >= 10 || $2 >= 10)}'; then echo "bench_initrd: goal met"
else echo "bench_initrd: below the 10x goal on this run (load average $(cut -d' ' -f1 /proc/loadavg))"; fi
