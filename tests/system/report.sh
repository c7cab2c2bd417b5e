#!/bin/sh
# Runs inside the booted test system (vfio-systest.service): writes the state
# to the second serial port, one record per line, then powers off.
#   pid1 PATH | dev ADDR VENDOR:DEVICE DRIVER GROUP | vfio NODE
#   unit NAME ACTIVE-STATE EXIT-STATUS | journal LINE | kmsg LINE
#   setup LINE / setup-rc N | check LINE / check-rc N
#   next LINE / next-rc N: what /etc/vfio-systest/next.sh (if any) printed;
#   the test puts there what the admin does next on this machine, and the
#   check after it (check2 LINE / check2-rc N).
out=/dev/ttyS1
udevadm settle --timeout=120 2>/dev/null
{
    echo "SYSTEST-BEGIN"
    echo "uptime $(cut -d' ' -f1 /proc/uptime)"
    echo "cmdline $(cat /proc/cmdline)"
    echo "pid1 $(readlink /proc/1/exe)"
    echo "state $(systemctl is-system-running 2>&1)"
    for d in /sys/bus/pci/devices/*; do
        v=$(cat "$d/vendor"); p=$(cat "$d/device")
        drv=-; [ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
        g=-; [ -e "$d/iommu_group" ] && g=$(basename "$(readlink "$d/iommu_group")")
        echo "dev ${d##*/} ${v#0x}:${p#0x} $drv $g"
    done
    for n in /dev/vfio/*; do [ -e "$n" ] && echo "vfio $n"; done
    u=vfio-bind.service
    echo "unit $u $(systemctl show -P ActiveState "$u") $(systemctl show -P ExecMainStatus "$u")"
    # The initramfs part of the journal comes along into the real root's.
    journalctl -b --no-pager -o short-monotonic 2>&1 | grep -E 'vfio-bind|Switching root' | sed 's/^/journal /'
    # The kernel log, in order: the claim, radeon, systemd on the real root.
    dmesg | grep -E 'vfio-bind|radeon 0000|systemd\[1\]: .*running in system mode' | sed 's/^/kmsg /'
    if vfio-setup status > /run/setup.out 2>&1; then rc=0; else rc=$?; fi
    sed 's/^/setup /' /run/setup.out
    echo "setup-rc $rc"
    # What this machine's hardware asks of the image's modprobe.d snippet.
    vfio-bind --modprobe-conf 2>&1 | sed 's/^/modprobe-conf /'
    echo "mount /var $(findmnt -n -o SOURCE /var 2>&1)"
    vfio-initrd-check > /run/check.out 2>&1
    rc=$?
    sed 's/^/check /' /run/check.out
    echo "check-rc $rc"
    if [ -x /etc/vfio-systest/next.sh ]; then
        /etc/vfio-systest/next.sh > /run/next.out 2>&1
        rc=$?
        rm -f /etc/vfio-systest/next.sh
        sed 's/^/next /' /run/next.out
        echo "next-rc $rc"
        vfio-initrd-check > /run/check.out 2>&1
        rc=$?
        sed 's/^/check2 /' /run/check.out
        echo "check2-rc $rc"
    fi
    echo "SYSTEST-END"
} > "$out" 2>&1
sync
echo o > /proc/sysrq-trigger
