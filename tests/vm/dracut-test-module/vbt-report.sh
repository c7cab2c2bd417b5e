#!/bin/sh
# The state of the machine after udev settled, for the boot tests (test
# images only): sourced by dracut's initqueue, initramfs-tools' init-premount
# and mkinitcpio's run_hook (tests/vm/*-test*).
# Output on /dev/ttyS1, one record per line, between markers:
#   dev ADDR VENDOR:DEVICE CLASS DRIVER GROUP VFIO_NODE BOOT_VGA
#   mod NAME yes|no
#   log <kernel log line>            (the whole dmesg)
#   rerun <line>                     (with vbt.rerun: vfio-bind run again)
#   before dev ADDR DRIVER, late <line> (with vbt.late: vfio-bind first run
#                                    now, after coldplug)
if [ ! -e /run/vbt-reported ]; then
    {
        echo "VBT-BEGIN"
        echo "uptime $(cat /proc/uptime)"
        echo "cmdline $(cat /proc/cmdline)"
        if grep -q 'vbt.late' /proc/cmdline; then
            for d in /sys/bus/pci/devices/*; do
                drv=-
                [ -e "$d/driver" ] && drv=$(readlink "$d/driver") && drv=${drv##*/}
                echo "before dev ${d##*/} $drv"
            done
            timeout 60 /usr/sbin/vfio-bind > /run/vbt-late 2>&1
            echo "late rc=$?"
            sed 's/^/late /' /run/vbt-late
        fi
        for d in /sys/bus/pci/devices/*; do
            a=${d##*/}
            v=$(cat "$d/vendor"); v=${v#0x}
            p=$(cat "$d/device"); p=${p#0x}
            c=$(cat "$d/class")
            drv=-
            [ -e "$d/driver" ] && drv=$(readlink "$d/driver") && drv=${drv##*/}
            g=-
            [ -e "$d/iommu_group" ] && g=$(readlink "$d/iommu_group") && g=${g##*/}
            node=no
            [ "$g" != - ] && [ -e "/dev/vfio/$g" ] && node=yes
            bv=-
            [ -e "$d/boot_vga" ] && bv=$(cat "$d/boot_vga")
            echo "dev $a $v:$p $c $drv $g $node $bv"
        done
        for m in radeon vfio_pci snd_hda_intel; do
            if [ -d "/sys/module/$m" ]; then echo "mod $m yes"; else echo "mod $m no"; fi
        done
        dmesg | sed 's/^/log /'
        # A second run must find everything claimed and change nothing (the
        # real-root unit after an initramfs that already claimed).
        if grep -q 'vbt.rerun' /proc/cmdline; then
            /usr/sbin/vfio-bind > /run/vbt-rerun 2>&1
            echo "rerun rc=$?"
            sed 's/^/rerun /' /run/vbt-rerun
            for d in /sys/bus/pci/devices/*; do
                drv=-
                [ -e "$d/driver" ] && drv=$(readlink "$d/driver") && drv=${drv##*/}
                echo "rerun dev ${d##*/} $drv"
            done
        fi
        echo "VBT-END"
    } > /dev/ttyS1 2>&1
    : > /run/vbt-reported
    echo b > /proc/sysrq-trigger
fi
