#!/bin/sh
# The read-only commands for scripts and monitoring: every --json output is
# one document its schema in conf/schema/ accepts (with "version": 1), in
# healthy and unhealthy states, and --quiet prints nothing and says it all
# with its exit status (0 healthy, 1 action needed, 2 error).
# Usage: tests/shell/json_outputs.sh BUILD_DIR
set -u
B=${1:-build}
BIN=$B/vfio-setup
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib/harness.sh"

# valid NAME SCHEMA CMD...: CMD's standard output is valid against SCHEMA.
valid() {
    name=$1 schema=$SRC/conf/schema/$2.json
    shift 2
    "$@" >"$T/json" 2>"$T/err"
    if why=$(python3 "$SRC/tests/shell/lib/validate_json.py" "$schema" "$T/json" 2>&1); then
        ok "$name"
    else
        ko "$name: $why"
        sed 's/^/    /' "$T/json" "$T/err"
    fi
}
# quiet NAME WANTED_RC CMD...: no output at all, and that exit status.
quiet() {
    name=$1 want=$2
    shift 2
    "$@" >"$T/out" 2>&1
    rc=$?
    if [ "$rc" = "$want" ] && [ ! -s "$T/out" ]; then ok "$name"; else ko "$name: exit $rc (wanted $want), printed: $(cat "$T/out")"; fi
}

# A desktop: the boot VGA, a Radeon with its audio, IOMMU on.
R=$T/root
add_dev "$R" 0000:00:02.0 8086 3e92 030000 0 i915 1
add_dev "$R" 0000:01:00.0 1002 6818 030000 1 radeon 0
add_dev "$R" 0000:01:00.1 1002 aab0 040300 1 snd_hda_intel 0
mkdir -p "$R/proc" "$R/etc/kernel/postinst.d" "$R/usr/sbin" "$R/usr/share/initramfs-tools/hooks"
printf 'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Test CPU\nflags\t\t: fpu vmx\n\n' >"$R/proc/cpuinfo"
echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on" >"$R/proc/cmdline"
: >"$R/etc/kernel/postinst.d/initramfs-tools"
: >"$R/usr/sbin/update-initramfs"
: >"$R/usr/share/initramfs-tools/hooks/vfio-bind"

valid "list --json" list "$BIN" --root "$R" list --json
# A vfio-pci ids= set outside vfio-bind: named in the document as list's text names it.
mkdir -p "$R/etc/modprobe.d"
printf '# passthrough\noptions vfio-pci ids=1002:6818,1002:aab0\n' >"$R/etc/modprobe.d/vfio.conf"
valid "list --json with a modprobe.d vfio-pci ids=" list "$BIN" --root "$R" list --json
if python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["existing_ids"]; assert e == [{"where": "/etc/modprobe.d/vfio.conf:2", "file": "/etc/modprobe.d/vfio.conf", "line": 2, "text": "options vfio-pci ids=1002:6818,1002:aab0", "ids": ["1002:6818", "1002:aab0"], "add": ["vfio-setup add 0000:01:00.0"], "remove": "delete line 2 of /etc/modprobe.d/vfio.conf"}], e' "$T/json"; then
    ok "list --json names the file, the line, the ids, the entry that replaces it and the line to delete"
else ko "list --json existing_ids: $(cat "$T/json")"; fi
rm "$R/etc/modprobe.d/vfio.conf"
valid "status --json, not configured" status "$BIN" --root "$R" status --json
quiet "status --quiet, not configured: healthy" 0 "$BIN" --root "$R" status --quiet
printf '[gpu]\naddress = 0000:01:00.0\nid = 1002:6818\n' >"$R/etc/vfio-devices.ini"
valid "status --json, configured, not claimed" status "$BIN" --root "$R" status --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert not d["ok"] and d["version"] == 1 and d["devices"][0]["driver"] == "radeon"' "$T/json"; then
    ok "status --json says what is wrong"
else ko "status --json content: $(cat "$T/json")"; fi
quiet "status --quiet, not claimed: action needed" 1 "$BIN" --root "$R" status --quiet
printf '[gpu]\nbogus = 1\n' >"$R/etc/vfio-devices.ini"
quiet "status --quiet, invalid config: error" 2 "$BIN" --root "$R" status --quiet
rm "$R/etc/vfio-devices.ini"

valid "cmdline status --json" cmdline-status "$BIN" --root "$R" cmdline status --json
quiet "cmdline status --quiet, IOMMU off: action needed" 1 "$BIN" --root "$R" cmdline status --quiet
valid "initramfs status --json" initramfs-status "$BIN" --root "$R" initramfs status --json
quiet "initramfs status --quiet, hook installed: healthy" 0 "$BIN" --root "$R" initramfs status --quiet
rm "$R/usr/share/initramfs-tools/hooks/vfio-bind"
quiet "initramfs status --quiet, no hook: action needed" 1 "$BIN" --root "$R" initramfs status --quiet
E=$T/empty
mkdir -p "$E"
valid "initramfs status --json, no generator" initramfs-status "$BIN" --root "$E" initramfs status --json

# The schemas reject what they should: a document of another version.
echo '{"version": 2}' >"$T/v2"
if python3 "$SRC/tests/shell/lib/validate_json.py" "$SRC/conf/schema/status.json" "$T/v2" >/dev/null; then
    ko "the status schema accepts version 2"
else ok "the status schema rejects another version"; fi

finish json_outputs
