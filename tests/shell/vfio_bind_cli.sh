#!/bin/sh
# vfio-bind as a command: exit codes, messages, --root isolation, --dry-run,
# --modprobe-conf and the vfio_bind=off escape hatch, on a fixture root.
# Usage: tests/shell/vfio_bind_cli.sh BUILD_DIR
set -u
B=$(cd "${1:-build}" && pwd)
BIN=$B/vfio-bind
. "$(dirname "$0")/lib/harness.sh"


R=$T/root
add_dev "$R" 0000:00:01.0 1234 1111 030000 0 bochs-drm 1
add_dev "$R" 0000:00:04.0 1002 5159 030000 3 radeon 0
add_dev "$R" 0000:00:05.0 1002 5159 030000 4 radeon 0
mkdir -p "$R/etc" "$R/proc/sys/kernel"
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda intel_iommu=on" >"$R/proc/cmdline"
# The root's modules are the installed Debian kernel's (resolved, never inserted).
K=$(ls /lib/modules 2>/dev/null | while read -r k; do [ -e "/lib/modules/$k/kernel/drivers/gpu/drm/radeon/radeon.ko" ] && echo "$k"; done | tail -n 1)
echo "${K:-none}" >"$R/proc/sys/kernel/osrelease"
mkdir -p "$R/lib/modules"
[ -z "$K" ] || ln -s "/lib/modules/$K" "$R/lib/modules/$K"
cp -a "$R" "$T/pristine"

expect "--help exits 0" 0 "Usage: vfio-bind" -- "$BIN" --help
expect "--version" 0 "^vfio-bind [0-9]" -- "$BIN" --version
expect "unknown option is a usage error" 2 "Usage" -- "$BIN" --frobnicate
expect "missing config: nothing to do" 0 "does not exist: nothing to do" -- "$BIN" --root "$R"

printf '[gpu]\naddress = 00:04.0\nid = 1002:5159\nbogus = 1\n' >"$R/etc/vfio-devices.ini"
expect "config error is file:line and exit 2" 2 "vfio-devices.ini:4: unknown key 'bogus'" -- "$BIN" --root "$R"
expect "--check-config reports the same" 2 "vfio-devices.ini:4:" -- "$BIN" --root "$R" --check-config
printf '[gpu]\nid = 1002:5159\n\n[bare]\naddress = 00:04.1\n' >"$R/etc/vfio-devices.ini"
expect "--check-config applies boot's rules: an address without its id is refused" 1 "vfio-devices.ini:4: \[bare\]: an address needs its id too" -- "$BIN" --root "$R" --check-config
if grep -q "valid" "$T/out"; then ko "--check-config calls a config boot refuses valid"; fi
head -c 3000 /dev/urandom >"$R/etc/vfio-devices.ini"
expect "binary garbage is a config error" 2 "" -- "$BIN" --root "$R"
printf '[evil]\naddress = ../../../etc\nid = 1002:5159\n' >"$R/etc/vfio-devices.ini"
expect "a path as address is refused" 2 "'../../../etc' is not a PCI address" -- "$BIN" --root "$R"
head -c 300000 /dev/zero | tr '\0' ';' >"$R/etc/vfio-devices.ini"
expect "a config past the limit names the limit itself" 2 "larger than 262144 bytes" -- "$BIN" --root "$R"

printf '[gpu]\naddress = 00:04.0\nid = 1002:5159\n' >"$R/etc/vfio-devices.ini"
expect "--dry-run plans the claim" 0 "would claim 0000:00:04.0 1002:5159 group 3" -- "$BIN" --root "$R" --dry-run
if diff -r --no-dereference "$R/sys" "$T/pristine/sys" >/dev/null; then ok "--dry-run wrote nothing"; else ko "--dry-run wrote to sysfs"; fi
expect "--dry-run resolves vfio-pci against the root's modules" 0 "would load vfio-pci (resolved, not inserted (--root)): insert .*vfio_pci" -- "$BIN" --root "$R" --dry-run

# A trial of changed claims: only the boot with vfio_bind.trial=1 reads them.
printf '[other]\naddress = 00:05.0\nid = 1002:5159\n' >"$R/etc/vfio-devices.trial.ini"
expect "not the trial boot: the known-good config" 0 "would claim 0000:00:04.0 1002:5159" -- "$BIN" --root "$R" --dry-run
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda intel_iommu=on vfio_bind.trial=1" >"$R/proc/cmdline"
expect "the trial boot claims what the trial config says" 0 "trial boot: claiming what /etc/vfio-devices.trial.ini says" -- "$BIN" --root "$R" --dry-run
expect "... the other card" 0 "would claim 0000:00:05.0 1002:5159" -- "$BIN" --root "$R" --dry-run
expect "--config still names the file to read" 0 "would claim 0000:00:04.0" -- "$BIN" --root "$R" --dry-run --config /etc/vfio-devices.ini
rm "$R/etc/vfio-devices.trial.ini"
echo "BOOT_IMAGE=/vmlinuz root=/dev/vda intel_iommu=on" >"$R/proc/cmdline"
expect "--dry-run with a kernel that is not there says so" 1 "cannot read the module indexes" -- "$BIN" --root "$R" --kver 0.0-none --dry-run

# An id alone: each device present is claimed by its driver_override; vfio-pci gets no ids=.
printf '[any]\nid = 1002:5159\n' >"$R/etc/vfio-devices.ini"
"$BIN" --root "$R" --dry-run >"$T/out" 2>&1
if grep -q "would claim 0000:00:05.0 1002:5159" "$T/out" && ! grep -q "ids=" "$T/out"; then
    ok "--dry-run of an id-only entry claims each device, never with ids="
else
    ko "--dry-run of an id-only entry: $(cat "$T/out")"
fi

printf '[gpu]\naddress = 00:04.0\nid = 10de:1b80\n' >"$R/etc/vfio-devices.ini"
expect "wrong id at the address is refused" 1 "the device here is 1002:5159, not 10de:1b80" -- "$BIN" --root "$R" --dry-run
printf '[gpu]\naddress = 00:01.0\nid = 1234:1111\n' >"$R/etc/vfio-devices.ini"
expect "the boot VGA is refused" 1 "is the boot VGA device" -- "$BIN" --root "$R" --dry-run

# The README's own case: two identical cards, the console one of them, an id-only
# entry. The console is rightly kept: information, not an error, exit 0.
R2=$T/twins
add_dev "$R2" 0000:00:02.0 1002 5159 030000 2 radeon 1
add_dev "$R2" 0000:00:05.0 1002 5159 030000 4 radeon 0
mkdir -p "$R2/etc" "$R2/proc/sys/kernel" "$R2/lib/modules"
cp "$R/proc/cmdline" "$R2/proc/cmdline"
cp "$R/proc/sys/kernel/osrelease" "$R2/proc/sys/kernel/osrelease"
[ -z "$K" ] || ln -s "/lib/modules/$K" "$R2/lib/modules/$K"
printf '[twins]\nid = 1002:5159\n' >"$R2/etc/vfio-devices.ini"
expect "an id-only entry's boot VGA twin is an expected refusal: exit 0" 0 \
    "^vfio-bind: 0000:00:02.0 refused: 1002:5159 is the boot VGA device.*(expected: \[twins\] claims the other devices" \
    -- "$BIN" --root "$R2" --dry-run
if grep -q "error:" "$T/out"; then ko "the expected refusal is logged as an error"; else ok "the expected refusal is no error"; fi
# The same entry with only the console to claim: that is an error.
rm -r "$R2/sys/devices/pci0000:00/0000:00:05.0" "$R2/sys/bus/pci/devices/0000:00:05.0"
expect "an id-only entry that claims nothing: the refusal is an error" 1 "error: 0000:00:02.0 refused" -- "$BIN" --root "$R2" --dry-run

echo "root=/dev/vda vfio_bind=off" >"$R/proc/cmdline"
printf '[gpu]\naddress = 00:04.0\nid = 1002:5159\n' >"$R/etc/vfio-devices.ini"
expect "vfio_bind=off skips everything" 0 "skipped (vfio_bind=off" -- "$BIN" --root "$R"
if diff -r --no-dereference "$R/sys" "$T/pristine/sys" >/dev/null; then ok "vfio_bind=off wrote nothing"; else ko "vfio_bind=off wrote to sysfs"; fi
mkdir -p "$R/etc/modprobe.d"
echo "softdep radeon pre: vfio-pci" >"$R/etc/modprobe.d/vfio-bind.conf"
expect "vfio_bind=off on a real root skips, and says so" 0 "skipped (vfio_bind=off" -- "$BIN" --root "$R"
if grep -q "removed" "$T/out"; then ko "vfio_bind=off on a real root says it removed something: $(cat "$T/out")"; fi
if [ "$(cat "$R/etc/modprobe.d/vfio-bind.conf")" = "softdep radeon pre: vfio-pci" ]; then ok "vfio_bind=off on a real root keeps the snippet"; else ko "vfio_bind=off removed or changed a file outside the initramfs"; fi
touch "$R/etc/initrd-release"
expect "vfio_bind=off in the initramfs drops the modprobe snippet" 0 "removed /etc/modprobe.d/vfio-bind.conf" -- "$BIN" --root "$R"
if [ ! -e "$R/etc/modprobe.d/vfio-bind.conf" ]; then ok "snippet gone, so softdeps cannot load vfio-pci"; else ko "snippet still there"; fi
rm -f "$R/etc/initrd-release"
echo "root=/dev/vda intel_iommu=on" >"$R/proc/cmdline"

# A real claim under --root: sysfs writes go to the fixture, modules are only
# resolved. Nothing binds in a fixture, so the verification must say so.
expect "claim under --root writes the override in the fixture and verifies honestly" 1 "not bound to vfio-pci after probing" -- "$BIN" --root "$R"
if [ "$(cat "$R/sys/devices/pci0000:00/0000:00:04.0/driver_override")" = vfio-pci ]; then ok "driver_override written under the root"; else ko "driver_override not written"; fi
if [ "$(cat "$R/sys/devices/pci0000:00/0000:00:05.0/driver_override")" = "(null)" ]; then ok "the twin card is untouched"; else ko "the twin card was touched"; fi

# --modprobe-conf with the real modules of the installed kernel
if [ -z "$K" ]; then
    ko "--modprobe-conf: no installed kernel with radeon.ko (install linux-image-amd64)"
else
    printf '[gpu]\naddress = 00:04.0\nid = 1002:5159\n[ids]\nid = 10de:1b80\n' >"$R/etc/vfio-devices.ini"
    "$BIN" --root "$R" --kver "$K" --modprobe-conf >"$T/conf" 2>"$T/err"
    if grep -qx "softdep radeon pre: vfio-pci" "$T/conf" && ! grep -q "ids=" "$T/conf"; then
        ok "--modprobe-conf has the softdep for radeon and no ids= (devices are claimed by driver_override)"
    else ko "--modprobe-conf output wrong"; cat "$T/conf" "$T/err"; fi
fi

finish
