#!/bin/sh
# vfio-setup as a command, on fixture roots: list (text and JSON), add/remove
# (dry run, refusals, byte-for-byte undo), qemu-args, status exit codes, and
# cmdline enable/disable on a copy of the Debian 12 bootloader fixture.
# Usage: tests/shell/vfio_setup_cli.sh BUILD_DIR   (run from the source tree)
set -u
B=$(cd "${1:-build}" && pwd)
BIN=$B/vfio-setup
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib/harness.sh"
# shellcheck source=tests/shell/lib/roots.sh
. "$(dirname "$0")/lib/roots.sh"
# shellcheck disable=SC2034 # read by add_dev (lib/harness.sh)
SUBSYS_VENDOR=1458 SUBSYS_DEVICE=22d9


# A desktop: boot iGPU, a Radeon with its HDMI audio behind a root port, and a
# second GPU sharing group 7 with a SATA controller.
R=$T/root
desktop_root "$R" || { ko "make-fixture"; exit 1; }
INI=$R/etc/vfio-devices.ini

expect "--help names the new commands" 0 "qemu-args \[--libvirt\] \[--x-vga\]" -- "$BIN" --help
expect "unknown command is a usage error" 2 "unknown command" -- "$BIN" --root "$R" frobnicate
expect "-V is --version, as in the other tools" 0 "^vfio-setup [0-9]" -- "$BIN" -V
expect "add --help prints add's help" 0 "^  add ADDR \[OPTIONS\]" -- "$BIN" add --help
if grep -q "qemu-args" "$T/out"; then ko "add --help printed the whole usage"; else ok "add --help prints only add's part"; fi
expect "--root without a directory says so" 2 "--root needs a directory" -- "$BIN" list --root
expect "--root of a directory that is not there says so" 2 "--root $T/none: no such directory" -- "$BIN" --root "$T/none" list
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    expect "add as an unprivileged user: must be root" 1 "must be root" -- setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" add 01:00.0
else
    ko "add as an unprivileged user: the test needs root and setpriv"
fi

# list
expect "list shows the Radeon with its pci.ids name" 0 "Pitcairn XT \[Radeon HD 7870 GHz Edition\] \[1002:6818\] (driver: radeon)" -- "$BIN" --root "$R" list
expect "list shows its HDMI audio" 0 "0000:01:00.1 Audio device" -- "$BIN" --root "$R" list
expect "list marks the shared group" 0 "GPU 0000:03:00: NOT viable" -- "$BIN" --root "$R" list
expect "list marks the boot VGA" 0 "GPU 0000:00:02: viable, boot VGA" -- "$BIN" --root "$R" list
expect "list: the group, then the boot VGA, each readable" 0 "(driver: i915) group 0, boot VGA: the host console$" -- "$BIN" --root "$R" list
if [ -z "$(head -n 1 "$T/out")" ]; then ko "list starts with a blank line"; else ok "list starts with its first GPU, no blank line"; fi
"$BIN" --root "$R" list --json >"$T/json" 2>&1
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [g["viable"] for g in d["gpus"]] == [True, True, False]; assert d["gpus"][1]["functions"][1]["address"] == "0000:01:00.1"' "$T/json"; then
    ok "list --json is valid JSON with the right viability"
else ko "list --json"; sed 's/^/    /' "$T/json"; fi
expect "list --bogus is a usage error" 2 "unknown argument" -- "$BIN" --root "$R" list --bogus

# add / remove on a missing config, on a Debian machine with initramfs-tools
initramfs_tools_root "$R"
expect "add --no-group without an [options] section names no such section" 0 "group = yes is the default" -- "$BIN" --root "$R" add 01:00.0 --no-group --dry-run
if grep -q "in \[options\]" "$T/out"; then ko "add --no-group names an [options] section the file does not have"; else ok "add --no-group names no [options] section"; fi
expect "add --dry-run shows the new file" 0 "^+\[gpu-01:00.0\]" -- "$BIN" --root "$R" add 01:00.0 --dry-run
if [ -e "$INI" ]; then ko "add --dry-run wrote the config"; else ok "add --dry-run wrote nothing"; fi
expect "add writes the config and names the machine's own rebuild" 0 "update-initramfs -u -k all" -- "$BIN" --root "$R" add 01:00.0
if grep -q "^address = 0000:01:00.0$" "$INI" && grep -q "^id = 1002:6818$" "$INI" && head -n 1 "$INI" | grep -q '^;'; then
    ok "the new config has the header and the section"
else ko "new config content"; sed 's/^/    /' "$INI"; fi
if [ -x "$B/vfio-bind" ]; then
    expect "vfio-bind accepts the written config" 0 "valid, 1 device entry" -- "$B/vfio-bind" --root "$R" --check-config
else
    ko "vfio-bind accepts the written config: $B/vfio-bind is not built"
fi
expect "add twice is refused" 1 "already configured in \[gpu-01:00.0\]" -- "$BIN" --root "$R" add 01:00.0
expect "add of the card's audio is refused too (group = yes)" 1 "already configured" -- "$BIN" --root "$R" add 01:00.1
expect "qemu-args puts the card behind a root port of its own" 0 "^-device pcie-root-port,id=vfio-rp0,bus=pcie.0,addr=0x10,chassis=16 \\\\$" -- "$BIN" --root "$R" qemu-args --x-vga
expect "qemu-args for the configured card" 0 "^-device vfio-pci,host=0000:01:00.0,bus=vfio-rp0,addr=0x0.0x0,multifunction=on,x-vga=on \\\\$" -- "$BIN" --root "$R" qemu-args --x-vga
expect "qemu-args puts the audio beside it" 0 "^-device vfio-pci,host=0000:01:00.1,bus=vfio-rp0,addr=0x0.0x1$" -- "$BIN" --root "$R" qemu-args
expect "qemu-args --libvirt" 0 "<address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>" -- "$BIN" --root "$R" qemu-args --libvirt
"$BIN" --root "$R" qemu-args --libvirt >"$T/xml" 2>/dev/null
if xmllint --noout "$T/xml" 2>"$T/xmllint"; then ok "qemu-args --libvirt prints one well-formed XML document"; else ko "qemu-args --libvirt is not one XML document: $(cat "$T/xmllint")"; fi
if grep -q "managed='yes'" "$T/xml"; then ko "qemu-args --libvirt lets libvirt give the card back to the host (managed='yes')"; else ok "qemu-args --libvirt: managed='no'"; fi
expect "status: configured but not claimed is a problem" 1 "not claimed" -- "$BIN" --root "$R" status
expect "status: the rebuild it names is this machine's (initramfs-tools)" 1 "rebuild the initramfs: update-initramfs -u -k all" -- "$BIN" --root "$R" status
if grep -q "dracut" "$T/out" "$INI"; then ko "status or the new config's header names dracut on an initramfs-tools machine"; else ok "no other generator's rebuild in status or the new config"; fi
expect "remove --dry-run shows the deletion" 0 "^-\[gpu-01:00.0\]" -- "$BIN" --root "$R" remove 01:00.1 --dry-run
expect "remove by a sibling's address takes the card's section" 0 "removed \[gpu-01:00.0\]" -- "$BIN" --root "$R" remove 01:00.1
if grep -q "address" "$INI"; then ko "remove left a section"; else ok "remove left no section"; fi
expect "remove of what is not there" 1 "no section" -- "$BIN" --root "$R" remove 01:00.0
printf '[radeons]\nid = 1002:6818\n' >"$INI"
expect "remove of a card an id-only entry claims names that entry" 1 "0000:01:00.0 is claimed by \[radeons\] (id 1002:6818" -- "$BIN" --root "$R" remove 01:00.0

# add then remove restores a hand-written file byte for byte, with a backup
# made once, before the first edit (the earlier one was of the file add created)
rm -f "$INI.vfio-bind.bak"
cp "$SRC/conf/vfio-devices.ini" "$INI"
cp "$INI" "$T/orig.ini"
expect "add to the shipped example" 0 "wrote" -- "$BIN" --root "$R" add 0000:03:00.0
expect "status names the non-viable group" 1 "group 7: NOT viable, also holds 0000:04:00.0" -- "$BIN" --root "$R" status
expect "remove it again" 0 "wrote" -- "$BIN" --root "$R" remove 03:00.0
same "add then remove restores the file byte for byte" "$T/orig.ini" "$INI"
same "one backup: the file before the first edit, not overwritten by the second" "$T/orig.ini" "$INI.vfio-bind.bak"

# refusals, and an invalid config is left alone
expect "the boot VGA needs --boot-vga" 1 "pass --boot-vga" -- "$BIN" --root "$R" add 00:02.0
expect "--boot-vga sets boot_vga = yes" 0 "^+boot_vga = yes" -- "$BIN" --root "$R" add 00:02.0 --boot-vga --dry-run
expect "an absent address is refused" 1 "no PCI device at 0000:05:00.0" -- "$BIN" --root "$R" add 05:00.0
expect "a bridge is refused" 1 "is a PCI bridge" -- "$BIN" --root "$R" add 00:01.0
expect "a malformed address is refused" 1 "not a PCI address" -- "$BIN" --root "$R" add ../../etc
expect "add without an address is a usage error" 2 "which address" -- "$BIN" --root "$R" add
printf '[gpu]\nbogus = 1\n' >"$INI"
cp "$INI" "$T/bad.ini"
expect "an invalid config is not edited" 1 "vfio-devices.ini:2: unknown key 'bogus'" -- "$BIN" --root "$R" add 01:00.0
same "the invalid config is untouched" "$T/bad.ini" "$INI"
expect "qemu-args on an invalid config is a config error" 2 "unknown key" -- "$BIN" --root "$R" qemu-args
expect "status with an invalid config: exit 2, the error, and the live state all the same" 2 "^Config: *INVALID, vfio-bind claims nothing at boot" -- "$BIN" --root "$R" status
if grep -q "^IOMMU: " "$T/out" && grep -q "unknown key 'bogus'" "$T/out"; then ok "status shows the IOMMU and names the config's error"; else ko "status with an invalid config hides the live state"; fi

# status on a machine where vfio-bind claimed the card
V=$T/ready
add_dev "$V" 0000:00:02.0 8086 3e92 030000 0 i915 1
add_dev "$V" 0000:01:00.0 1002 6818 030000 1 vfio-pci 0
add_dev "$V" 0000:01:00.1 1002 aab0 040300 1 vfio-pci 0
mkdir -p "$V/dev/vfio" "$V/etc" "$V/proc"
: >"$V/dev/vfio/1"
printf '  9:  0  IR-IO-APIC  9-fasteoi  acpi\n 24:  0  IR-PCI-MSI 327680-edge  xhci_hcd\n' >"$V/proc/interrupts"
printf '[gpu]\naddress = 01:00.0\nid = 1002:6818\n' >"$V/etc/vfio-devices.ini"
expect "status on a working machine exits 0" 0 "all good" -- "$BIN" --root "$V" status
printf '0x00000000c0000000 0x00000000cfffffff 0x000000000014220c\n' >"$V/sys/devices/pci0000:00/0000:01:00.0/resource"
printf 'c0000000-cfffffff : 0000:01:00.0\n  c0000000-c02fffff : efifb\n' >"$V/proc/iomem"
expect "status: efifb in the GPU's BAR is a problem with its fix" 1 "vfio-setup cmdline enable --add video=efifb:off" -- "$BIN" --root "$V" status

# initramfs: the generator, and mkinitcpio's HOOKS drop-in
expect "initramfs status: initramfs-tools, our hook missing: exit 1" 1 "^Integration:  NOT installed (/usr/share/initramfs-tools/hooks/vfio-bind)" -- "$BIN" --root "$R" initramfs status
mkdir -p "$R/usr/share/initramfs-tools/hooks"
: >"$R/usr/share/initramfs-tools/hooks/vfio-bind"
expect "initramfs status: the invalid config means no image will claim" 1 "^Installed:    none found: NOT all will claim: invalid /etc/vfio-devices.ini" -- "$BIN" --root "$R" initramfs status
rm -f "$INI"
expect "initramfs status: with the hook, the images run vfio-bind" 0 "^New images:   built now, they run vfio-bind before udev" -- "$BIN" --root "$R" initramfs status
expect "initramfs enable on initramfs-tools: nothing to turn on" 0 "nothing to turn on" -- "$BIN" --root "$R" initramfs enable
expect "initramfs frobnicate is a usage error" 2 "unknown subcommand" -- "$BIN" --root "$R" initramfs frobnicate
A=$T/arch
arch_mkinitcpio_root "$A"
cp "$A/etc/mkinitcpio.conf" "$T/mkinitcpio.conf.orig"
expect "initramfs status on Arch: HOOKS without vfio-bind, exit 1" 1 "^New images:   built now, they do NOT run vfio-bind" -- "$BIN" --root "$A" initramfs status
expect "initramfs enable --dry-run shows the drop-in and the HOOKS it gives" 0 "^HOOKS will be: base vfio-bind udev autodetect" -- "$BIN" --root "$A" initramfs enable --dry-run
if [ -e "$A/etc/mkinitcpio.conf.d/vfio-bind.conf" ]; then ko "enable --dry-run wrote the drop-in"; else ok "enable --dry-run wrote nothing"; fi
expect "initramfs enable writes the drop-in, names the rebuild" 0 "mkinitcpio -P" -- "$BIN" --root "$A" initramfs enable
expect "initramfs status: now the images run vfio-bind" 0 "^HOOKS:        base vfio-bind udev autodetect" -- "$BIN" --root "$A" initramfs status
expect "initramfs enable again changes nothing" 0 "already" -- "$BIN" --root "$A" initramfs enable
same "mkinitcpio.conf itself is untouched" "$T/mkinitcpio.conf.orig" "$A/etc/mkinitcpio.conf"
expect "initramfs disable deletes it" 0 "" -- "$BIN" --root "$A" initramfs disable
if [ -e "$A/etc/mkinitcpio.conf.d/vfio-bind.conf" ]; then ko "the drop-in is still there"; else ok "the drop-in is gone"; fi
expect "initramfs status: back to not running vfio-bind" 1 "do NOT run vfio-bind" -- "$BIN" --root "$A" initramfs status

# host-devices: the root disk's controller shares group 7 with a GPU
H=$T/hostroot
add_dev "$H" 0000:00:02.0 8086 3e92 030000 0 i915 1
add_dev "$H" 0000:03:00.0 1002 67df 030000 7 amdgpu 0
add_dev "$H" 0000:04:00.0 1b21 0612 010601 7 ahci 0
sda2=devices/pci0000:00/0000:04:00.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda2
mkdir -p "$H/sys/$sda2" "$H/sys/class/block" "$H/sys/dev/block" "$H/proc/self" "$H/etc"
ln -s "../../$sda2" "$H/sys/class/block/sda2"
ln -s "../../$sda2" "$H/sys/dev/block/8:2"
echo "21 1 8:2 / / rw,relatime - xfs /dev/sda2 rw" >"$H/proc/self/mountinfo"
expect "host-devices: the root disk's controller" 0 "^0000:04:00.0 1b21:0612 storage: / (xfs on /dev/sda2)$" -- "$BIN" --root "$H" host-devices
expect "host-devices --output writes the record" 0 "" -- "$BIN" --root "$H" host-devices --output /run/vfio-bind/host-devices
if grep -q "^0000:04:00.0 1b21:0612 storage: " "$H/run/vfio-bind/host-devices"; then ok "the record is there"; else ko "no record"; fi
expect "list: vfio-bind refuses the GPU that shares the root disk's group" 0 "vfio-bind refuses it: it shares IOMMU group 7 with 0000:04:00.0 (storage: / (xfs on /dev/sda2)), which the host needs" -- "$BIN" --root "$H" list
if grep -q "which the host needs group" "$T/out"; then ko "list runs the reason and the group together"; else ok "list keeps the group apart from the reason"; fi
expect "add: refused before any reboot: move the card, never take the host's disk" 1 "which the host needs; a group goes to a guest only whole: move the card to a slot" -- "$BIN" --root "$H" add 03:00.0
if grep -q "allow_host_device" "$T/out"; then ko "add advises allow_host_device for a group that holds the root disk"; else ok "add does not advise allow_host_device for the root disk's group"; fi
expect "list: the root disk's controller is no candidate for vfio-pci" 0 "0000:04:00.0 .*<- blocks passthrough; the host needs it: move the card to another slot" -- "$BIN" --root "$H" list
if grep -q "bind it to vfio-pci too" "$T/out"; then ko "list advises binding the root disk's controller to vfio-pci"; else ok "list never advises binding the root disk's controller"; fi
if [ -e "$H/etc/vfio-devices.ini" ]; then ko "the refused add wrote the config"; else ok "the refused add wrote nothing"; fi

# cmdline enable/disable on a copy of the Debian 12 fixture
D=$T/debian
bootloader_root debian12 "$D"
expect "cmdline status" 0 "enable would change" -- "$BIN" --root "$D" cmdline status
expect "cmdline enable writes the grub.d drop-in" 0 "intel_iommu=on" -- "$BIN" --root "$D" cmdline enable --add video=efifb:off
if [ -e "$D/etc/default/grub.d/vfio-bind.cfg" ]; then ok "the drop-in exists"; else ko "no drop-in"; fi
expect "cmdline enable twice changes nothing" 0 "nothing to change" -- "$BIN" --root "$D" cmdline enable --add video=efifb:off
echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet" >"$D/proc/cmdline"
expect "cmdline status: enabled, and this boot started without it" 0 "^vfio-setup: *enabled, reboot pending: this boot started without intel_iommu=on video=efifb:off" -- "$BIN" --root "$D" cmdline status
echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet intel_iommu=on video=efifb:off" >"$D/proc/cmdline"
expect "cmdline status: enabled and booted with it" 0 "^vfio-setup: *enabled (disable undoes it)" -- "$BIN" --root "$D" cmdline status
rm "$D/proc/cmdline"
expect "enable --add of what turns the IOMMU off: refused, naming it" 2 "--add intel_iommu=off turns off the Intel IOMMU" -- "$BIN" --root "$D" cmdline enable --add intel_iommu=off
if grep -q "grub.d" "$T/out"; then ko "enable --add intel_iommu=off blames a grub.d file"; else ok "enable --add intel_iommu=off blames the parameter, not a file"; fi
expect "enable --add without a parameter says so" 2 "--add needs a parameter" -- "$BIN" --root "$D" cmdline enable --add
expect "host-devices --output without a file says so" 2 "--output needs a file" -- "$BIN" --root "$D" host-devices --output
# What enable changed, then that disable takes all of it back: the boot files
# compared both ways with the fixture (nothing left behind, nothing lost);
# only /proc (the test's), /run (the lock) and /var (vfio-setup's state) differ.
changed=$(diff -rq -x proc -x run -x var "$SRC/tests/fixtures/bootloaders/debian12" "$D" 2>&1)
case $changed in
    *grub.d*) ok "cmdline enable changed the boot files" ;;
    *) ko "cmdline enable changed no boot file: $changed" ;;
esac
expect "cmdline disable" 0 "" -- "$BIN" --root "$D" cmdline disable
if left=$(diff -r -x proc -x run -x var "$SRC/tests/fixtures/bootloaders/debian12" "$D" 2>&1); then
    ok "cmdline disable gives back the boot files byte for byte, with nothing left behind"
else
    ko "cmdline disable left the boot files changed:"
    printf '%s\n' "$left" | sed 's/^/    /'
fi

# AMD with no IOMMU exposed: list, status, add and cmdline status give the one
# right next step (the firmware), never `cmdline enable`, which adds nothing.
N=$T/noiommu
add_dev "$N" 0000:01:00.0 1002 6818 030000 - radeon 0
mkdir -p "$N/etc" "$N/proc"
printf 'processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD Ryzen 5\nflags\t\t: fpu svm\n\n' >"$N/proc/cpuinfo"
expect "list without an IOMMU on AMD names the firmware setting" 0 "no ACPI DMAR/IVRS table.*turn on AMD-Vi" -- "$BIN" --root "$N" list
expect "status names the firmware setting" 1 "IOMMU: *NOT active: the firmware exposes no IOMMU" -- "$BIN" --root "$N" status
expect "add names the firmware setting" 1 "no IOMMU group, the IOMMU is not active: the firmware exposes no IOMMU" -- "$BIN" --root "$N" add 01:00.0
expect "cmdline status names the firmware setting as the next step" 0 "^Next step: *the firmware exposes no IOMMU" -- "$BIN" --root "$N" cmdline status
for cmd in list status "add 01:00.0"; do
    # shellcheck disable=SC2086 # the command and its argument
    "$BIN" --root "$N" $cmd >"$T/out" 2>&1
    if grep -q "cmdline enable" "$T/out"; then ko "$cmd advises cmdline enable without an IOMMU to turn on"; else ok "$cmd: no cmdline enable without an IOMMU to turn on"; fi
done
# Inside a virtual machine the firmware is the host's.
printf 'processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nflags\t\t: fpu svm hypervisor\n\n' >"$N/proc/cpuinfo"
expect "list in a VM: the host must expose a vIOMMU" 0 "virtual machine has no virtual IOMMU.*intel-iommu" -- "$BIN" --root "$N" list
expect "cmdline status in a VM: the same next step" 0 "^Next step: *this virtual machine has no virtual IOMMU" -- "$BIN" --root "$N" cmdline status

# add --trial --dry-run predicts the real run: this grub.cfg sources no
# custom.cfg, so there is no place for a trial entry, dry or not.
G=$T/grubtrial
cp -a "$SRC/tests/fixtures/bootloaders/debian12" "$G"
add_dev "$G" 0000:01:00.0 1002 6818 030000 1 radeon 0
mkdir -p "$G/proc"
printf 'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Test CPU\nflags\t\t: fpu vmx\n\n' >"$G/proc/cpuinfo"
expect "add --trial --dry-run fails where the real run fails" 1 "does not source custom.cfg" -- "$BIN" --root "$G" add 01:00.0 --trial --dry-run
if grep -q "^+++ .*vfio-devices.ini$" "$T/out"; then ko "add --trial --dry-run shows a diff of the config the trial never writes"; else ok "add --trial --dry-run shows no diff of the config itself"; fi
expect "add --trial fails the same" 1 "does not source custom.cfg" -- "$BIN" --root "$G" add 01:00.0 --trial
if [ -e "$G/etc/vfio-devices.trial.ini" ] || [ -e "$G/etc/vfio-devices.ini" ]; then ko "the failed trial left a config"; else ok "the failed trial wrote no config"; fi

# A trial the firmware refuses to arm (LoaderEntryOneShot cannot be written)
# is taken back: no entry, no state left behind.
S=$T/sdboot
cp -a "$SRC/tests/fixtures/bootloaders/arch-systemd-boot" "$S"
mkdir -p "$S/proc" "$S/sys/firmware/efi/efivars"
printf 'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Test CPU\nflags\t\t: fpu vmx\n\n' >"$S/proc/cpuinfo"
python3 - "$S/sys/firmware/efi/efivars" <<'PY'
import sys
for name, value in [("LoaderInfo", "systemd-boot 252"), ("LoaderEntrySelected", "arch.conf")]:
    with open(f"{sys.argv[1]}/{name}-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f", "wb") as f:
        f.write(b"\x07\0\0\0" + (value + "\0").encode("utf-16-le"))
PY
mkdir -p "$S/sys/firmware/efi/efivars/LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f/refused"
expect "cmdline enable --trial refused by the firmware: taken back" 1 "what the trial had written is taken back; nothing changed" -- "$BIN" --root "$S" cmdline enable --trial
if [ -e "$S/boot/loader/entries/vfio-bind-trial.conf" ] || [ -e "$S/var/lib/vfio-bind/trial.state" ]; then
    ko "the failed trial left its entry or state behind"
else ok "the failed trial left nothing behind"; fi

# confirm: vfio-bind-confirm.service runs `confirm --auto` at every boot.
expect "confirm --auto with no trial pending: nothing to do" 0 "" -- "$BIN" --root "$D" confirm --auto
expect "confirm with no trial pending: an error" 1 "no trial boot is pending" -- "$BIN" --root "$D" confirm
mkdir -p "$D/var/lib/vfio-bind"
echo garbage >"$D/var/lib/vfio-bind/trial.state"
expect "confirm --auto on a damaged trial state: an error, not silence" 1 "damaged" -- "$BIN" --root "$D" confirm --auto
rm -f "$D/var/lib/vfio-bind/trial.state"

finish
