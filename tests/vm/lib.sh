#!/bin/bash
# Shared helpers of the QEMU boot tests (sourced by run-all.sh and demo.sh).
# Needs: REPO (repository root), BUILD (build dir with vfio-bind), WORK (scratch).

# What the boot tests run, each with the package that has it: a missing one
# is named (installing is `.ci/install-deps vm`, which `make check` runs).
vm_need() {
    local c missing=
    for c in qemu-system-x86_64:qemu-system-x86 dracut:dracut-core cpio:cpio busybox:busybox-static "$@"; do
        command -v "${c%%:*}" > /dev/null 2>&1 || missing="$missing ${c#*:}"
    done
    [ -z "$missing" ] && return 0
    echo "missing:$missing (apt-get install them, or .ci/install-deps vm)" >&2
    return 1
}

# Debian's kernel from linux-image-amd64: the newest one with a vmlinuz.
vm_pick_kernel() {
    local k best=
    for k in /lib/modules/*; do
        k=${k##*/}
        [ -e "/boot/vmlinuz-$k" ] && [ -d "/lib/modules/$k/kernel" ] || continue
        best=$(printf '%s\n%s\n' "$best" "$k" | sed '/^$/d' | sort -V | tail -n1)
    done
    [ -n "$best" ] || { echo "no kernel with /boot/vmlinuz-* and /lib/modules/*" >&2; return 1; }
    KVER=$best
}

# A private dracut tree: the host's dracut plus our module and the test-only
# report module, so nothing is installed on (or read from) the host's
# /usr/lib/dracut/modules.d or /etc/dracut.conf*.
vm_dracut_base() {
    local f
    DRACUT_BASE=$WORK/dracut-base
    rm -rf "$DRACUT_BASE"
    mkdir -p "$DRACUT_BASE/modules.d" "$WORK/dracut-conf.d"
    for f in /usr/lib/dracut/*; do
        [ "${f##*/}" = modules.d ] || ln -s "$f" "$DRACUT_BASE/"
    done
    for f in /usr/lib/dracut/modules.d/*; do
        ln -s "$f" "$DRACUT_BASE/modules.d/"
    done
    ln -s "$REPO/dracut-module" "$DRACUT_BASE/modules.d/90vfio-bind"
    ln -s "$REPO/tests/vm/dracut-test-module" "$DRACUT_BASE/modules.d/99vfio-bind-test"
}

# vm_image OUT CONFIG KIND: KIND is systemd, shell (no systemd in the image),
# none (systemd, without our module: the negative control) or late (none,
# plus the binary and CONFIG for the report hook to run after coldplug).
# Small images: only the dracut modules and drivers the test needs; radeon
# and snd-hda-intel are in so the host drivers really compete.
vm_image() {
    local out=$1 conf=$2 kind=$3 mods
    mods="base udev-rules rootfs-block vfio-bind-test"
    case $kind in
        systemd) mods="$mods systemd systemd-initrd dracut-systemd vfio-bind" ;;
        shell) mods="$mods vfio-bind" ;;
        none) mods="$mods systemd systemd-initrd dracut-systemd" ;;
        late)
            mods="$mods systemd systemd-initrd dracut-systemd"
            export VBT_LATE_BINARY=$BUILD/vfio-bind VBT_LATE_CONFIG=$conf
            ;;
    esac
    VFIO_BIND_CONFIG=$conf VFIO_BIND_BINARY=$BUILD/vfio-bind dracutbasedir=$DRACUT_BASE \
        dracut --conf /dev/null --confdir "$WORK/dracut-conf.d" --tmpdir "$WORK" \
        --no-hostonly --no-hostonly-cmdline --kver "$KVER" -m "$mods" \
        --add-drivers "radeon snd-hda-intel" --no-early-microcode --no-compress \
        --force "$out"
}

# vm_boot IMAGE OUTPREFIX "EXTRA CMDLINE" QEMU-DEVICE-ARGS...
# Writes OUTPREFIX.console (kernel console) and OUTPREFIX.report (ttyS1).
vm_boot() {
    local img=$1 out=$2 extra=$3 rc
    shift 3
    rm -f "$out.console" "$out.report"
    timeout "${VM_TIMEOUT:-180}" qemu-system-x86_64 -accel tcg -M q35,kernel-irqchip=split \
        -device intel-iommu,intremap=on -m 1024 -nodefaults -display none -no-reboot \
        -kernel "/boot/vmlinuz-$KVER" -initrd "$img" \
        -append "console=ttyS0,115200 root=LABEL=vbt-none rd.retry=60 rd.shell=0 rd.emergency=reboot panic=1 $extra" \
        -serial "file:$out.console" -serial "file:$out.report" "$@" > "$out.qemu" 2>&1
    rc=$?
    return $rc
}
