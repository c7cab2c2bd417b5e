#!/bin/sh
# Sourced by dracut's shell init at pre-udev: claim the configured devices
# before udev coldplug loads host drivers. Must never fail or hold the boot.

if [ -x /usr/sbin/vfio-bind ] && [ -e /etc/vfio-devices.ini ]; then
    # Wait at most 30 s without waiting on the process itself: a driver stuck
    # in unbind leaves it in uninterruptible sleep, which no signal ends.
    /usr/sbin/vfio-bind &
    _vfio_bind_pid=$!
    _vfio_bind_n=0
    while kill -0 "$_vfio_bind_pid" 2> /dev/null && [ "$_vfio_bind_n" -lt 300 ]; do
        sleep 0.1
        _vfio_bind_n=$((_vfio_bind_n + 1))
    done
    if kill -0 "$_vfio_bind_pid" 2> /dev/null; then
        warn "vfio-bind: still running after 30 s, continuing the boot without it"
        kill -9 "$_vfio_bind_pid" 2> /dev/null
    else
        wait "$_vfio_bind_pid" 2> /dev/null
    fi
    unset _vfio_bind_pid _vfio_bind_n
fi
:
