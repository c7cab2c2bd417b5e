# shellcheck shell=sh
# Fixture roots for `--root`, shared by the shell tests and the fault
# harness (tests/faults/). Each function builds one under DIR; $SRC is the
# source tree, $B the build directory (make-fixture).

# bootloader_root NAME DIR [VENDOR]: a copy of tests/fixtures/bootloaders/NAME
# with a /proc/cpuinfo of VENDOR's (GenuineIntel by default).
bootloader_root() {
    cp -a "$SRC/tests/fixtures/bootloaders/$1" "$2" || return 1
    mkdir -p "$2/proc"
    printf 'processor\t: 0\nvendor_id\t: %s\nmodel name\t: Test CPU\nflags\t\t: fpu vmx\n\n' "${3:-GenuineIntel}" \
        >"$2/proc/cpuinfo"
}

# desktop_root DIR: a desktop's sysfs: the boot iGPU, a Radeon with its HDMI
# audio behind a root port, and a second GPU sharing group 7 with a SATA
# controller; pci.ids names the Radeon. Subsystem ids 1458:22d9.
desktop_root() {
    while read -r addr vendor device class group driver boot_vga; do
        "$B/make-fixture" "$1" "$addr" "$vendor" "$device" "$class" "$group" "$driver" "$boot_vga" 1458 22d9 ||
            return 1
    done <<DEVICES
0000:00:01.0 8086 1901 060400 1 pcieport 0
0000:00:02.0 8086 3e92 030000 0 i915 1
0000:01:00.0 1002 6818 030000 1 radeon 0
0000:01:00.1 1002 aab0 040300 1 snd_hda_intel 0
0000:03:00.0 1002 67df 030000 7 amdgpu 0
0000:04:00.0 1b21 0612 010601 7 ahci 0
DEVICES
    mkdir -p "$1/etc" "$1/usr/share/misc"
    printf '1002  Advanced Micro Devices, Inc. [AMD/ATI]\n\t6818  Pitcairn XT [Radeon HD 7870 GHz Edition]\n' \
        >"$1/usr/share/misc/pci.ids"
}

# initramfs_tools_root DIR: what says this machine builds its images with
# initramfs-tools (its kernel hook and update-initramfs).
initramfs_tools_root() {
    mkdir -p "$1/etc/kernel/postinst.d" "$1/usr/sbin"
    : >"$1/etc/kernel/postinst.d/initramfs-tools"
    : >"$1/usr/sbin/update-initramfs"
}

# arch_mkinitcpio_root DIR: Arch with mkinitcpio (39)'s stock HOOKS and
# vfio-bind's install hook.
arch_mkinitcpio_root() {
    mkdir -p "$1/usr/bin" "$1/usr/lib/initcpio/install" "$1/usr/share/libalpm/hooks" "$1/etc"
    : >"$1/usr/bin/mkinitcpio"
    : >"$1/usr/share/libalpm/hooks/90-mkinitcpio-install.hook"
    : >"$1/usr/lib/initcpio/install/vfio-bind"
    printf '%s\n' 'MODULES=()' \
        'HOOKS=(base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck)' \
        >"$1/etc/mkinitcpio.conf"
}

# efi_variable DIR NAME VALUE: systemd-boot's variable NAME (the Boot Loader
# Interface's vendor) as efivarfs shows it: attributes, then UTF-16LE text.
efi_variable() {
    mkdir -p "$1/sys/firmware/efi/efivars"
    {
        printf '\007\000\000\000'
        printf '%s' "$3" | sed 's/./&\n/g' | while IFS= read -r c; do [ -n "$c" ] && printf '%s\000' "$c"; done
        printf '\000\000'
    } >"$1/sys/firmware/efi/efivars/$2-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
}

# systemd_boot_root DIR: Arch booted by systemd-boot from arch.conf.
systemd_boot_root() {
    bootloader_root arch-systemd-boot "$1" || return 1
    efi_variable "$1" LoaderInfo "systemd-boot 252.30-1~deb12u2"
    efi_variable "$1" LoaderEntrySelected arch.conf
    boot_id "$1" 2b9c3f4e-1111-4d5e-8f00-000000000001
}

# boot_id DIR ID: the id of the boot the root is in.
boot_id() {
    mkdir -p "$1/proc/sys/kernel/random"
    echo "$2" >"$1/proc/sys/kernel/random/boot_id"
}

# boot_the_trial DIR: the boot after `cmdline enable --trial`: systemd-boot took
# (and cleared) the one-shot, the trial's marker is on the command line.
boot_the_trial() {
    rm -f "$1/sys/firmware/efi/efivars/LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
    echo "root=PARTUUID=6f1a5e2c rw intel_iommu=on iommu=pt vfio_bind.trial=1" >"$1/proc/cmdline"
    boot_id "$1" 2b9c3f4e-1111-4d5e-8f00-000000000002
}
