#!/bin/sh
# Two writers at once (issue 20): `vfio-setup add` of two different cards
# started together, many times: each either writes its section or refuses
# clearly (the lock), and no section a command reported written is lost.
# Then a kernel update's hook racing `cmdline enable`: the hook runs
# vfio-initrd-check, which only reads (checked with strace: no call under the
# root opens a file for writing, renames, removes or creates one), and reads
# each boot file old or new, never torn, because every write is a rename.
# Usage: tests/faults/concurrency.sh BUILD_DIR [ROUNDS]
set -u
B=$(cd "${1:-build}" && pwd)
ROUNDS=${2:-50}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/shell/lib/harness.sh"
# shellcheck source=tests/shell/lib/roots.sh
. "$SRC/tests/shell/lib/roots.sh"
S=$B/vfio-setup

# The desktop, with a second card of its own group that can be added.
desktop_root "$T/desktop" || { ko "make-fixture"; finish; exit 1; }
initramfs_tools_root "$T/desktop"
"$B/make-fixture" "$T/desktop" 0000:05:00.0 10de 1b80 030000 9 nouveau 0 1458 22d9 || ko "make-fixture"

written=0 refused=0 lost=0 other=0
i=0
while [ "$i" -lt "$ROUNDS" ]; do
    i=$((i + 1))
    R=$T/r$i
    cp -a "$T/desktop" "$R"
    "$S" --root "$R" add 01:00.0 >"$T/a.out" 2>&1 &
    a=$!
    "$S" --root "$R" add 05:00.0 >"$T/b.out" 2>&1 &
    b=$!
    wait "$a"
    ra=$?
    wait "$b"
    rb=$?
    for x in "a $ra 0000:01:00.0" "b $rb 0000:05:00.0"; do
        set -- $x
        if [ "$2" -eq 0 ]; then
            written=$((written + 1))
            grep -q "^address = $3\$" "$R/etc/vfio-devices.ini" || { lost=$((lost + 1)); ko "round $i: the section of $3 is lost"; }
        elif grep -q "another vfio-setup is running" "$T/$1.out"; then
            refused=$((refused + 1))
        else
            other=$((other + 1))
            ko "round $i: add $3 failed (exit $2) without saying why" "$(cat "$T/$1.out")"
        fi
    done
    rm -rf "$R"
done
echo "two adds at once, $ROUNDS rounds: $written written, $refused refused by the lock, $lost lost, $other other failures"
if [ "$lost" -eq 0 ] && [ "$other" -eq 0 ] && [ "$written" -ge "$ROUNDS" ]; then
    ok "concurrent adds: nothing lost, every refusal names the lock"
else
    ko "concurrent adds"
fi

# vfio-initrd-check (what the kernel hooks run) writes nothing under the root.
D=$T/debian
bootloader_root debian12 "$D"
strace -f -qq -o "$T/check.trace" -e trace=%file,write -- "$B/vfio-initrd-check" --root "$D" >/dev/null 2>&1
if grep -E "^[0-9]+ +(open(at)?\(.*\"$D/.*O_(WRONLY|RDWR|CREAT)|(rename|renameat2|unlink|unlinkat|mkdir|mkdirat|rmdir)\(.*\"$D/)" \
    "$T/check.trace" >"$T/check.writes"; then
    ko "vfio-initrd-check writes under the root" "$(head -5 "$T/check.writes")"
else
    ok "vfio-initrd-check only reads: it can race cmdline enable without a lock"
fi

# The race itself: the hook's check in a loop while enable and disable
# alternate. It must never see a boot file missing or cut short.
(
    j=0
    while [ "$j" -lt "$ROUNDS" ]; do
        "$S" --root "$D" cmdline enable >/dev/null 2>&1
        "$S" --root "$D" cmdline disable >/dev/null 2>&1
        j=$((j + 1))
    done
) &
writer=$!
torn=0 checks=0
while kill -0 "$writer" 2>/dev/null; do
    "$B/vfio-initrd-check" --root "$D" >"$T/hook.out" 2>&1
    checks=$((checks + 1))
    if grep -Eq "cannot (open|read|list)|No such file|unterminated|never closed" "$T/hook.out"; then
        torn=$((torn + 1))
        cp "$T/hook.out" "$T/hook.torn"
    fi
done
wait "$writer"
if [ "$torn" -eq 0 ] && [ "$checks" -gt 0 ]; then
    ok "vfio-initrd-check racing enable/disable: $checks checks, none saw a boot file missing or torn"
else
    ko "vfio-initrd-check racing enable/disable: $torn of $checks saw a file missing or torn" "$(cat "$T/hook.torn" 2>/dev/null)"
fi
if diff -r -x proc -x run -x var "$SRC/tests/fixtures/bootloaders/debian12" "$D" >"$T/left"; then
    ok "after the race, the boot files are the fixture's"
else
    ko "after the race the boot files differ" "$(head -20 "$T/left")"
fi
finish concurrency
