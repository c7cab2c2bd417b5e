#!/bin/sh
# make bench only (bench_claim.sh): installed as the image's vfio-bind. At
# boot (a run with --timeout, as every generator's integration starts it) it
# loads vfio-pci on its own, then, round after round, runs the real
# vfio-bind (which claims card A) and the bare passthrough recipe (modprobe,
# driver_override, drivers_probe) on the identical cards B and C: on B with
# `modprobe` as this image's shell finds it (in a busybox shell, busybox's
# own applet: no program is started), on C with the image's modprobe
# program (kmod: a program linked with libkmod started, as vfio-bind is).
# Each between two kernel log lines: the kernel's monotonic clock times them
# all, and none of them pays for loading the module. The first round is the
# boot's own claim; before each next one the three cards are given back
# (unbound from vfio-pci, override cleared). The kernel log holds the marks.
# Any other run (building the image) is the real one.
rounds=1 # bench_claim.sh writes BENCH_ROUNDS here
real=/usr/lib/vbt/vfio-bind.real
[ -x "$real" ] || exec "$0.real" "$@"
case " $* " in *" --timeout "*) ;; *) exec "$real" "$@" ;; esac
mark() { echo "<6>vbt-bench: $1" > /dev/kmsg; }
devs=/sys/bus/pci/devices
b=0000:00:05.0 c=0000:00:06.0
prog=
for p in /usr/sbin/modprobe /sbin/modprobe /usr/bin/modprobe /bin/modprobe; do
    [ -x "$p" ] || continue
    case $(readlink -f "$p") in */busybox) continue ;; esac
    prog=$p
    break
done
mark "modprobe start"
modprobe vfio-pci
mark "modprobe end"
mark "exec modprobe is ${prog:-missing}"
i=1
while :; do
    mark "$i vfio-bind start"
    "$real" "$@"
    rc=$?
    mark "$i vfio-bind end"
    mark "$i bare start"
    modprobe vfio-pci
    echo vfio-pci > "$devs/$b/driver_override"
    echo "$b" > /sys/bus/pci/drivers_probe
    mark "$i bare end"
    if [ -n "$prog" ]; then
        mark "$i bare-exec start"
        "$prog" vfio-pci
        echo vfio-pci > "$devs/$c/driver_override"
        echo "$c" > /sys/bus/pci/drivers_probe
        mark "$i bare-exec end"
    fi
    [ "$i" -lt "$rounds" ] || break
    i=$((i + 1))
    for d in 0000:00:04.0 $b $c; do
        echo "$d" > /sys/bus/pci/drivers/vfio-pci/unbind
        echo > "$devs/$d/driver_override"
    done 2> /dev/null
done
exit "$rc"
