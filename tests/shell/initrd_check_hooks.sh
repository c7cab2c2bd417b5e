#!/bin/sh
# The kernel hooks of vfio-initrd-check: the arguments each installer passes
# become the right options, problems go to stderr, and the exit status is
# always 0 (a kernel installation must never fail because of us).
# Usage: tests/shell/initrd_check_hooks.sh BUILD_DIR
set -u
HOOK=$(cd "$(dirname "$0")/../.." && pwd)/conf/hooks/vfio-initrd-check-hook
. "$(dirname "$0")/lib/harness.sh"

# A stand-in vfio-initrd-check that records its arguments and fails as told.
mkdir -p "$T/bin"
cat >"$T/bin/vfio-initrd-check" <<'STUB'
#!/bin/sh
echo "$*" >"$STUB_ARGS"
echo "problem: stub says so"
exit "${STUB_RC:-0}"
STUB
chmod +x "$T/bin/vfio-initrd-check"

# Where the hook records the images it checked (never the host's /run).
VFIO_INITRD_CHECK_STAMPS=$T/stamps
export VFIO_INITRD_CHECK_STAMPS

# run NAME HOOK-NAME ARGS... : runs the hook installed under HOOK-NAME.
run() {
    name=$1 as=$2
    shift 2
    mkdir -p "$T/as" && cp "$HOOK" "$T/as/$as"
    STUB_ARGS=$T/args PATH="$T/bin:$PATH" sh "$T/as/$as" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" -ne 0 ]; then ko "$name: exit $rc"; return 1; fi
    if [ -s "$T/out" ]; then ko "$name: wrote to stdout"; return 1; fi
    return 0
}
# args_are NAME EXPECTED
args_are() {
    if [ "$(cat "$T/args" 2>/dev/null)" = "$2" ]; then ok "$1"; else ko "$1: got '$(cat "$T/args" 2>/dev/null)', wanted '$2'"; fi
}

rm -f "$T/args"
run "debian postinst" zz-vfio-initrd-check 6.1.0-9-amd64 /boot/vmlinuz-6.1.0-9-amd64 &&
    args_are "debian postinst checks that kernel" "--quiet --kver 6.1.0-9-amd64"
run "initramfs post-update" vfio-initrd-check 6.1.0-9-amd64 /boot/initrd.img-6.1.0-9-amd64 &&
    args_are "post-update checks that image" "--quiet --image /boot/initrd.img-6.1.0-9-amd64 --kver 6.1.0-9-amd64"
run "kernel-install add" 60-vfio-initrd-check.install add 6.2.0 /boot/abc/6.2.0 /usr/lib/modules/6.2.0/vmlinuz &&
    args_are "kernel-install add checks that kernel" "--quiet --kver 6.2.0"
mkdir -p "$T/staging" && : >"$T/staging/initrd"
KERNEL_INSTALL_STAGING_AREA=$T/staging run "kernel-install staged" 60-vfio-initrd-check.install add 6.2.0 /boot/abc/6.2.0 &&
    args_are "kernel-install checks the staged initrd" "--quiet --image $T/staging/initrd --kver 6.2.0"
rm -f "$T/args"
run "kernel-install remove" 60-vfio-initrd-check.install remove 6.2.0 /boot/abc/6.2.0 &&
    { [ ! -e "$T/args" ] && ok "kernel-install remove checks nothing" || ko "kernel-install remove ran the check"; }

# Once per image: post-update.d, then postinst.d and kernel-install on the
# same image and config, check it once; a rebuilt image is checked again.
mkdir -p "$T/boot" && echo image-1 >"$T/boot/initrd.img-6.3.0"
rm -f "$T/args"
run "post-update, first" vfio-initrd-check 6.3.0 "$T/boot/initrd.img-6.3.0" &&
    args_are "the first hook checks the image" "--quiet --image $T/boot/initrd.img-6.3.0 --kver 6.3.0"
rm -f "$T/args"
cp "$T/boot/initrd.img-6.3.0" "$T/staging/initrd"
KERNEL_INSTALL_STAGING_AREA=$T/staging run "kernel-install, same image" 60-vfio-initrd-check.install add 6.3.0 /boot/abc/6.3.0 &&
    { [ ! -e "$T/args" ] && ok "the same image is not checked twice" || ko "the same image checked again: $(cat "$T/args")"; }
echo image-2 >"$T/boot/initrd.img-6.3.0"
run "post-update, rebuilt" vfio-initrd-check 6.3.0 "$T/boot/initrd.img-6.3.0" &&
    args_are "a rebuilt image is checked again" "--quiet --image $T/boot/initrd.img-6.3.0 --kver 6.3.0"

STUB_RC=1
export STUB_RC
run "problems found" zz-vfio-initrd-check 6.1.0-9-amd64 /boot/vmlinuz-6.1.0-9-amd64 &&
    { grep -q "problem: stub says so" "$T/err" && grep -q "will not claim" "$T/err" &&
        ok "problems go to stderr, exit status stays 0" || ko "problems not on stderr"; }
STUB_RC=2 run "usage error in the tool" zz-vfio-initrd-check 6.1.0-9-amd64 && ok "a failing tool still exits 0"

# Without the tool installed the hook is silent.
cp "$HOOK" "$T/as/zz-x"
if PATH=/nonexistent /bin/sh "$T/as/zz-x" 6.1 >"$T/out" 2>&1 && [ ! -s "$T/out" ]; then ok "no tool: silent, exit 0"
else ko "no tool: not silent or failed"; fi

# The pacman hook never fails either: its Exec line, run as pacman runs it
# (split into words, no shell of pacman's own), with the stub failing.
PACHOOK=$(dirname "$HOOK")/vfio-initrd-check.hook
exec_line=$(sed -n 's/^Exec = //p' "$PACHOOK")
if [ -z "$exec_line" ]; then
    ko "pacman hook: no Exec line"
else
    rm -f "$T/args"
    (
        STUB_ARGS=$T/args PATH="$T/bin:$PATH" STUB_RC=1
        export STUB_ARGS PATH STUB_RC
        eval "set -- $exec_line"
        "$@"
    ) >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" -eq 0 ] && [ -e "$T/args" ] && grep -q "problem: stub says so" "$T/err" && [ ! -s "$T/out" ]; then
        ok "pacman hook runs the check, reports on stderr and exits 0 when it fails"
    else
        ko "pacman hook: exit $rc, ran the check: $([ -e "$T/args" ] && echo yes || echo no), stderr: $(cat "$T/err")"
    fi
fi

finish initrd_check_hooks
