#!/bin/sh
# Sourced by dracut's shell init at pre-udev: claim the configured devices
# before udev coldplug loads host drivers. Never fails or holds the boot:
# vfio-bind gives up after 30 s by itself (--timeout).
if [ -x /usr/sbin/vfio-bind ] && [ -e /etc/vfio-devices.ini ]; then
    /usr/sbin/vfio-bind --timeout 30 || :
fi
:
