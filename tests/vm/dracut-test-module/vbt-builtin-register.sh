#!/bin/sh
# Test images only (VBT_BUILTIN): insert what the image's modules.builtin
# says is built in, from /lib/vbt-builtin (where neither depmod nor modprobe
# sees it), in dependency order. A built-in module takes its options from the
# kernel command line: vfio-pci.ids=... and vfio_pci.ids=... go to vfio-pci.
opts=""
for w in $(cat /proc/cmdline); do
    case $w in
        vfio-pci.*=* | vfio_pci.*=*) opts="$opts ${w#vfio?pci.}" ;;
    esac
done
while read -r m; do
    if [ "$m" = vfio-pci ]; then
        # shellcheck disable=SC2086 # one word per option
        insmod "/lib/vbt-builtin/$m.ko" $opts || echo "<3>vbt: insmod $m failed" > /dev/kmsg
    else
        insmod "/lib/vbt-builtin/$m.ko" || echo "<3>vbt: insmod $m failed" > /dev/kmsg
    fi
done < /lib/vbt-builtin/order
echo "<6>vbt: vfio-pci registered as a built-in one would be (options:${opts:- none})" > /dev/kmsg
