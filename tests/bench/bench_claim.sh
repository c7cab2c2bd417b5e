#!/bin/bash
# Benchmark (make bench): what claiming costs at boot, per initramfs
# generator (dracut, initramfs-tools, mkinitcpio), one QEMU boot each (TCG,
# the boot tests' machine: tests/vm/lib.sh). In that boot:
#   - /init to the last device claimed: kernel log time of "Run /init" to
#     vfio-bind's last "claimed by vfio-pci" line;
#   - vfio-bind's own run (exec to exit), claiming card A, against the bare
#     recipe (modprobe vfio-pci, driver_override, drivers_probe) on the
#     identical cards B and C, right after it, at the same point of the boot
#     (claim-wrapper.sh); vfio-pci is loaded before all, timed on its own.
#     On B `modprobe` is what the image's shell runs (busybox's applet in a
#     busybox shell: no program started), on C the image's modprobe program
#     (kmod, linked with libkmod and so libcrypto, as vfio-bind is: starting
#     such a program is most of what either costs under emulation).
#     BENCH_ROUNDS rounds (5), the cards given back between them: the
#     median of each, since other jobs on the machine slow single runs down
#     several times.
# Goal: vfio-bind at most 1.1 times the bare recipe. Figures only: the exit
# status is non-zero when the bench cannot run, never because of a timing.
# Every kernel log line reaches the serial console (115200 baud) unless
# BENCH_APPEND adds `quiet`: the bench prints which.
# Needs root and `.ci/install-deps vm`. Usage: tests/bench/bench_claim.sh BUILD_DIR
# Env: BENCH_ONLY="dracut initramfs-tools mkinitcpio" (a subset), BENCH_KEEP=1
# keeps the images and the guests' logs, BENCH_APPEND adds kernel arguments.
set -u
BUILD=$(cd "${1:-build}" && pwd)
REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
if [ -n "${BENCH_KEEP:-}" ]; then echo "bench_claim: logs kept in $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi
# shellcheck source=tests/vm/lib.sh
. "$REPO/tests/vm/lib.sh"

if [ "$(id -u)" != 0 ] || ! vm_need || ! vm_pick_kernel || ! vm_mk_setup; then
    echo "bench_claim: cannot run: needs root, an installed kernel and .ci/install-deps vm" >&2
    exit 1
fi
vm_dracut_base
# Card A (04.0) by address; cards B (05.0) and C (06.0) are identical; the boot VGA is plain.
CONF=$WORK/vfio-devices.ini
printf '[options]\ngroup = no\n[card-a]\naddress = 0000:00:04.0\nid = 1002:5159\n' > "$CONF"
DEVICES="-device VGA,addr=01.0 -device ati-vga,model=rv100,addr=04.0 -device ati-vga,model=rv100,addr=05.0"
DEVICES="$DEVICES -device ati-vga,model=rv100,addr=06.0"
ROUNDS=${BENCH_ROUNDS:-5}
# The image's vfio-bind is the wrapper; the real one beside it at build time
# (for --modprobe-conf) and in the image at /usr/lib/vbt/vfio-bind.real.
mkdir -p "$WORK/bin"
sed "s/^rounds=1 /rounds=$ROUNDS /" "$REPO/tests/bench/claim-wrapper.sh" > "$WORK/bin/vfio-bind"
chmod 755 "$WORK/bin/vfio-bind"
cp "$BUILD/vfio-bind" "$WORK/bin/vfio-bind.real"
ln -s "$BUILD/vfio-setup" "$WORK/bin/vfio-setup"
export VBT_BENCH_REAL=$BUILD/vfio-bind

# Kernel log time (seconds) of the first line of REPORT matching $2.
log_time() {
    grep '^log ' "$1" | grep -E -- "$2" | sed -n 's/^log \[ *\([0-9.]*\)\].*/\1/p' | "${3:-head}" -n1
}
# The median (ms) over the rounds of the marks "N $2 start" and "N $2 end".
median_ms() {
    grep '^log ' "$1" | sed -n "s/^log \[ *\([0-9.]*\)\] vbt-bench: \([0-9]*\) $2 \(start\|end\)\$/\2 \3 \1/p" |
        awk '$2 == "start" { s[$1] = $3 } $2 == "end" && ($1 in s) { d[n++] = ($3 - s[$1]) * 1000 }
            END { if (!n) { print "?"; exit } for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (d[j] < d[i]) { t = d[i]; d[i] = d[j]; d[j] = t }
                  printf "%.1f", n % 2 ? d[(n - 1) / 2] : (d[n / 2 - 1] + d[n / 2]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2fx", a / b; else print "?" }'; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "?"; else printf "%.1f", (b - a) * 1000 }'; }

failed=0
echo "medians of $ROUNDS rounds; bare: the shell's modprobe, bare exec: the modprobe program (see the top of $0)"
printf '%-16s %13s %12s %10s %7s %12s %7s %11s\n' generator "init->claimed" vfio-bind bare ratio "bare exec" ratio "load vfio"
for gen in ${BENCH_ONLY:-dracut initramfs-tools mkinitcpio}; do
    img=$WORK/$gen.img
    case $gen in
        dracut) BUILD=$WORK/bin vm_image "$img" "$CONF" systemd ;;
        initramfs-tools) BUILD=$WORK/bin vm_image_itools "$img" "$CONF" with ;;
        mkinitcpio) BUILD=$WORK/bin vm_image_mk "$img" "$CONF" with ;;
        *) echo "bench_claim: unknown generator $gen" >&2; failed=1; continue ;;
    esac > "$WORK/$gen.build" 2>&1 || { echo "bench_claim: $gen: image build failed:"; tail -n 20 "$WORK/$gen.build"; failed=1; continue; }
    # shellcheck disable=SC2086 # one word per QEMU argument
    vm_boot "$img" "$WORK/$gen" "drm_kms_helper.fbdev_emulation=0 intel_iommu=on ${BENCH_APPEND:-}" $DEVICES
    r=$WORK/$gen.report
    [ -e "$r" ] && sed -i 's/\r$//' "$r"
    if ! grep -q '^VBT-END' "$r" 2> /dev/null; then
        echo "bench_claim: $gen: no report from the guest"; tail -n 20 "$WORK/$gen.console"; failed=1; continue
    fi
    for a in 0000:00:04.0 0000:00:05.0 0000:00:06.0; do
        grep -q "^dev $a [^ ]* [^ ]* vfio-pci " "$r" || echo "bench_claim: $gen: $a is not vfio-pci's: the figures below measure nothing"
    done
    grep -q '^log .*vfio-bind: vfio-pci already loaded' "$r" ||
        echo "bench_claim: $gen: the image's modprobe did not load vfio-pci (busybox's, in the test image?): vfio-bind's figure includes loading it"
    t_init=$(log_time "$r" 'Run /init as init process')
    t_claim=$(log_time "$r" 'vfio-bind: .*claimed by vfio-pci' tail)
    vb=$(median_ms "$r" vfio-bind)
    bare=$(median_ms "$r" bare)
    bexec=$(median_ms "$r" bare-exec)
    mp=$(ms "$(log_time "$r" 'vbt-bench: modprobe start')" "$(log_time "$r" 'vbt-bench: modprobe end')")
    grep -q '^log .*vbt-bench: exec modprobe is missing' "$r" && echo "bench_claim: $gen: no modprobe program in the image: no bare exec figure"
    printf '%-16s %10s ms %9s ms %7s ms %7s %9s ms %7s %8s ms\n' "$gen" "$(ms "$t_init" "$t_claim")" "$vb" "$bare" \
        "$(ratio "$vb" "$bare")" "$bexec" "$(ratio "$vb" "$bexec")" "$mp"
    cmdline=$(sed -n 's/^cmdline //p' "$r")
    console=$(echo "$cmdline" | tr ' ' '\n' | grep -E '^(console|quiet$|loglevel)' | tr '\n' ' ')
    case " $cmdline " in *" quiet "* | *" loglevel="*) ;; *) console="$console(every kernel log line printed on it)" ;; esac
    echo "  $gen console: $console"
done
echo "goal: vfio-bind at most 1.1x the bare recipe (TCG times: a real machine is many times faster)"
exit "$failed"
