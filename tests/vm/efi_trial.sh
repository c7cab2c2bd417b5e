#!/bin/bash
# Trial boots on real UEFI boot loaders (make check-vm): Debian's OVMF with a
# writable copy of its variable store, an ESP image made with mkfs.vfat and
# mtools (no loop device), systemd-boot in one chain and GRUB's EFI build in
# another, Debian's kernel and a dracut initramfs whose test module runs
# vfio-setup in the guest as the admin would (tests/vm/efi-trial-module).
# Every QEMU run is one boot; the ESP and the variables carry over.
#   systemd-boot: arm | the trial boot (new parameters) | the next boot (old:
#     no confirm), rearm | the trial boot, confirm | the next boot (new: confirmed)
#   GRUB: arm | the trial boot (new) | the next boot (old: GRUB cleared next_entry)
#   Proxmox VE: two ESP disks laid out as proxmox-boot-tool keeps them
#     (loader/entries/proxmox-<kver>.conf, EFI/proxmox/<kver>/, "default
#     proxmox-*"), the guest a proxmox-boot-tool host (its ESP list, the
#     stand-in tool): arm, with the booted ESP mounted on /boot/efi | the trial
#     boot (new) | the next boot (old)
#   negative controls, one per boot loader: armed but the one-shot dropped
#     (a loader that does not honour it) | the next boot is not the trial, so
#     the checks above would fail if the one-shot were not honoured.
# Usage: tests/vm/efi_trial.sh BUILD_DIR. Last line "efi-trial: N passed, M failed".
# EFI_TRIAL_ONLY="pve pvectl" runs only those chains (sd sdctl grub grubctl pve pvectl).
set -u
BUILD=$(cd "${1:-build}" && pwd)
REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-bind-efi.XXXXXX")
T0=$(date +%s)
# shellcheck source=tests/vm/lib.sh
. "$REPO/tests/vm/lib.sh"
# shellcheck source=tests/lib/report.sh
. "$REPO/tests/lib/report.sh"
finish() {
    echo "efi-trial: total $(($(date +%s) - T0)) s"
    if [ "$REPORT_FAILED" = 0 ] && [ -z "${VM_KEEP:-}" ]; then rm -rf "$WORK"; else echo "efi-trial: logs in $WORK"; fi
    if report_finish efi-trial; then exit 0; else exit 1; fi
}
trap finish EXIT

OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
SDBOOT=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
vm_need mcopy:mtools mkfs.vfat:dosfstools grub-mkstandalone:grub-common grub-editenv:grub-common || exit 1
for f in "$OVMF_CODE" "$OVMF_VARS" "$SDBOOT" /usr/lib/grub/x86_64-efi/linux.mod; do
    [ -e "$f" ] || { report_fail "missing $f (.ci/install-deps vm: ovmf, systemd-boot-efi, grub-efi-amd64-bin)"; exit 1; }
done
vm_pick_kernel || exit 1
vm_dracut_base
ln -s "$REPO/tests/vm/efi-trial-module" "$DRACUT_BASE/modules.d/98efi-trial"

# One initramfs for both boot loaders: under GRUB, /etc/default/grub is what
# vfio-setup reads its default from.
printf 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=0\nGRUB_CMDLINE_LINUX_DEFAULT=""\nGRUB_CMDLINE_LINUX=""\n' > "$WORK/grub-defaults"
if ! EFI_TRIAL_SETUP=$BUILD/vfio-setup EFI_TRIAL_GRUB_DEFAULTS=$WORK/grub-defaults \
    EFI_TRIAL_PBT=$REPO/tests/lib/proxmox-boot-tool dracutbasedir=$DRACUT_BASE \
    dracut --conf /dev/null --confdir "$WORK/dracut-conf.d" --tmpdir "$WORK" --no-hostonly --no-hostonly-cmdline \
    --kver "$KVER" -m "base udev-rules systemd systemd-initrd dracut-systemd efi-trial" --no-early-microcode \
    --no-compress --force "$WORK/initrd.img" > "$WORK/dracut.log" 2>&1; then
    tail -n 20 "$WORK/dracut.log"
    report_fail "the test initramfs (dracut)"
    exit 1
fi
BASE_CMDLINE="console=ttyS0,115200 no_timer_check panic=1 rd.shell=0 rd.emergency=reboot root=LABEL=vbt-none rd.retry=60"

# esp NAME LOADER: WORK/NAME.img, a FAT ESP with the kernel, the initramfs
# and the boot loader, and WORK/NAME.vars, the firmware's variable store.
# LOADER pve: two ESPs as proxmox-boot-tool keeps them (the second,
# WORK/NAME.esp2.img, a copy with its own volume id, as on a ZFS mirror).
esp() {
    local img=$WORK/$1.img
    mkfs.vfat -C -n ESP -i 6A3C21F0 "$img" 98304 > /dev/null || return 1
    export MTOOLS_SKIP_CHECK=1
    mmd -i "$img" ::/EFI ::/EFI/BOOT
    if [ "$2" = pve ]; then
        # What `proxmox-boot-tool refresh` writes (src/bootloader/proxmox_boot.cc).
        local d=EFI/proxmox/$KVER
        mmd -i "$img" ::/EFI/proxmox "::/$d" ::/loader ::/loader/entries
        mcopy -i "$img" "/boot/vmlinuz-$KVER" "::/$d/vmlinuz-$KVER"
        mcopy -i "$img" "$WORK/initrd.img" "::/$d/initrd.img-$KVER"
        mcopy -i "$img" "$SDBOOT" ::/EFI/BOOT/BOOTX64.EFI
        printf 'timeout 0\ndefault proxmox-*\n' > "$WORK/$1.loader.conf"
        printf 'title    Proxmox Virtual Environment\nversion  %s\noptions  %s vbt.loader=pve\nlinux    /%s/vmlinuz-%s\ninitrd   /%s/initrd.img-%s\n' \
            "$KVER" "$BASE_CMDLINE" "$d" "$KVER" "$d" "$KVER" > "$WORK/$1.entry"
        mcopy -i "$img" "$WORK/$1.loader.conf" ::/loader/loader.conf
        mcopy -i "$img" "$WORK/$1.entry" "::/loader/entries/proxmox-$KVER.conf"
        cp "$img" "$WORK/$1.esp2.img" && mlabel -i "$WORK/$1.esp2.img" -N 6A3C8E17 ::ESP || return 1
        cp "$OVMF_VARS" "$WORK/$1.vars"
        return
    fi
    mcopy -i "$img" "/boot/vmlinuz-$KVER" ::/vmlinuz
    mcopy -i "$img" "$WORK/initrd.img" ::/initrd.img
    if [ "$2" = sd ]; then
        mcopy -i "$img" "$SDBOOT" ::/EFI/BOOT/BOOTX64.EFI
        mmd -i "$img" ::/loader ::/loader/entries
        # No default: without the pin vfio-setup sets, the trial entry
        # (sorted by id) could become it.
        printf 'timeout 0\n' > "$WORK/$1.loader.conf"
        printf 'title Debian\nlinux /vmlinuz\ninitrd /initrd.img\noptions %s vbt.loader=sd\n' "$BASE_CMDLINE" \
            > "$WORK/$1.entry"
        mcopy -i "$img" "$WORK/$1.loader.conf" ::/loader/loader.conf
        mcopy -i "$img" "$WORK/$1.entry" ::/loader/entries/debian.conf
    else
        # GRUB's EFI build, its grub.cfg shaped as Debian's grub-mkconfig
        # writes it: next_entry in 00_header, custom.cfg sourced by 41_custom.
        printf 'search --no-floppy --file --set=root /grub/grub.cfg\nset prefix=($root)/grub\nconfigfile $prefix/grub.cfg\n' \
            > "$WORK/$1.embedded.cfg"
        grub-mkstandalone -O x86_64-efi -o "$WORK/$1.grubx64.efi" \
            --modules="part_gpt part_msdos fat search search_fs_file configfile normal linux loadenv test echo" \
            "boot/grub/grub.cfg=$WORK/$1.embedded.cfg" || return 1
        mcopy -i "$img" "$WORK/$1.grubx64.efi" ::/EFI/BOOT/BOOTX64.EFI
        cat > "$WORK/$1.grub.cfg" << EOF
if [ -s \$prefix/grubenv ]; then
  set have_grubenv=true
  load_env
fi
if [ "\${next_entry}" ] ; then
   set default="\${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
   set default="0"
fi
set timeout=0
menuentry 'Debian GNU/Linux' --class debian --id debian {
	linux	/vmlinuz $BASE_CMDLINE vbt.loader=grub
	initrd	/initrd.img
}
if [ -f  \${config_directory}/custom.cfg ]; then
  source \${config_directory}/custom.cfg
elif [ -z "\${config_directory}" -a -f  \$prefix/custom.cfg ]; then
  source \$prefix/custom.cfg;
fi
EOF
        grub-editenv "$WORK/$1.grubenv" create
        mmd -i "$img" ::/grub
        mcopy -i "$img" "$WORK/$1.grub.cfg" ::/grub/grub.cfg
        mcopy -i "$img" "$WORK/$1.grubenv" ::/grub/grubenv
    fi
    cp "$OVMF_VARS" "$WORK/$1.vars"
}

# step NAME WHAT: the guest's next step (an ESP file it reads and deletes).
step() {
    printf '%s\n' "$2" > "$WORK/$1.step" # one per chain: they run at once
    mcopy -o -i "$WORK/$1.img" "$WORK/$1.step" ::/vbt-step
}

# boot NAME N: one boot of NAME's ESP and variables; WORK/NAME.N.report.
boot() {
    local second=() # a Proxmox chain's second ESP
    # shellcheck disable=SC2054 # QEMU's option lists
    [ -e "$WORK/$1.esp2.img" ] &&
        second=(-drive "file=$WORK/$1.esp2.img,format=raw,if=none,id=esp2,cache=unsafe" -device virtio-blk-pci,drive=esp2)
    timeout "${VM_TIMEOUT:-300}" qemu-system-x86_64 -accel tcg -M q35 -m 1024 -nodefaults -display none -no-reboot \
        -drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
        -drive if=pflash,format=raw,unit=1,file="$WORK/$1.vars" \
        -drive file="$WORK/$1.img",format=raw,if=none,id=esp,cache=unsafe -device virtio-blk-pci,drive=esp,bootindex=0 \
        "${second[@]}" \
        -serial "file:$WORK/$1.$2.console" -serial "file:$WORK/$1.$2.report" > "$WORK/$1.$2.qemu" 2>&1
    sed -i 's/\r$//' "$WORK/$1.$2.report" "$WORK/$1.$2.console" 2> /dev/null
}

# The chains, each a series of boots, all at once.
chain_sd() {
    esp sd sd && step sd arm && boot sd 1 && boot sd 2 && step sd rearm && boot sd 3 &&
        step sd confirm && boot sd 4 && boot sd 5
}
chain_grub() { esp grub grub && step grub arm && boot grub 1 && boot grub 2 && boot grub 3; }
chain_control() { esp "$1" "$2" && step "$1" arm-noshot && boot "$1" 1 && boot "$1" 2; }
chain_pve() { esp pve pve && step pve arm && boot pve 1 && boot pve 2 && boot pve 3; }
# want CHAIN: it runs (EFI_TRIAL_ONLY names it, or is unset).
want() { case " ${EFI_TRIAL_ONLY:-$1} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
want sd && chain_sd > "$WORK/chain-sd.log" 2>&1 &
want grub && chain_grub > "$WORK/chain-grub.log" 2>&1 &
want sdctl && chain_control sdctl sd > "$WORK/chain-sdctl.log" 2>&1 &
want grubctl && chain_control grubctl grub > "$WORK/chain-grubctl.log" 2>&1 &
want pve && chain_pve > "$WORK/chain-pve.log" 2>&1 &
want pvectl && chain_control pvectl pve > "$WORK/chain-pvectl.log" 2>&1 &
wait

# The report of boot N of NAME: its command line and steps.
r() { echo "$WORK/$1.$2.report"; }
reported() { grep -q '^EFI-TRIAL-END' "$(r "$1" "$2")" 2> /dev/null; }
cmdline_has() { grep '^cmdline ' "$(r "$1" "$2")" | grep -qw -- "$3"; }
show() {
    if reported "$1" "$2"; then sed -n 's/^\(cmdline\|step\|out\) /     \1 /p' "$(r "$1" "$2")"
    else tail -n 15 "$WORK/$1.$2.console" | sed 's/^/     console: /'; fi
}
trial_boot() { reported "$1" "$2" && cmdline_has "$1" "$2" vbt.tried=1 && cmdline_has "$1" "$2" vfio_bind.trial=1; }
old_boot() { reported "$1" "$2" && ! cmdline_has "$1" "$2" vbt.tried=1; }

if want sd; then
for n in 1 2 3 4 5; do echo "   systemd-boot, boot $n:"; show sd "$n"; done
armed_sd() { old_boot sd 1 && grep -q '^out trial entry /efi/loader/entries/vfio-bind-trial.conf' "$(r sd 1)"; }
report_check "systemd-boot: armed on the running system (vfio-setup cmdline enable --trial)" armed_sd
report_check "systemd-boot: the next boot is the trial: the new parameters and vfio_bind.trial=1" trial_boot sd 2
report_check "systemd-boot: the boot after it, with no confirm, is the old default (the pin held: loader.conf sets none)" old_boot sd 3
confirmed_sd() { trial_boot sd 4 && grep -q '^out confirmed' "$(r sd 4)"; }
report_check "systemd-boot: the trial again, and confirmed from it (vfio-setup confirm)" confirmed_sd
permanent_sd() {
    reported sd 5 && cmdline_has sd 5 vbt.tried=1 && ! cmdline_has sd 5 vfio_bind.trial=1 &&
        ! grep -q '^out trial boot pending' "$(r sd 5)"
}
report_check "systemd-boot: every boot after the confirm has the parameters, no trial marker, no trial pending" permanent_sd
fi

if want grub; then
for n in 1 2 3; do echo "   GRUB, boot $n:"; show grub "$n"; done
armed_grub() { old_boot grub 1 && grep -q '^out running grub-editenv /boot/grub/grubenv set next_entry=vfio-bind-trial' "$(r grub 1)"; }
report_check "GRUB: armed on the running system (custom.cfg, grub-editenv set next_entry)" armed_grub
report_check "GRUB: the next boot is the trial: the new parameters and vfio_bind.trial=1" trial_boot grub 2
report_check "GRUB: the boot after it is the old default (GRUB cleared next_entry on the ESP)" old_boot grub 3
fi

if want pve; then
for n in 1 2 3; do echo "   Proxmox VE (proxmox-boot-tool, systemd-boot), boot $n:"; show pve "$n"; done
armed_pve() { old_boot pve 1 && grep -q '^out trial entry /boot/efi/loader/entries/vfio-bind-trial.conf' "$(r pve 1)"; }
report_check "Proxmox VE: armed on the booted ESP, mounted on /boot/efi (vfio-setup cmdline enable --trial)" armed_pve
pbt_owns() { grep -qx 'out backend proxmox-boot-tool:' "$(r pve 1)" && grep -qx 'out backend BLS entries (present, not in use):' "$(r pve 1)"; }
report_check "Proxmox VE: the command line is proxmox-boot-tool's, the ESP's BLS entries are not vfio-setup's to edit" pbt_owns
report_check "Proxmox VE: the next boot is the trial: the new parameters and vfio_bind.trial=1" trial_boot pve 2
report_check "Proxmox VE: the boot after it is the old default (proxmox-*: no pin needed)" old_boot pve 3
fi

# armed_control NAME WHAT: boot 1 of the control saw its one-shot set by
# vfio-setup and then dropped it (else the control proves nothing).
armed_control() { reported "$1" 1 && grep -qx "out control: armed $2" "$(r "$1" 1)" && grep -qx "out control: dropped $2" "$(r "$1" 1)"; }
for c in sdctl:LoaderEntryOneShot grubctl:next_entry pvectl:LoaderEntryOneShot; do
    what=${c#*:} c=${c%%:*}
    want "$c" || continue
    echo "   control $c, boot 1 and 2:"
    show "$c" 1
    show "$c" 2
    report_check "negative control ($c): armed ($what set by vfio-setup), then dropped" armed_control "$c" "$what"
    report_check "negative control ($c): with the one-shot dropped, the next boot is not the trial" old_boot "$c" 2
done
