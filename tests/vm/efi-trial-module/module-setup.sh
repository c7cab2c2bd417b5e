#!/bin/bash
# shellcheck disable=SC2154 # moddir, initdir come from dracut
# Test-only dracut module (never installed) for tests/vm/efi_trial.sh: the
# machine's real steps, run from the initramfs of a UEFI guest whose ESP is
# its only disk (two on the Proxmox chain). Mounts efivarfs and the ESP (at /efi under systemd-boot, at
# /boot under GRUB), runs vfio-setup as the admin would (a file on the ESP
# names the step), reports on ttyS1 and powers off. vfio-setup's state
# lives on the ESP, as /var/lib would on a disk.

check() {
    return 255
}

depends() {
    return 0
}

installkernel() {
    hostonly='' instmods virtio_blk virtio_pci vfat nls_cp437 nls_iso8859_1 nls_ascii efivarfs
}

install() {
    inst_multiple mount umount mkdir rm cat grep sed sync ln ls sleep chattr cp head dirname
    inst_binary "$EFI_TRIAL_SETUP" /usr/sbin/vfio-setup
    inst_binary "$(command -v grub-editenv)" /usr/bin/grub-editenv
    inst_simple "$EFI_TRIAL_GRUB_DEFAULTS" /etc/default/grub
    # The stand-in, put in place by the step only on the Proxmox chain.
    inst_simple "$EFI_TRIAL_PBT" /usr/share/vbt/proxmox-boot-tool
    inst_hook initqueue/settled 99 "$moddir/efi-trial-step.sh"
    inst_hook initqueue/finished 99 "$moddir/efi-trial-done.sh"
    : > "$initdir/lib/dracut/need-initqueue"
}
