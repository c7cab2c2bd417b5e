#!/bin/sh
# vfio-initrd-check on real images made by dracut for the installed kernel,
# with the repository's dracut module: with and without the module, shell
# and systemd run points, a stale config, several compressions, --json, --fix.
# Needs root, dracut and an installed kernel (make check-shell installs them);
# without them it fails: a skipped check must never read as a pass.
# Usage: tests/shell/initrd_check_dracut.sh BUILD_DIR
set -u
B=$(cd "${1:-build}" && pwd)
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CHECK=$B/vfio-initrd-check
. "$(dirname "$0")/lib/harness.sh"

KVER=
for k in /lib/modules/*; do
    k=${k##*/}
    [ -e "/boot/vmlinuz-$k" ] && [ -e "/lib/modules/$k/modules.dep" ] && KVER=$k
done
if [ -z "$KVER" ] || ! command -v dracut >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
    echo "FAIL: needs root, dracut and an installed kernel (.ci/install-deps vm installs them)"
    echo "0 passed, 1 failed"
    exit 1
fi


# A private dracut tree with our module, so the host's is left alone.
BASE=$T/dracut-base
mkdir -p "$BASE/modules.d" "$T/conf.d"
for f in /usr/lib/dracut/*; do [ "${f##*/}" = modules.d ] || ln -s "$f" "$BASE/"; done
for f in /usr/lib/dracut/modules.d/*; do ln -s "$f" "$BASE/modules.d/"; done
ln -s "$REPO/dracut-module" "$BASE/modules.d/90vfio-bind"

# The machine being checked: this kernel, vfio-bind installed and configured.
R=$T/root
mkdir -p "$R/boot" "$R/lib/modules" "$R/etc" "$R/usr/sbin" "$R/proc" "$R/sys/bus/pci/devices"
ln -s "/boot/vmlinuz-$KVER" "$R/boot/vmlinuz-$KVER"
[ -e "/boot/config-$KVER" ] && cp "/boot/config-$KVER" "$R/boot/"
ln -s "/lib/modules/$KVER" "$R/lib/modules/$KVER"
cp "$B/vfio-bind" "$R/usr/sbin/vfio-bind"
echo 12 >"$R/etc/debian_version"
printf 'processor\t: 0\nvendor_id\t: AuthenticAMD\n\n' >"$R/proc/cpuinfo"
# Its root on a virtual disk: no PCI device the host needs.
mkdir -p "$R/proc/self" "$R/sys/devices/virtual/block/loop0" "$R/sys/dev/block" "$R/sys/class/block"
echo "21 1 7:0 / / rw - ext4 /dev/loop0 rw" >"$R/proc/self/mountinfo"
ln -s ../../devices/virtual/block/loop0 "$R/sys/dev/block/7:0"
ln -s ../../devices/virtual/block/loop0 "$R/sys/class/block/loop0"
printf '[radeon]\nid = 1002:5159\n' >"$R/etc/vfio-devices.ini"
# The module records what that machine needs, not what this one does.
printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$B/vfio-setup" "$R" >"$T/vfio-setup"
chmod +x "$T/vfio-setup"

# image OUT COMPRESSION DRACUT-MODULES
image() {
    VFIO_BIND_CONFIG=$R/etc/vfio-devices.ini VFIO_BIND_TRIAL_CONFIG=$R/etc/vfio-devices.trial.ini \
        VFIO_BIND_BINARY=$B/vfio-bind VFIO_BIND_SETUP=$T/vfio-setup dracutbasedir=$BASE \
        dracut --conf /dev/null --confdir "$T/conf.d" --tmpdir "$T" --no-hostonly --no-hostonly-cmdline \
        --kver "$KVER" -m "$3" --no-early-microcode --compress "$2" --force "$1" >"$T/dracut.log" 2>&1 ||
        { ko "dracut $2 ($3) failed"; cat "$T/dracut.log"; return 1; }
}
# expect_check NAME WANTED_RC PATTERN -- vfio-initrd-check args...
expect_check() {
    n=$1 w=$2 p=$3
    shift 4
    expect "$n" "$w" "$p" -- "$CHECK" --root "$R" "$@"
}

IMG=$R/boot/initrd.img-$KVER
if image "$IMG" zstd "base vfio-bind"; then
    expect_check "zstd image with the module (pre-udev hook): all good" 0 "uncompressed\|zstd" -- 
    expect_check "--json says ok" 0 '"ok": true' -- --json
    python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"] and d["kernels"][0]["images"][0]["entries"] > 0' \
        <"$T/out" && ok "--json parses" || ko "--json does not parse (or no python3): $(cat "$T/out")"
    why=$(python3 "$(dirname "$0")/lib/validate_json.py" "$(dirname "$0")/../../conf/schema/vfio-initrd-check.json" "$T/out" 2>&1) &&
        ok "--json is what conf/schema/vfio-initrd-check.json says" || ko "--json against its schema: $why"
    expect_check "--quiet prints nothing when all is good" 0 "" -- --quiet
    [ -s "$T/out" ] && ko "--quiet printed: $(cat "$T/out")"
    printf '[radeon]\nid = 1002:5159\n\n[audio]\nid = 1002:aa00\n' >"$R/etc/vfio-devices.ini"
    expect_check "a changed config makes the image stale" 1 "stale copy of /etc/vfio-devices.ini" --
    expect_check "the fix names the rebuild" 1 "fix: dracut -f --kver $KVER" --
    expect_check "--fix under --root prints the rebuild" 1 "would run: dracut -f --kver $KVER" -- --fix
    expect_check "--json carries the problem" 1 '"severity": "problem"' -- --json
    printf '[radeon]\nid = 1002:5159\n' >"$R/etc/vfio-devices.ini"
# The module records what that machine needs, not what this one does.
printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$B/vfio-setup" "$R" >"$T/vfio-setup"
chmod +x "$T/vfio-setup"
fi

if image "$R/boot/custom-lz4.img" lz4 "base systemd systemd-initrd dracut-systemd vfio-bind"; then
    expect_check "lz4 image with the module (systemd unit), by --image" 0 "lz4" -- --image /boot/custom-lz4.img
    rm -f "$R/boot/custom-lz4.img"
fi

if image "$T/none-xz.img" xz "base"; then
    cp "$T/none-xz.img" "$IMG"
    expect_check "xz image without the module: one problem" 1 "built without the vfio-bind dracut module" -- --quiet
    n=$(grep -c "^problem: " "$T/out")
    if [ "$n" = 1 ]; then ok "the missing module is reported once, as the cause"; else ko "the missing module is reported as $n problems:"; sed 's/^/    /' "$T/out"; fi
    # initramfs status says what the installed image does, not only new ones.
    expect "initramfs status: the installed image will not claim, whatever new ones do" 1 "^Installed:    1 image(s) of 1 kernel(s): NOT all will claim: $KVER: .*built without the vfio-bind dracut module" -- "$B/vfio-setup" --root "$R" initramfs status
fi

# A real UKI, made the way systemd 252 documents it (objcopy onto its EFI
# stub; Debian 12 has no ukify): the check must find it under EFI/Linux and
# read the .initrd and .cmdline sections of the PE file.
uki() { # OUT CMDLINE INITRD
    printf '%s' "$2" >"$T/cmdline.txt"
    objcopy --add-section .osrel=/etc/os-release --change-section-vma .osrel=0x20000 \
        --add-section .cmdline="$T/cmdline.txt" --change-section-vma .cmdline=0x30000 \
        --add-section .linux="/boot/vmlinuz-$KVER" --change-section-vma .linux=0x2000000 \
        --add-section .initrd="$3" --change-section-vma .initrd=0x3000000 \
        /usr/lib/systemd/boot/efi/linuxx64.efi.stub "$1" || { ko "objcopy could not build a UKI"; return 1; }
}
if image "$T/uki-initrd.img" zstd "base vfio-bind"; then
    rm -f "$IMG"
    U=/boot/efi/EFI/Linux/debian-$KVER.efi
    mkdir -p "$R/boot/efi/EFI/Linux"
    if uki "$R$U" "root=/dev/vda ro" "$T/uki-initrd.img"; then
        expect_check "UKI in EFI/Linux: found, its .initrd checked, all good" 0 "$U" --
        uki "$R$U" "root=/dev/vda ro amd_iommu=off" "$T/uki-initrd.img"
        expect_check "UKI whose .cmdline turns the IOMMU off: a problem" 1 "amd_iommu=off" --
        uki "$R$U" "root=/dev/vda ro" "$T/none-xz.img"
        expect_check "UKI whose initrd lacks the module: a problem" 1 "built without the vfio-bind dracut module" --
    fi
    rm -rf "$R/boot/efi"
fi

if image "$IMG" gzip "base vfio-bind"; then
    expect_check "gzip image with the module: all good" 0 "gzip" --
    # A pending trial that claims a NIC (e1000e): its softdep must reach the
    # image's modprobe.d snippet, which the module installs once for both.
    add_dev "$R" 0000:00:07.0 8086 10d3 020000 5 e1000e 0
    printf '[radeon]\nid = 1002:5159\n\n[nic]\nid = 8086:10d3\n' >"$R/etc/vfio-devices.trial.ini"
    expect_check "a trial whose softdeps the image lacks is a problem" 1 "lacks the softdeps of the pending trial" --
    if image "$IMG" gzip "base vfio-bind"; then
        expect_check "rebuilt with the trial pending: its softdeps are in, all good" 0 "gzip" --
        lsinitrd -f etc/modprobe.d/vfio-bind.conf "$IMG" 2>/dev/null | grep -q "^softdep e1000e pre: vfio-pci" &&
            ok "the image's snippet has the trial's softdep" || ko "the image's snippet lacks softdep e1000e"
    fi
    rm -rf "$R/etc/vfio-devices.trial.ini" "$R/sys/bus/pci/devices/0000:00:07.0" "$R/sys/devices/pci0000:00/0000:00:07.0"
    rm -f "$R/boot/initrd.img-$KVER"
    expect_check "no image: reported with the command" 1 "no initramfs found for kernel $KVER -- fix: dracut -f --kver $KVER" --
fi

# --image of what is no image: refused, and no fix that would write over it.
expect_check "--image of a file that is no image: refused" 1 "/etc/debian_version is neither an initramfs" -- --image /etc/debian_version
if grep -q "dracut -f" "$T/out"; then ko "a fix would write an image over /etc/debian_version"; else ok "no fix writes over a file that is no image"; fi
expect_check "--image of the kernel: refused, it is no UKI" 1 "vmlinuz-$KVER is .*not a UKI\|vmlinuz-$KVER is neither" -- --image "/boot/vmlinuz-$KVER"
if grep -q "dracut -f" "$T/out"; then ko "a fix would write an image over the kernel"; else ok "no fix writes over the kernel"; fi

expect_check "bad option: usage error" 2 "Usage" -- --frobnicate

# An image cut short while it is read (dracut's cp rewrites its output in
# place): images are mapped, and the missing pages fault. The cut comes as
# soon as the image is mapped; scanning a gigabyte of holes takes far longer.
truncate -s 1000M "$R/boot/cut.img"
expect_check "a gigabyte of zeros: not an initramfs" 1 "the image is empty" -- --image /boot/cut.img
"$CHECK" --root "$R" --image /boot/cut.img >"$T/cut.out" 2>&1 &
pid=$!
i=0
while [ $i -lt 500 ] && ! grep -q cut.img "/proc/$pid/maps" 2>/dev/null; do
    sleep 0.01
    i=$((i + 1))
done
truncate -s 4096 "$R/boot/cut.img"
wait "$pid"
rc=$?
if [ "$rc" -eq 3 ] && grep -q "changed size while it was read" "$T/cut.out"; then
    ok "an image cut short while read: exit 3 and the reason, not SIGBUS"
else
    ko "an image cut short while read (exit $rc, wanted 3)"
    sed 's/^/    /' "$T/cut.out"
fi
rm -f "$R/boot/cut.img"

finish initrd_check_dracut
