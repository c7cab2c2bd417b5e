#!/bin/sh
# vfio-setup on Proxmox VE roots booting through proxmox-boot-tool (ZFS
# mirror, two ESPs; systemd-boot, and GRUB with Secure Boot): cmdline
# enable/disable edit only the file the tool reads and ask for `refresh`; the
# stand-in tests/lib/proxmox-boot-tool (on PATH) then does that to the ESPs as
# the real one does, and what boots follows, both ways. list/add name a
# modprobe.d vfio-pci ids= and the entries that replace it.
# Usage: tests/shell/proxmox.sh BUILD_DIR   (run from the source tree)
set -u
B=$(cd "${1:-build}" && pwd)
BIN=$B/vfio-setup
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib/harness.sh"
FIX=$SRC/tests/fixtures/bootloaders

# root FIXTURE DIR: a copy of the fixture with an Intel CPU.
root() {
    cp -a "$FIX/$1" "$2"
    mkdir -p "$2/proc"
    printf 'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Test CPU\nflags\t\t: fpu vmx\n\n' >"$2/proc/cpuinfo"
}
# apply ROOT: run what vfio-setup asked for (under --root it only prints it),
# with the stand-in proxmox-boot-tool first on PATH.
apply() {
    # shellcheck disable=SC2016 # the backquotes are vfio-setup's
    cmd=$(sed -n 's/^proxmox-boot-tool: run `\(.*\)` to apply$/\1/p' "$T/out")
    if [ "$cmd" != "proxmox-boot-tool refresh" ]; then ko "vfio-setup asked for '$cmd', not proxmox-boot-tool refresh"; return; fi
    # shellcheck disable=SC2086 # the command's words
    if PATH="$SRC/tests/lib:$PATH" PROXMOX_ROOT=$1 $cmd 2>"$T/refresh"; then ok "the stand-in ran $cmd"
    else ko "$cmd failed: $(cat "$T/refresh")"; fi
}
# unchanged NAME FIXTURE ROOT DIR...: those directories as in the fixture
unchanged() {
    name=$1 fix=$2 r=$3
    shift 3
    for d in "$@"; do
        if ! out=$(diff -r "$FIX/$fix/$d" "$r/$d" 2>&1); then ko "$name: $d differs"; printf '%s\n' "$out" | sed 's/^/    /'; return; fi
    done
    ok "$name"
}

# systemd-boot on both ESPs
P=$T/pve
root proxmox8-zfs-sdboot "$P"
E1=$P/var/tmp/espmounts/6A3C-21F0 E2=$P/var/tmp/espmounts/6A3C-8E17
expect "cmdline status: GRUB's files are there, but not what boots" 0 "GRUB (present, not in use)" -- "$BIN" --root "$P" cmdline status
expect "cmdline status: it is /etc/kernel/cmdline, onto both ESPs" 0 "/etc/kernel/cmdline (proxmox-boot-tool refresh writes it onto the ESPs 6A3C-21F0, 6A3C-8E17)" -- "$BIN" --root "$P" cmdline status
expect "cmdline enable edits /etc/kernel/cmdline and asks for refresh" 0 "run \`proxmox-boot-tool refresh\` to apply" -- "$BIN" --root "$P" cmdline enable
if [ "$(cat "$P/etc/kernel/cmdline")" = "root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on" ]; then ok "/etc/kernel/cmdline has intel_iommu=on"
else ko "/etc/kernel/cmdline: $(cat "$P/etc/kernel/cmdline")"; fi
unchanged "no ESP is written by vfio-setup itself, nor GRUB's files" proxmox8-zfs-sdboot "$P" var/tmp/espmounts etc/default
apply "$P"
if grep -q "^refresh$" "$P/run/proxmox-boot-tool.calls"; then ok "the stand-in recorded the call"; else ko "no refresh recorded"; fi
for e in "$E1" "$E2"; do
    if grep -qx "options  root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on" "$e/loader/entries/proxmox-6.8.12-4-pve.conf"; then
        ok "refresh put the new command line on ESP ${e##*/}"
    else ko "ESP ${e##*/}: $(grep options "$e/loader/entries/proxmox-6.8.12-4-pve.conf")"; fi
done
expect "cmdline disable asks for refresh again" 0 "run \`proxmox-boot-tool refresh\` to apply" -- "$BIN" --root "$P" cmdline disable
apply "$P"
unchanged "disable and refresh give back /etc and both ESPs byte for byte" proxmox8-zfs-sdboot "$P" etc var/tmp/espmounts

# A trial needs the booted ESP mounted: without, which one and how.
mkdir -p "$P/sys/firmware/efi/efivars"
efivar() { printf '\007\000\000\000' >"$P/sys/firmware/efi/efivars/$1-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"; printf '%s\000' "$2" | iconv -f ASCII -t UTF-16LE >>"$P/sys/firmware/efi/efivars/$1-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"; }
efivar LoaderInfo "systemd-boot 252.31-1~deb12u1"
efivar LoaderEntrySelected "proxmox-6.8.12-4-pve.conf"
efivar LoaderDevicePartUUID "0D5E7A61-3C2B-4F7A-9E1D-2B8C4A6F0E13"
expect "cmdline enable --trial with no ESP mounted: mount the booted one" 1 "mount /dev/disk/by-partuuid/0d5e7a61-3c2b-4f7a-9e1d-2b8c4a6f0e13 /boot/efi" -- "$BIN" --root "$P" cmdline enable --trial
if [ -e "$P/var/lib/vfio-bind/trial.state" ]; then ko "the refused trial left a state"; else ok "the refused trial wrote nothing"; fi
mkdir -p "$P/boot/efi" && cp -a "$E1/." "$P/boot/efi/"
expect "cmdline enable --trial with the booted ESP on /boot/efi: an entry of its own, booted once" 0 "vfio-bind-trial.conf" -- "$BIN" --root "$P" cmdline enable --trial
if grep -q "^options  root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on vfio_bind.trial=1$" "$P/boot/efi/loader/entries/vfio-bind-trial.conf"; then
    ok "the trial entry boots the new command line"
else ko "trial entry: $(cat "$P/boot/efi/loader/entries/vfio-bind-trial.conf" 2>&1)"; fi
if [ "$(cat "$P/etc/kernel/cmdline")" = "root=ZFS=rpool/ROOT/pve-1 boot=zfs" ]; then ok "a trial leaves /etc/kernel/cmdline alone"; else ko "the trial changed /etc/kernel/cmdline"; fi
expect "cmdline disable cancels the trial" 0 "" -- "$BIN" --root "$P" cmdline disable
if [ -e "$P/boot/efi/loader/entries/vfio-bind-trial.conf" ]; then ko "the trial entry is still there"; else ok "the trial entry is gone"; fi

# Refusals: what decides where to write must be there.
Q=$T/pve-nocmdline
root proxmox8-zfs-sdboot "$Q"
rm "$Q/etc/kernel/cmdline"
mkdir -p "$Q/sys/firmware/efi/efivars"
cp "$P/sys/firmware/efi/efivars/LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f" "$Q/sys/firmware/efi/efivars/"
expect "cmdline enable without /etc/kernel/cmdline: refused, with the next step" 1 "/etc/kernel/cmdline is missing" -- "$BIN" --root "$Q" cmdline enable
unchanged "the refusal wrote nothing" proxmox8-zfs-sdboot "$Q" etc/default var/tmp/espmounts

# GRUB (Secure Boot) on both ESPs
G=$T/pve-grub
root proxmox8-grub "$G"
expect "cmdline enable --trial on the GRUB ESPs: refused, with why" 1 "proxmox-boot-tool with GRUB" -- "$BIN" --root "$G" cmdline enable --trial
expect "cmdline enable on the GRUB ESPs: GRUB's files, then refresh (not update-grub)" 0 "run \`proxmox-boot-tool refresh\` to apply" -- "$BIN" --root "$G" cmdline enable
if grep -q "update-grub" "$T/out"; then ko "asked for update-grub, which writes no ESP"; else ok "no update-grub asked for"; fi
unchanged "no ESP written by vfio-setup" proxmox8-grub "$G" var/tmp/espmounts
apply "$G"
for e in "$G"/var/tmp/espmounts/*; do
    if grep -q "linux /vmlinuz-6.8.12-4-pve .*root=ZFS=rpool/ROOT/pve-1 boot=zfs.*intel_iommu=on" "$e/grub/grub.cfg"; then
        ok "refresh put the new command line into grub.cfg on ESP ${e##*/}"
    else ko "ESP ${e##*/}: $(grep linux "$e/grub/grub.cfg")"; fi
done
expect "cmdline disable" 0 "run \`proxmox-boot-tool refresh\` to apply" -- "$BIN" --root "$G" cmdline disable
apply "$G"
unchanged "disable and refresh give back /etc and both ESPs byte for byte" proxmox8-grub "$G" etc var/tmp/espmounts

# Proxmox's documented modprobe.d vfio-pci ids=: named, with its replacement.
L=$T/pve-list
root proxmox8-zfs-sdboot "$L"
add_dev "$L" 0000:00:01.0 8086 1901 060400 1 pcieport 0
add_dev "$L" 0000:01:00.0 10de 1b80 030000 1 nouveau 1
add_dev "$L" 0000:01:00.1 10de 10f0 040300 1 snd_hda_intel 0
add_dev "$L" 0000:02:00.0 10de 1b80 030000 2 nouveau 0
add_dev "$L" 0000:02:00.1 10de 10f0 040300 2 snd_hda_intel 0
mkdir -p "$L/etc/modprobe.d"
echo "options vfio-pci ids=10de:1b80,10de:10f0 disable_vga=1" >"$L/etc/modprobe.d/vfio.conf"
expect "list names the modprobe.d ids= and where" 0 "/etc/modprobe.d/vfio.conf:1: options vfio-pci ids=10de:1b80,10de:10f0 disable_vga=1" -- "$BIN" --root "$L" list
expect "list offers an entry for each identical card" 0 "^    vfio-setup add 0000:02:00.0$" -- "$BIN" --root "$L" list
expect "list says which line to delete" 0 "then delete line 1 of /etc/modprobe.d/vfio.conf" -- "$BIN" --root "$L" list
expect "add reminds of the line the entry replaces" 0 "then delete line 1 of /etc/modprobe.d/vfio.conf" -- "$BIN" --root "$L" add 02:00.0
expect "list --json stays one JSON document" 0 "" -- "$BIN" --root "$L" list --json
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out"; then ok "list --json is valid JSON"; else ko "list --json is not JSON"; fi
if python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["existing_ids"][0]; assert (e["file"], e["line"], e["ids"], e["add"]) == ("/etc/modprobe.d/vfio.conf", 1, ["10de:1b80", "10de:10f0"], ["vfio-setup add 0000:01:00.0", "vfio-setup add 0000:02:00.0"]), e' "$T/out"; then
    ok "list --json names the modprobe.d ids= and an entry for each identical card"
else ko "list --json: $(cat "$T/out")"; fi

# vfio-initrd-check reads what boots: each ESP's copy of the images, named by
# its ESP; a copy that differs from /boot's is stale until refresh runs.
CHK=$B/vfio-initrd-check
K=6.8.12-4-pve
C=$T/pve-check
root proxmox8-zfs-sdboot "$C"
printf '[gpu]\naddress = 0000:01:00.0\nid = 10de:1b80\n' >"$C/etc/vfio-devices.ini"
for v in 6.5.13-6-pve $K; do mkdir -p "$C/lib/modules/$v" && : >"$C/lib/modules/$v/modules.dep"; done
# (The fixture's images are one-line stand-ins, so each is a problem of its own: exit 1.)
expect "initrd-check: the copy on ESP 6A3C-21F0 is found and named" 1 "^$K  */var/tmp/espmounts/6A3C-21F0/EFI/proxmox/$K/initrd.img-$K  *ESP 6A3C-21F0 (proxmox-boot-tool): the same as /boot/initrd.img-$K$" -- "$CHK" --root "$C" --no-cmdline
expect "initrd-check: and the one on ESP 6A3C-8E17" 1 "^$K  */var/tmp/espmounts/6A3C-8E17/EFI/proxmox/$K/initrd.img-$K  *ESP 6A3C-8E17 (proxmox-boot-tool): the same as" -- "$CHK" --root "$C" --no-cmdline
if grep -q "differs from\|is missing\|is not on ESP" "$T/out"; then ko "copies like /boot's reported stale: $(cat "$T/out")"; else ok "copies like /boot's are not stale"; fi
echo "a rebuilt image" >>"$C/boot/initrd.img-$K"
expect "initrd-check: /boot's image rebuilt, the ESP copies are stale: refresh" 1 "problem: $K: /var/tmp/espmounts/6A3C-8E17/EFI/proxmox/$K/initrd.img-$K on ESP 6A3C-8E17 differs from /boot/initrd.img-$K.* -- fix: proxmox-boot-tool refresh$" -- "$CHK" --root "$C" --no-cmdline
expect "initrd-check --fix: refresh among what it would run" 1 "^would run: proxmox-boot-tool refresh$" -- "$CHK" --root "$C" --no-cmdline --fix
if PATH="$SRC/tests/lib:$PATH" PROXMOX_ROOT=$C proxmox-boot-tool refresh 2>"$T/refresh"; then ok "the stand-in refreshed"; else ko "refresh: $(cat "$T/refresh")"; fi
expect "initrd-check after refresh: the copies are /boot's again" 1 "ESP 6A3C-8E17 (proxmox-boot-tool): the same as /boot/initrd.img-$K$" -- "$CHK" --root "$C" --no-cmdline
if grep -q "differs from" "$T/out"; then ko "still stale after refresh"; else ok "nothing stale after refresh"; fi
rm "$C/var/tmp/espmounts/6A3C-8E17/EFI/proxmox/$K/initrd.img-$K"
expect "initrd-check: a copy gone from one ESP" 1 "problem: $K: /var/tmp/espmounts/6A3C-8E17/EFI/proxmox/$K/initrd.img-$K on ESP 6A3C-8E17 is missing: .* -- fix: proxmox-boot-tool refresh$" -- "$CHK" --root "$C" --no-cmdline
rm -r "$C/var/tmp/espmounts/6A3C-8E17/EFI/proxmox/$K" "$C/var/tmp/espmounts/6A3C-8E17/loader/entries/proxmox-$K.conf"
expect "initrd-check: the newest kernel gone from one ESP" 1 "problem: $K: kernel $K is not on ESP 6A3C-8E17 .* -- fix: proxmox-boot-tool refresh$" -- "$CHK" --root "$C" --no-cmdline
rm -r "$C/var/tmp/espmounts/6A3C-8E17"
expect "initrd-check: an ESP that cannot be read is named" 1 "warning: ESP 6A3C-8E17 (in /etc/kernel/proxmox-boot-uuids) is neither mounted nor at .*, so its copies of the images, which are what boots, are not checked" -- "$CHK" --root "$C" --no-cmdline
expect "initrd-check --json: each copy's ESP" 1 "\"esp\": \"6A3C-21F0\", \"same_as\": \"/boot/initrd.img-$K\"" -- "$CHK" --root "$C" --no-cmdline --json
D=$T/pve-grub-check
root proxmox8-grub "$D"
cp "$C/etc/vfio-devices.ini" "$D/etc/"
for v in 6.5.13-6-pve $K; do mkdir -p "$D/lib/modules/$v" && : >"$D/lib/modules/$v/modules.dep"; done
expect "initrd-check with GRUB on the ESPs: the copies at each ESP's root" 1 "^$K  */var/tmp/espmounts/6A3C-8E17/initrd.img-$K  *ESP 6A3C-8E17 (proxmox-boot-tool): the same as /boot/initrd.img-$K$" -- "$CHK" --root "$D" --no-cmdline

finish
