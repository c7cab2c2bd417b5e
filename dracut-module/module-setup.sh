#!/bin/bash
# shellcheck disable=SC2154 # moddir, initdir, kernel... come from dracut
# dracut module: claim the PCI devices listed in /etc/vfio-devices.ini for
# vfio-pci before udev coldplug can load and bind their host drivers.
#
# VFIO_BIND_CONFIG and VFIO_BIND_BINARY override the config and binary put in
# the image (used by the VM tests, which build images for several configs).

_vfio_bind_conf() {
    printf '%s\n' "${VFIO_BIND_CONFIG:-${dracutsysrootdir-}/etc/vfio-devices.ini}"
}

_vfio_bind_bin() {
    if [[ -n ${VFIO_BIND_BINARY-} ]]; then
        printf '%s\n' "$VFIO_BIND_BINARY"
    else
        local p
        p=$(find_binary vfio-bind) || return 1
        printf '%s\n' "${dracutsysrootdir-}$p"
    fi
}

# 0: configured machine, include it (hostonly too); 255: only on request
# (--add vfio-bind), e.g. to build an image before writing the config.
check() {
    local bin
    bin=$(_vfio_bind_bin) || return 255
    [[ -x $bin ]] || return 255
    [[ -f $(_vfio_bind_conf) ]] || return 255
    return 0
}

depends() {
    return 0
}

installkernel() {
    # Also in hostonly mode: the devices we claim have no driver bound on a
    # configured host, so hostonly detection would miss vfio-pci. instmods
    # treats built-in modules as present.
    hostonly='' instmods vfio vfio_iommu_type1 vfio-pci
}

install() {
    local bin conf snippet err
    bin=$(_vfio_bind_bin)
    conf=$(_vfio_bind_conf)
    if [[ -z $bin || ! -x $bin ]]; then
        derror "vfio-bind: binary not found; the image will not claim any device"
        return 0
    fi
    inst_binary "$bin" /usr/sbin/vfio-bind

    if [[ ! -f $conf ]]; then
        dwarning "vfio-bind: $conf does not exist; nothing will be claimed at boot"
        return 0
    fi
    # The config goes in even when it is invalid: at boot vfio-bind then
    # refuses it and says why in the kernel log instead of silently doing nothing.
    inst_simple "$conf" /etc/vfio-devices.ini

    # modprobe.d is only copied in hostonly mode, so generate and install ours:
    # the config's vfio_pci_options (never ids=: each device is claimed at boot
    # by its driver_override) and a softdep that loads vfio-pci before every
    # host driver matching a configured device (from libkmod).
    snippet="$DRACUT_TMPDIR/vfio-bind-modprobe.conf"
    err="$DRACUT_TMPDIR/vfio-bind-modprobe.err"
    # One inst_simple for it, after the trial's part below: dracut skips a
    # second one to the same destination.
    if ! "$bin" --modprobe-conf --config "$conf" --kver "$kernel" > "$snippet" 2> "$err"; then
        : > "$snippet"
        derror "vfio-bind: ********************************************************"
        derror "vfio-bind: invalid configuration, no device will be claimed at boot:"
        while IFS= read -r line; do derror "vfio-bind:   $line"; done < "$err"
        derror "vfio-bind: fix it and rebuild the initramfs"
        derror "vfio-bind: ********************************************************"
    fi

    # The claims of a pending trial boot (vfio-setup add --trial), read at
    # the boot whose command line carries vfio_bind.trial=1; its softdeps too.
    local trial=${VFIO_BIND_TRIAL_CONFIG:-/etc/vfio-devices.trial.ini}
    if [[ -f $trial ]]; then
        inst_simple "$trial" /etc/vfio-devices.trial.ini
        if "$bin" --modprobe-conf --config "$trial" --kver "$kernel" > "$snippet.trial" 2> "$err"; then
            cat "$snippet.trial" >> "$snippet"
        else
            dwarning "vfio-bind: $trial is not valid: the trial boot will claim nothing"
        fi
    fi
    [[ -s $snippet ]] && inst_simple "$snippet" /etc/modprobe.d/vfio-bind.conf

    # The devices this host needs to boot (its disks' controllers, a network
    # root's NIC, the console), found now with its disks mounted: vfio-bind
    # never claims them, nor their IOMMU groups.
    local setup=${VFIO_BIND_SETUP:-/usr/sbin/vfio-setup} record="$DRACUT_TMPDIR/vfio-bind-host-devices"
    if "$setup" host-devices > "$record" 2> "$err"; then
        inst_simple "$record" /etc/vfio-bind/host-devices
    else
        dwarning "vfio-bind: cannot record the devices the host needs ($setup host-devices: $(head -n1 "$err")):"
        dwarning "vfio-bind: at boot every mass-storage controller is kept instead"
    fi

    if dracut_module_included "systemd"; then
        inst_simple "$moddir/vfio-bind-initrd.service" "$systemdsystemunitdir/vfio-bind-initrd.service"
        $SYSTEMCTL -q --root "$initdir" add-wants sysinit.target vfio-bind-initrd.service
    else
        inst_hook pre-udev 30 "$moddir/vfio-bind-hook.sh"
    fi
}
