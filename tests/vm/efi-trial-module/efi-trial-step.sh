#!/bin/sh
# The guest's step (see module-setup.sh), once, when udev has settled. The
# ESP file vbt-step holds it:
#   arm        vfio-setup cmdline enable --trial (iommu=pt and vbt.tried=1)
#   rearm      cancel the pending trial (cmdline disable), then arm again
#   arm-noshot arm, then drop the one-shot: a boot loader that does not honour it
#   confirm    vfio-setup confirm, when this boot is the trial
# Output on ttyS1: cmdline WORDS | step NAME | out LINE | EFI-TRIAL-END
[ -e /run/efi-trial-done ] && return 0 2> /dev/null
out=/dev/ttyS1
{
    echo "EFI-TRIAL-BEGIN"
    echo "cmdline $(cat /proc/cmdline)"
    grep -q efivarfs /proc/mounts || mount -t efivarfs efivarfs /sys/firmware/efi/efivars
    esp=/efi
    grep -q 'vbt.loader=grub' /proc/cmdline && esp=/boot
    if grep -q 'vbt.loader=pve' /proc/cmdline; then
        # A proxmox-boot-tool host: its ESP list (the two disks' volume ids)
        # and the tool; the ESP the firmware booted from (the first disk)
        # mounted on /boot/efi, as vfio-setup asks for a trial.
        esp=/boot/efi
        mkdir -p /etc/kernel /usr/sbin
        printf '6A3C-21F0\n6A3C-8E17\n' > /etc/kernel/proxmox-boot-uuids
        echo "root=LABEL=vbt-none" > /etc/kernel/cmdline
        cp /usr/share/vbt/proxmox-boot-tool /usr/sbin/proxmox-boot-tool
    fi
    mkdir -p "$esp"
    mount -t vfat /dev/vda "$esp"
    mkdir -p /var/lib "$esp/vbt-state"
    ln -sfn "$esp/vbt-state" /var/lib/vfio-bind
    step=none
    [ -e "$esp/vbt-step" ] && step=$(cat "$esp/vbt-step") && rm -f "$esp/vbt-step"
    echo "step $step"
    arm() { vfio-setup cmdline enable --trial --iommu-pt --add vbt.tried=1; }
    case $step in
        arm) arm ;;
        rearm) vfio-setup cmdline disable && arm ;;
        arm-noshot)
            arm
            # Each drop is said only once the one-shot was seen armed: the
            # host checks both lines, so a control that was never armed fails.
            v=/sys/firmware/efi/efivars/LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
            if [ -e "$v" ]; then
                echo "control: armed LoaderEntryOneShot"
                chattr -i "$v" && rm -f "$v" && [ ! -e "$v" ] && echo "control: dropped LoaderEntryOneShot"
            fi
            if [ -e /boot/grub/grubenv ] && grub-editenv /boot/grub/grubenv list | grep -qx 'next_entry=vfio-bind-trial'; then
                echo "control: armed next_entry"
                grub-editenv /boot/grub/grubenv unset next_entry &&
                    ! grub-editenv /boot/grub/grubenv list | grep -q '^next_entry=' && echo "control: dropped next_entry"
            fi
            ;;
        confirm) grep -q 'vfio_bind.trial=1' /proc/cmdline && vfio-setup confirm ;;
    esac 2>&1 | sed 's/^/out /'
    vfio-setup status 2>&1 | grep '^trial boot' | sed 's/^/out /'
    # Which backends vfio-setup took the command line from (the Proxmox
    # chain: proxmox-boot-tool, not the BLS entries of the mounted ESP).
    vfio-setup cmdline status 2>&1 | grep -E '^(proxmox-boot-tool|BLS entries)' | sed 's/^/out backend /'
    sync
    umount "$esp"
    echo "EFI-TRIAL-END"
} > "$out" 2>&1
: > /run/efi-trial-done
echo o > /proc/sysrq-trigger
