#!/bin/bash
# Benchmark (make bench): vfio-initrd-check on full-size images made by the
# real generators (dracut --no-hostonly; mkinitramfs with MODULES=most, as
# Debian ships it; mkinitcpio's fallback image, without autodetect), each with
# gzip, zstd and xz, against that generator's own lister on the same image
# (lsinitrd, lsinitramfs, lsinitcpio) and against its floor: the fastest
# decompression of the whole image (what any reader has to pay to see the
# last file).
# Goal: at least 20 times faster than the lister, on every image.
# Figures only: the exit status is non-zero when the bench cannot run or the
# check finds a problem in a good image, never because of a timing.
# Needs root (mkinitcpio runs in a private mount namespace) and
# `.ci/install-deps vm`. Usage: tests/bench/bench_initrd.sh BUILD_DIR
# Env: BENCH_ONLY="dracut:gzip initramfs-tools:xz ..." (a subset),
# BENCH_KEEP=DIR keeps the images there.
set -u
BUILD=$(cd "${1:-build}" && pwd)
REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# shellcheck source=tests/vm/lib.sh
. "$REPO/tests/vm/lib.sh"

if [ "$(id -u)" != 0 ] || ! vm_need lsinitrd:dracut-core lsinitramfs:initramfs-tools-core zstd:zstd xz:xz-utils igzip:isal ||
    ! vm_pick_kernel || ! vm_mk_setup; then
    echo "bench_initrd: cannot run: needs root, an installed kernel and .ci/install-deps vm" >&2
    exit 1
fi
vm_dracut_base
CONF=$WORK/vfio-devices.ini
printf '[radeon]\nid = 1002:5159\n' > "$CONF"
CASES=${BENCH_ONLY:-dracut:gzip dracut:zstd dracut:xz initramfs-tools:gzip initramfs-tools:zstd initramfs-tools:xz mkinitcpio:gzip mkinitcpio:zstd mkinitcpio:xz}

# build GENERATOR COMPRESSION OUT: the image, with the generator's own
# compressor and its own options for it.
build() {
    local gen=$1 comp=$2 out=$3 d
    case $gen in
        dracut)
            VFIO_BIND_CONFIG=$CONF VFIO_BIND_BINARY=$BUILD/vfio-bind VFIO_BIND_SETUP=$BUILD/vfio-setup dracutbasedir=$DRACUT_BASE \
                dracut --conf /dev/null --confdir "$WORK/dracut-conf.d" --tmpdir "$WORK" --no-hostonly \
                --add vfio-bind --compress "$comp" --kver "$KVER" --force "$out"
            ;;
        initramfs-tools)
            d=$WORK/itools-$comp
            mkdir -p "$d/hooks" "$d/scripts/init-top" "$d/conf.d"
            sed "s/^COMPRESS=.*/COMPRESS=$comp/" /etc/initramfs-tools/initramfs.conf > "$d/initramfs.conf"
            : > "$d/modules"
            cp "$REPO/initramfs-tools/hooks/vfio-bind" "$d/hooks/"
            cp "$REPO/initramfs-tools/scripts/init-top/00-vfio-bind" "$d/scripts/init-top/"
            VFIO_BIND_CONFIG=$CONF VFIO_BIND_BINARY=$BUILD/vfio-bind VFIO_BIND_SETUP=$BUILD/vfio-setup mkinitramfs -d "$d" -o "$out" "$KVER"
            ;;
        mkinitcpio)
            d=$WORK/mkinitcpio-$comp.conf
            # Arch's stock HOOKS with vfio-bind, less autodetect (the fallback
            # image) and what needs Arch's kbd tools.
            printf 'MODULES=()\nHOOKS=(base vfio-bind udev modconf kms keyboard block filesystems fsck)\nCOMPRESSION="%s"\n' \
                "$comp" > "$d"
            (cd "$MK_TREE" && VFIO_BIND_CONFIG=$CONF VFIO_BIND_BINARY=$BUILD/vfio-bind VFIO_BIND_SETUP=$BUILD/vfio-setup \
                vm_mk_run ./mkinitcpio -k "$KVER" -c "$d" -g "$out" -D "$WORK/mk-override" -D "$MK_TREE" -D "$REPO/mkinitcpio")
            # No image at all is a failure; its warnings (missing firmware) are not.
            [ -s "$out" ]
            ;;
    esac
}

# list GENERATOR IMAGE: the generator's own lister.
list() {
    case $1 in
        dracut) lsinitrd "$2" ;;
        initramfs-tools) lsinitramfs "$2" ;;
        mkinitcpio) (cd "$MK_TREE" && vm_mk_run ./lsinitcpio "$2") ;;
    esac
}

# decompress COMPRESSION IMAGE: the whole main archive, after any early
# (uncompressed) cpio, to nowhere, with the fastest decompressor there is:
# the floor of any reader that must see the last file (ISA-L's igzip, zstd
# and xz with every thread).
decompress() {
    /usr/lib/dracut/skipcpio "$2" | case $1 in
        gzip) igzip -dc ;;
        zstd) zstd -dcq -T0 ;;
        xz) xz -dc -T0 ;;
    esac > /dev/null
}

# timed CMD...: runs CMD; sets WALL and CPU (user+sys, children included).
timed() {
    local TIMEFORMAT='%R %U %S' rc u s
    { time "$@" > "$WORK/cmd.out" 2>&1; } 2> "$WORK/time"
    rc=$?
    read -r WALL u s < "$WORK/time"
    CPU=$(echo "$u $s" | awk '{printf "%.2f", $1 + $2}')
    return $rc
}
ratio() { echo "$1 $2" | awk '{printf "%.1f", $1 / ($2 > 0 ? $2 : 0.01)}'; }

echo "bench_initrd: kernel $KVER; building ${CASES// /, }..."
failed=0 met=0 total=0
printf '%-16s %-5s %6s | %-13s %-9s %-9s | %-8s %-8s\n' generator comp MB "check s" "lister s" "floor s" "x lister" "x floor"
for c in $CASES; do
    gen=${c%:*} comp=${c#*:}
    R=$WORK/root-$gen-$comp
    mkdir -p "$R/boot" "$R/lib/modules" "$R/etc" "$R/usr/sbin" "$R/sys/bus/pci/devices"
    ln -s "/boot/vmlinuz-$KVER" "$R/boot/vmlinuz-$KVER"
    [ -e "/boot/config-$KVER" ] && cp "/boot/config-$KVER" "$R/boot/"
    ln -s "/lib/modules/$KVER" "$R/lib/modules/$KVER"
    cp "$BUILD/vfio-bind" "$R/usr/sbin/vfio-bind"
    cp "$CONF" "$R/etc/vfio-devices.ini"
    IMG=$R/boot/initrd.img-$KVER
    if ! build "$gen" "$comp" "$IMG" > "$WORK/build.log" 2>&1; then
        tail -n 20 "$WORK/build.log" | sed 's/^/    /'
        echo "bench_initrd: $gen ($comp) failed to build the image" >&2
        failed=1
        continue
    fi
    # Best of 3 for ours; the lister and the decompression once each.
    best_wall='' best_cpu=''
    for _ in 1 2 3; do
        timed "$BUILD/vfio-initrd-check" --root "$R" --no-cmdline
        rc=$?
        cp "$WORK/cmd.out" "$WORK/check.out"
        if [ -z "$best_wall" ] || awk -v a="$WALL" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
            best_wall=$WALL best_cpu=$CPU
        fi
    done
    # The bench root is no booted machine: what the host needs cannot be
    # known there, and that is the one problem a good image may have.
    if [ "$rc" -ne 0 ] && grep '^problem: ' "$WORK/check.out" |
        grep -qv 'devices the host needs\|/etc/vfio-bind/host-devices'; then
        sed 's/^/    /' "$WORK/check.out"
        echo "bench_initrd: $gen ($comp): the check found problems in a good image" >&2
        failed=1
    fi
    timed list "$gen" "$IMG" || echo "bench_initrd: $gen lister exited non-zero" >&2
    ls_wall=$WALL
    timed decompress "$comp" "$IMG"
    dc_wall=$WALL
    x=$(ratio "$ls_wall" "$best_wall")
    total=$((total + 1))
    if awk -v x="$x" 'BEGIN { exit !(x >= 20) }'; then met=$((met + 1)); fi
    printf '%-16s %-5s %6s | %-5s %-7s %-9s %-9s | %-8s %-8s\n' "$gen" "$comp" \
        "$(stat -c %s "$IMG" | awk '{printf "%.1f", $1 / 1048576}')" \
        "$best_wall" "($best_cpu)" "$ls_wall" "$dc_wall" "${x}x" "$(ratio "$dc_wall" "$best_wall")x"
    sed -n 's/^ *[0-9][^ ]* *[^ ]*initrd[^ ]* *\(.*\)$/    format: \1/p' "$WORK/check.out" | head -n1
    if [ -n "${BENCH_KEEP:-}" ]; then mkdir -p "$BENCH_KEEP" && mv "$IMG" "$BENCH_KEEP/$gen-$comp.img"; else rm -f "$IMG"; fi
done
echo "bench_initrd: check column: best of 3 runs, wall (cpu); floor: the fastest decompression of the same image to"
echo "bench_initrd: /dev/null (igzip -dc, zstd -dc -T0, xz -dc -T0); x floor below 1 means the check costs more than it"
echo "bench_initrd: load average $(cut -d' ' -f1 /proc/loadavg)"
echo "bench_initrd: goal (20x faster than the generator's lister) met on $met of $total images"
exit "$failed"
