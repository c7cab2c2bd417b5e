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
# runs (what rd.driver.pre or early KMS softdeps do).
# VBT_BUILTIN: the image laid out as on Ubuntu, whose kernels build vfio-pci
# in: its modules.builtin lists vfio-pci and what it needs, modules.dep does
# not, and vbt-builtin.service registers them before anything else runs.
installkernel() {
    if [[ -n ${VBT_LATE_BINARY-}${VBT_MODPROBE_D-}${VBT_BUILTIN-} ]]; then
        hostonly='' instmods vfio vfio_iommu_type1 vfio-pci
    fi
    [[ -z ${VBT_BUILTIN-} ]] || vbt_builtin_layout
}

# What Ubuntu's kernels have built in (their modules.builtin; irqbypass
# because vfio-pci-core selects it), in the order they register.
VBT_BUILTIN_MODULES="irqbypass vfio vfio_virqfd vfio_iommu_type1 vfio-pci-core vfio-pci"

# Runs after every other module's instmods (this module sorts last) and
# before dracut copies modules.builtin and runs depmod on the image: the
# files leave the module tree, modules.builtin gets their lines (dracut
# keeps a modules.builtin already in the image).
vbt_builtin_layout() {
    local m f rel dir="$initdir/lib/modules/$kernel"
    mkdir -p "$initdir/lib/vbt-builtin"
    cp "$srcmods/modules.builtin" "$dir/modules.builtin" || return 1
    : > "$initdir/lib/vbt-builtin/order"
    for m in $VBT_BUILTIN_MODULES; do
        f=$(modinfo -k "$kernel" -F filename "$m") || return 1
        rel=${f#"$srcmods"/}
        rel=${rel#/lib/modules/"$kernel"/}
        [[ -f $dir/$rel ]] || {
            derror "vbt: $rel is not in the image"
            return 1
        }
        mv "$dir/$rel" "$initdir/lib/vbt-builtin/$m.ko"
        printf '%s\n' "${rel%.ko*}.ko" >> "$dir/modules.builtin"
        printf '%s\n' "$m" >> "$initdir/lib/vbt-builtin/order"
    done
}

install() {
    inst_multiple dmesg readlink cat grep sed sleep ls timeout modprobe
    # make bench (tests/bench/bench_claim.sh): the real vfio-bind, behind
    # the timing wrapper installed as /usr/sbin/vfio-bind.
    [[ -z ${VBT_BENCH_REAL-} ]] || inst_binary "$VBT_BENCH_REAL" /usr/lib/vbt/vfio-bind.real
    if [[ -n ${VBT_BUILTIN-} ]]; then
        inst_multiple insmod
        inst_simple "$moddir/vbt-builtin-register.sh" /lib/vbt-builtin/register.sh
        inst_simple "$moddir/vbt-builtin.service" "$systemdsystemunitdir/vbt-builtin.service"
        $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target vbt-builtin.service
    fi
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
