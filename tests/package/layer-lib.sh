# shellcheck shell=bash
# The lifecycle's tree (sourced by lifecycle.sh and prepare.sh): tests/system's
# cached Debian 12 tree (BASE) plus a cached layer with a second kernel and
# GRUB's tools, as a BIOS install has them (grub-mkconfig cannot probe a
# chroot's root: update-grub is a stub that writes the parts vfio-setup reads).
# Needs CACHE, BASE, and tests/system/lib.sh (sys_mount, in_root).
LC_PKGS="linux-image-cloud-amd64 grub-common grub2-common libisal2"
make_layer() {
    rm -rf --one-file-system "$LAYER"
    mkdir -p "$LAYER"
    cp -a "$BASE/root" "$LAYER/root" || return 1
    ROOT=$LAYER/root
    sys_mount "$ROOT"
    # shellcheck disable=SC2086
    if ! in_root apt-get install -y -q --no-install-recommends $LC_PKGS > "$LAYER/apt.log" 2>&1; then
        tail -n 20 "$LAYER/apt.log"
        sys_umount "$ROOT"
        return 1
    fi
    in_root apt-get clean
    # GRUB as a BIOS install has it: /etc/default/grub, a grubenv, a grub.cfg.
    cp "$ROOT/usr/share/grub/default/grub" "$ROOT/etc/default/grub"
    mkdir -p "$ROOT/boot/grub"
    in_root grub-editenv /boot/grub/grubenv create
    in_root dpkg-divert --local --rename --add /usr/sbin/update-grub > /dev/null
    cat > "$ROOT/usr/sbin/update-grub" << 'STUB'
#!/bin/sh
# lifecycle test stub: grub-mkconfig cannot probe a chroot's root device.
# Writes what it would for the parts vfio-setup reads: the command line of
# /etc/default/grub and its drop-ins, the default entry, 41_custom.
set -e
. /etc/default/grub
for f in /etc/default/grub.d/*.cfg; do [ -e "$f" ] && . "$f"; done
v=$(ls /boot/vmlinuz-* | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n1)
{
    echo '### BEGIN /etc/grub.d/00_header ###'
    echo 'if [ -s $prefix/grubenv ]; then load_env; fi'
    echo 'if [ "${next_entry}" ] ; then set default="${next_entry}"; set next_entry=; save_env next_entry; set boot_once=true; else set default="0"; fi'
    echo 'if [ x"${feature_menuentry_id}" = xy ]; then menuentry_id_option="--id"; else menuentry_id_option=""; fi'
    echo 'export menuentry_id_option'
    echo '### END /etc/grub.d/00_header ###'
    echo '### BEGIN /etc/grub.d/10_linux ###'
    echo "menuentry 'Debian GNU/Linux' --class debian --class gnu-linux --class gnu --class os \$menuentry_id_option 'gnulinux-simple-lifecycle' {"
    printf '\tlinux\t/boot/vmlinuz-%s root=/dev/vda1 ro %s %s\n' "$v" "${GRUB_CMDLINE_LINUX:-}" "${GRUB_CMDLINE_LINUX_DEFAULT:-}"
    printf '\tinitrd\t/boot/initrd.img-%s\n' "$v"
    echo '}'
    echo '### END /etc/grub.d/10_linux ###'
    echo '### BEGIN /etc/grub.d/41_custom ###'
    echo 'if [ -f  ${config_directory}/custom.cfg ]; then'
    echo '  source ${config_directory}/custom.cfg'
    echo 'elif [ -z "${config_directory}" -a -f  $prefix/custom.cfg ]; then'
    echo '  source $prefix/custom.cfg'
    echo 'fi'
    echo '### END /etc/grub.d/41_custom ###'
} > /boot/grub/grub.cfg.new
mv /boot/grub/grub.cfg.new /boot/grub/grub.cfg
echo "update-grub (test stub): wrote /boot/grub/grub.cfg" >&2
STUB
    chmod 0755 "$ROOT/usr/sbin/update-grub"
    in_root update-grub 2> /dev/null
    sys_umount "$ROOT"
    touch "$LAYER/done"
}

# lifecycle_layer: LAYER, made unless a run made it before. Needs BASE
# (sys_base). A suite that starts while prepare.sh makes it waits (flock).
lifecycle_layer() {
    local lock rc=0
    LAYER=$CACHE/lifecycle-$(printf '%s\n' "$BASE" "$LC_PKGS" lifecycle-v1 | sha256sum | cut -c1-16)
    exec {lock}> "$LAYER.lock"
    flock "$lock"
    if [ -e "$LAYER/done" ]; then
        echo "lifecycle: cached layer $LAYER"
    else
        echo "lifecycle: the second kernel and GRUB's tools into $LAYER (cached for the next runs)"
        make_layer || rc=1
    fi
    exec {lock}>&-
    return "$rc"
}
