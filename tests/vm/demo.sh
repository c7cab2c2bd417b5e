#!/bin/bash
# make demo: boot Debian's kernel in QEMU with two identical emulated Radeons
# (1002:5159) and an audio function on the first one's card, with an
# initramfs that carries vfio-bind configured to claim that first card. Then
# show who got which device.
#   tests/vm/demo.sh BUILD_DIR
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-$REPO/build}" && pwd) || exit 2
T0=$(date +%s)

[ -x "$BUILD/vfio-bind" ] || make -C "$REPO" || exit 2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-bind-demo.XXXXXX")
# shellcheck source=tests/vm/lib.sh
. "$HERE/lib.sh"
vm_need || exit 2
vm_pick_kernel || exit 2
vm_dracut_base

cat > "$WORK/vfio-devices.ini" <<'EOF'
[options]
group = yes          ; the card's audio function goes with it
[guest-gpu]
address = 0000:00:04.0
id = 1002:5159
EOF
echo "== /etc/vfio-devices.ini in the initramfs:"
sed 's/^/   /' "$WORK/vfio-devices.ini"

echo "== dracut: initramfs for $KVER with the vfio-bind module (systemd-based)"
if ! vm_image "$WORK/initrd.img" "$WORK/vfio-devices.ini" systemd > "$WORK/dracut.log" 2>&1; then
    cat "$WORK/dracut.log"
    echo "demo: dracut failed" >&2
    exit 1
fi
echo "   $(($(stat -c %s "$WORK/initrd.img") / 1048576)) MB, $(($(date +%s) - T0)) s so far"

echo "== booting: q35 + intel-iommu (TCG), plain VGA (console), Radeon + audio at 04.0/04.1, Radeon at 05.0"
t=$SECONDS
vm_boot "$WORK/initrd.img" "$WORK/demo" "intel_iommu=on drm_kms_helper.fbdev_emulation=0" \
    -device VGA,addr=01.0 \
    -device ati-vga,model=rv100,addr=04.0,multifunction=on -device intel-hda,addr=04.1 \
    -device ati-vga,model=rv100,addr=05.0
rc=$?
[ ! -e "$WORK/demo.report" ] || sed -i 's/\r$//' "$WORK/demo.report"
if ! grep -q '^VBT-END' "$WORK/demo.report" 2> /dev/null; then
    echo "demo: no report from the guest (qemu rc $rc; 124 = timeout). Console: $WORK/demo.console" >&2
    exit 1
fi
echo "   guest reported after $((SECONDS - t)) s"
echo

R=$WORK/demo.report
# Kernel-log time of the first line of LOGREGEX, or -.
log_time() {
    grep '^log ' "$R" | grep -E -- "$1" | head -n1 | sed -n 's/^log \[ *\([0-9.]*\)\].*/\1 s/p' | grep . || echo -
}
printf '%-13s %-10s %-14s %-16s %-24s %s\n' DEVICE ID DRIVER GROUP "CLAIMED BY" "WHEN (since kernel start)"
while read -r _ addr id class drv group node _; do
    case $class in 0x03* | 0x04*) ;; *) continue ;; esac
    esc=${addr//./\\.}
    if [ "$drv" = vfio-pci ] && grep -q "^log .*vfio-bind: $esc .*claimed by vfio-pci" "$R"; then
        who="vfio-bind (initramfs)"
        when=$(log_time "vfio-bind: $esc .*claimed by vfio-pci")
    elif [ "$drv" = - ]; then
        who="nobody"
        when=-
    else
        who="$drv (udev coldplug)"
        # radeon says so when its probe completed; otherwise its first line.
        when=$(log_time "Initialized $drv .* for $esc")
        [ "$when" != - ] || when=$(log_time "$drv $esc:")
    fi
    g=$group
    [ "$node" = yes ] && g="$group (/dev/vfio/$group)"
    printf '%-13s %-10s %-14s %-16s %-24s %s\n' "$addr" "$id" "$drv" "$g" "$who" "$when"
done < <(grep '^dev ' "$R")
echo
echo "vfio-bind's kernel log:"
grep '^log .*vfio-bind:' "$R" | sed 's/^log /  /'
echo
rm -rf "$WORK/initrd.img" "$WORK/dracut-base"
echo "demo: done in $(($(date +%s) - T0)) s. Logs (dracut, console, report): $WORK"
