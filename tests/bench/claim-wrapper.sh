#!/bin/sh
# make bench only (bench_claim.sh): installed as the image's vfio-bind. At
# boot (a run with --timeout, as every generator's integration starts it) it
# loads vfio-pci on its own, then runs the real vfio-bind (which claims card
# A), then the bare passthrough recipe on the identical card B (modprobe,
# driver_override, drivers_probe), each between two kernel log lines: the
# kernel's monotonic clock times all three, and neither of the last two pays
# for loading the module. Any other run (building the image) is the real one.
real=/usr/lib/vbt/vfio-bind.real
[ -x "$real" ] || exec "$0.real" "$@"
case " $* " in *" --timeout "*) ;; *) exec "$real" "$@" ;; esac
mark() { echo "<6>vbt-bench: $1" > /dev/kmsg; }
b=/sys/bus/pci/devices/0000:00:05.0
mark "modprobe start"
modprobe vfio-pci
mark "modprobe end"
mark "vfio-bind start"
"$real" "$@"
rc=$?
mark "vfio-bind end"
mark "bare start"
modprobe vfio-pci
echo vfio-pci > "$b/driver_override"
echo "${b##*/}" > /sys/bus/pci/drivers_probe
mark "bare end"
exit $rc
