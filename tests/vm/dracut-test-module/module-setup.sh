#!/bin/bash
# Test-only dracut module (never installed): once udev has settled, writes
# the PCI/driver state to the second serial port and reboots (QEMU runs with
# -no-reboot, so that ends the VM). No root disk is needed.

check() {
    return 255
}

depends() {
    return 0
}

install() {
    inst_multiple dmesg readlink cat grep sed sleep ls timeout
    inst_hook initqueue/settled 99 "$moddir/vbt-report.sh"
    # Keeps the initqueue loop (and so the settled hooks) running in both
    # kinds of initramfs until the report is written.
    inst_hook initqueue/finished 99 "$moddir/vbt-finished.sh"
    : > "$initdir/lib/dracut/need-initqueue"
}
