#!/bin/bash
# Shared helpers of the QEMU boot tests (sourced by run-all.sh and demo.sh).
# Needs: REPO (repository root), BUILD (build dir with vfio-bind), WORK (scratch).

# What the boot tests run, each with the package that has it: a missing one
# is named (installing is `.ci/install-deps vm`, which `make check` runs).
vm_need() {
    local c missing=
    for c in qemu-system-x86_64:qemu-system-x86 dracut:dracut-core cpio:cpio busybox:busybox-static \
        mkinitramfs:initramfs-tools-core bsdtar:libarchive-tools "$@"; do
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
    VFIO_BIND_CONFIG=$conf VFIO_BIND_BINARY=$BUILD/vfio-bind VFIO_BIND_SETUP=$BUILD/vfio-setup dracutbasedir=$DRACUT_BASE \
        dracut --conf /dev/null --confdir "$WORK/dracut-conf.d" --tmpdir "$WORK" \
        --no-hostonly --no-hostonly-cmdline --kver "$KVER" -m "$mods" \
        --add-drivers "radeon snd-hda-intel" --no-early-microcode --no-compress \
        --force "$out"
}

# vm_boot IMAGE OUTPREFIX "EXTRA CMDLINE" QEMU-DEVICE-ARGS...
# Writes OUTPREFIX.console (kernel console) and OUTPREFIX.report (ttyS1).
# no_timer_check: on a loaded host the emulated CPU can miss the kernel's
# early check that the timer interrupt arrives through the remapped IO-APIC,
# and the kernel panics before /init ("timer doesn't work through
# Interrupt-remapped IO-APIC"); the check proves nothing about vfio-bind.
vm_boot() {
    local img=$1 out=$2 extra=$3 rc
    shift 3
    rm -f "$out.console" "$out.report"
    timeout "${VM_TIMEOUT:-180}" qemu-system-x86_64 -accel tcg -M q35,kernel-irqchip=split \
        -device intel-iommu,intremap=on -m 1024 -nodefaults -display none -no-reboot \
        -kernel "/boot/vmlinuz-$KVER" -initrd "$img" \
        -append "console=ttyS0,115200 no_timer_check root=LABEL=vbt-none rd.retry=60 rd.shell=0 rd.emergency=reboot panic=1 $extra" \
        -serial "file:$out.console" -serial "file:$out.report" "$@" > "$out.qemu" 2>&1
    rc=$?
    return $rc
}

# ------------------------------------------------------------ initramfs-tools
# vm_image_itools OUT CONFIG KIND: an image made by the real mkinitramfs
# (initramfs-tools-core) from a private configuration directory: MODULES=dep
# and radeon (with snd-hda-intel) in its modules list, as early KMS puts it; KIND "with" adds our
# hook and boot script (initramfs-tools/), "without" is the negative control.
vm_image_itools() {
    local out=$1 conf=$2 kind=$3 d
    d=$WORK/itools-$(basename "$out" .img)
    rm -rf "$d"
    mkdir -p "$d/hooks" "$d/scripts/init-top" "$d/scripts/init-premount" "$d/conf.d"
    printf 'MODULES=dep\nBUSYBOX=y\nKEYMAP=n\nCOMPRESS=gzip\nRUNSIZE=10%%\nFSTYPE=auto\n' > "$d/initramfs.conf"
    printf 'radeon\nsnd-hda-intel\n' > "$d/modules"
    cp "$REPO/tests/vm/initramfs-tools-test/hooks/vbt" "$d/hooks/"
    cp "$REPO/tests/vm/initramfs-tools-test/scripts/init-premount/vbt-report" "$d/scripts/init-premount/"
    if [ "$kind" = with ]; then
        cp "$REPO/initramfs-tools/hooks/vfio-bind" "$d/hooks/"
        cp "$REPO/initramfs-tools/scripts/init-top/00-vfio-bind" "$d/scripts/init-top/"
    fi
    VFIO_BIND_CONFIG=$conf VFIO_BIND_BINARY=$BUILD/vfio-bind VFIO_BIND_SETUP=$BUILD/vfio-setup VBT_REPORT=$REPO/tests/vm/dracut-test-module/vbt-report.sh \
        mkinitramfs -d "$d" -o "$out" "$KVER"
}

# ------------------------------------------------------------ mkinitcpio
# The real mkinitcpio (tests/third_party, README there), run from its unpacked tree in
# a private mount namespace where /usr/bin and /usr/lib are overlays that
# hold what it expects of an Arch system (its README): modinfo, blkid and
# switch_root in /usr/bin, /usr/lib/initcpio/{init,init_functions,busybox},
# /usr/lib/libkmod.so.2. Nothing of the host changes.
MK_TARBALL=${MK_TARBALL:-$REPO/tests/third_party/mkinitcpio-39.2.tar.gz}
MK_TREE=$WORK/mkinitcpio-39.2
vm_mk_setup() {
    [ -d "$MK_TREE" ] && return 0
    [ -f "$MK_TARBALL" ] || { echo "no $MK_TARBALL (tests/third_party)" >&2; return 1; }
    tar -xzf "$MK_TARBALL" -C "$WORK" || return 1
    # Its base hook makes every busybox applet a link to busybox; Debian's
    # busybox lists itself, which would replace the binary by a link to itself.
    mkdir -p "$WORK/mk-override/install"
    sed 's|\$(/usr/lib/initcpio/busybox --list)|$(/usr/lib/initcpio/busybox --list \| grep -vx busybox)|' \
        "$MK_TREE/install/base" > "$WORK/mk-override/install/base"
    grep -q 'grep -vx busybox' "$WORK/mk-override/install/base"
}

# vm_mk_run CMD...: CMD in the namespace described above.
vm_mk_run() {
    local o
    o=$(mktemp -d "$WORK/mk-overlay.XXXXXX") # one per run: builds run in parallel
    mkdir -p "$o/bin-up" "$o/bin-work" "$o/lib-up" "$o/lib-work"
    unshare --mount --propagation private /bin/sh -eu -c '
        o=$1; tree=$2; shift 2
        mount -t overlay overlay -o "lowerdir=/usr/bin,upperdir=$o/bin-up,workdir=$o/bin-work" /usr/bin
        mount -t overlay overlay -o "lowerdir=/usr/lib,upperdir=$o/lib-up,workdir=$o/lib-work" /usr/lib
        for b in modinfo blkid switch_root depmod sulogin; do
            [ -e "/usr/bin/$b" ] || ln -sf "$(command -v "$b" || echo "/usr/sbin/$b")" "/usr/bin/$b"
        done
        mkdir -p /usr/lib/initcpio
        install -m 0755 "$tree/init" /usr/lib/initcpio/init # as its Makefile installs them
        install -m 0644 "$tree/init_functions" /usr/lib/initcpio/init_functions
        cp /bin/busybox /usr/lib/initcpio/busybox
        [ -e /usr/lib/libkmod.so.2 ] || ln -sf x86_64-linux-gnu/libkmod.so.2 /usr/lib/libkmod.so.2
        "$@"' sh "$o" "$MK_TREE" "$@"
}

# vm_image_mk OUT CONFIG KIND: an image made by the real mkinitcpio with
# MODULES=(radeon snd_hda_intel); KIND "with" puts vfio-bind before udev in
# HOOKS (what `vfio-setup initramfs enable` does), "without" leaves it out,
# "systemd" is "with" on an image built with the systemd hook (units run, not
# runtime hooks).
vm_image_mk() {
    local out=$1 conf=$2 kind=$3 hooks="base udev vbt" c
    [ -d "$MK_TREE" ] || { echo "vm_mk_setup first" >&2; return 1; }
    case $kind in
        with) hooks="base vfio-bind udev vbt" ;;
        systemd) hooks="base vfio-bind systemd vbt-sd" ;;
    esac
    c=$WORK/mkinitcpio-$(basename "$out" .img).conf
    printf 'MODULES=(radeon snd_hda_intel)\nBINARIES=()\nFILES=()\nHOOKS=(%s)\nCOMPRESSION="cat"\n' "$hooks" > "$c"
    (
        cd "$MK_TREE" || exit 1
        export VFIO_BIND_CONFIG=$conf VFIO_BIND_BINARY=$BUILD/vfio-bind VFIO_BIND_SETUP=$BUILD/vfio-setup \
            VFIO_BIND_UNIT=$REPO/dracut-module/vfio-bind-initrd.service \
            VBT_REPORT=$REPO/tests/vm/dracut-test-module/vbt-report.sh \
            VBT_UNIT=$REPO/tests/vm/mkinitcpio-test/vbt-report.service
        vm_mk_run ./mkinitcpio -k "$KVER" -c "$c" -g "$out" \
            -D "$WORK/mk-override" -D "$MK_TREE" -D "$REPO/mkinitcpio" -D "$REPO/tests/vm/mkinitcpio-test"
    ) > "$out.log" 2>&1
    local rc=$?
    cat "$out.log"
    # mkinitcpio 39 wants systemd 255's systemd-executor, which Debian 12's
    # systemd 252 does without: that one missing file is no failed build.
    # Only that: a failure with no ERROR line, or with any other, stays one.
    if [ "$rc" != 0 ] && grep -q 'ERROR.*systemd-executor' "$out.log" &&
        ! grep 'ERROR' "$out.log" | grep -vq "systemd-executor"; then rc=0; fi
    return "$rc"
}
