#!/bin/sh
# Sourced by dracut's initqueue after udev settled (test images only).
# Output on /dev/ttyS1, one record per line, between markers:
#   dev ADDR VENDOR:DEVICE CLASS DRIVER GROUP VFIO_NODE BOOT_VGA
#   mod NAME yes|no
#   log <dmesg line of vfio-bind>
if [ ! -e /run/vbt-reported ]; then
    {
        echo "VBT-BEGIN"
        echo "uptime $(cat /proc/uptime)"
        echo "cmdline $(cat /proc/cmdline)"
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
        dmesg | grep -e 'vfio-bind' -e 'vfio_bind' -e 'DMAR: IOMMU enabled' | sed 's/^/log /'
        echo "VBT-END"
    } > /dev/ttyS1 2>&1
    : > /run/vbt-reported
    echo b > /proc/sysrq-trigger
fi
