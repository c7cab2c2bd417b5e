#!/bin/bash
# shellcheck disable=SC2154 # moddir, initdir, kernel... come from dracut
# Test-only dracut module (never installed): once udev has settled, writes
# the PCI/driver state to the second serial port and reboots (QEMU runs with
# -no-reboot, so that ends the VM). No root disk is needed.

check() {
    return 255
}

depends() {
    return 0
}

# VBT_LATE_BINARY/VBT_LATE_CONFIG: put vfio-bind in without its dracut module,
# for the report to run it after coldplug (what the real-root unit does on a
# machine whose initramfs let the host drivers bind).
# VBT_MODPROBE_D: a modprobe.d file for the image (/etc/modprobe.d/vfio.conf),
# as the passthrough recipe leaves one ('options vfio-pci ids=...').
# vbt.early on the kernel command line: modprobe vfio-pci before vfio-bind
# runs (what rd.driver.pre, early KMS softdeps or a built-in vfio-pci do).
installkernel() {
    if [[ -n ${VBT_LATE_BINARY-}${VBT_MODPROBE_D-} ]]; then
        hostonly='' instmods vfio vfio_iommu_type1 vfio-pci
    fi
    return 0
}

install() {
    inst_multiple dmesg readlink cat grep sed sleep ls timeout modprobe
    if [[ -n ${VBT_MODPROBE_D-} ]]; then
        inst_simple "$VBT_MODPROBE_D" /etc/modprobe.d/vfio.conf
    fi
    if dracut_module_included "systemd"; then
        inst_simple "$moddir/vbt-early.service" "$systemdsystemunitdir/vbt-early.service"
        $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target vbt-early.service
    fi
    if [[ -n ${VBT_LATE_BINARY-} ]]; then
        inst_binary "$VBT_LATE_BINARY" /usr/sbin/vfio-bind
        inst_simple "$VBT_LATE_CONFIG" /etc/vfio-devices.ini
    fi
    inst_hook initqueue/settled 99 "$moddir/vbt-report.sh"
    # Keeps the initqueue loop (and so the settled hooks) running in both
    # kinds of initramfs until the report is written.
    inst_hook initqueue/finished 99 "$moddir/vbt-finished.sh"
    : > "$initdir/lib/dracut/need-initqueue"
}
