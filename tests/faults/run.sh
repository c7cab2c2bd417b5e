#!/bin/sh
# Every write survives a fault at every step (issue 20): each writing command
# of vfio-setup, on fixture roots (GRUB: Debian 12; BLS: Fedora 39; a
# desktop's sysfs; Arch's mkinitcpio), run once under strace to learn its
# calls, then once per call with exactly that call failing and once killed
# there, and its clean run's writes cut short at every step (power cuts).
# inject.py checks each tree and that running the command again recovers.
# Usage: tests/faults/run.sh BUILD_DIR [quick]
#   quick: error injection for `cmdline enable` on Debian 12 only (make check)
#   FAULTS_ONLY=NAME,...: only those scenarios (inject.py), e.g. FAULTS_ONLY=confirm-sdboot
set -u
B=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/shell/lib/roots.sh
. "$SRC/tests/shell/lib/roots.sh"
command -v strace >/dev/null || { echo "faults: strace is missing (.ci/install-deps test)"; echo "faults: 0 passed, 1 failed"; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
S=$B/vfio-setup
die() { echo "faults: cannot set up $1"; echo "faults: 0 passed, 1 failed"; exit 1; }

# A root taken to the state a command starts from: ROOT, then the commands
# (vfio-setup arguments) that bring it there.
prepare() {
    root=$1
    shift
    for c in "$@"; do
        # shellcheck disable=SC2086 # one command's words
        "$S" --root "$root" $c >/dev/null 2>&1 || die "$root: vfio-setup $c"
    done
}

bootloader_root debian12 "$W/debian12" || die debian12
bootloader_root fedora39 "$W/fedora39" || die fedora39
if [ "${2:-}" = quick ]; then
    exec python3 "$SRC/tests/faults/inject.py" --bin "$B" --work "$W" --only errors \
        "cmdline-enable-grub|$W/debian12|vfio-setup cmdline enable|vfio-setup cmdline disable"
fi

cp -a "$W/debian12" "$W/debian12-on"
prepare "$W/debian12-on" "cmdline enable"
cp -a "$W/fedora39" "$W/fedora39-on"
prepare "$W/fedora39-on" "cmdline enable"

desktop_root "$W/desktop" || die desktop
initramfs_tools_root "$W/desktop"
cp -a "$W/desktop" "$W/desktop-added"
prepare "$W/desktop-added" "add 01:00.0"

systemd_boot_root "$W/sdboot" || die sdboot
cp -a "$W/sdboot" "$W/sdboot-trial"
prepare "$W/sdboot-trial" "cmdline enable --trial"
boot_the_trial "$W/sdboot-trial"

arch_mkinitcpio_root "$W/arch"
cp -a "$W/arch" "$W/arch-on"
prepare "$W/arch-on" "initramfs enable"

python3 "$SRC/tests/faults/inject.py" --bin "$B" --work "$W" \
    "cmdline-enable-grub|$W/debian12|vfio-setup cmdline enable|vfio-setup cmdline disable" \
    "cmdline-disable-grub|$W/debian12-on|vfio-setup cmdline disable|vfio-setup cmdline enable" \
    "cmdline-enable-bls|$W/fedora39|vfio-setup cmdline enable|vfio-setup cmdline disable" \
    "cmdline-disable-bls|$W/fedora39-on|vfio-setup cmdline disable|vfio-setup cmdline enable" \
    "cmdline-enable-trial-sdboot|$W/sdboot|vfio-setup cmdline enable --trial|vfio-setup cmdline disable" \
    "confirm-sdboot|$W/sdboot-trial|vfio-setup confirm|vfio-setup cmdline disable" \
    "add|$W/desktop|vfio-setup add 01:00.0|vfio-setup remove 01:00.0" \
    "remove|$W/desktop-added|vfio-setup remove 01:00.0|vfio-setup add 01:00.0" \
    "initramfs-enable|$W/arch|vfio-setup initramfs enable|vfio-setup initramfs disable" \
    "initramfs-disable|$W/arch-on|vfio-setup initramfs disable|vfio-setup initramfs enable"
