# shellcheck shell=bash
# The Arch package's whole life, as far as Debian's pacman and makepkg allow
# (sourced by lifecycle.sh). pacman -r installs the package into the Debian 12
# tree: it runs the install script (arch/vfio-bind.install) and the alpm hooks
# of ROOT/usr/share/libalpm/hooks chrooted there, as on Arch. The tree is made
# a mkinitcpio machine by /etc/mkinitcpio.conf and a stand-in mkinitcpio that
# records each call and what an image built then would hold:
#   a configured machine: pacman -U -> vfio-setup initramfs enable,
#   cmdline enable (GRUB) and a pending trial -> pacman -R -> the previous
#   version with an edited config -> pacman -U (config kept, no .pacsave)
#   -> pacman -R -> the previous version unmodified -> pacman -U -> pacman -R.
# The packages: git HEAD and LIFECYCLE_OLD_REF, built with
# arch/build-on-debian.sh (tests/package/build-lib.sh: cached by their source tree).

# pacman_step NAME ARGS...: pacman -r ROOT ARGS (paths on this machine: only
# the install script and the hooks run chrooted) with no terminal, its output
# in $WORK/NAME.log. -dd: glibc, kmod... are Debian's, not in pacman's database.
pacman_step() {
    local name=$1
    shift
    pacman --config "$WORK/pacman.conf" -r "$ROOT" --noconfirm --noprogressbar "$@" < /dev/null > "$WORK/$name.log" 2>&1
    local rc=$?
    sed 's/^/     | /' "$WORK/$name.log"
    report_check "$name: pacman $* exits 0" [ "$rc" = 0 ]
}
pacman_version() { pacman --config "$WORK/pacman.conf" -r "$ROOT" -Q vfio-bind 2> /dev/null | cut -d' ' -f2; }
no_pacnew() {
    local left
    left=$(cd "$ROOT/etc" && ls -d vfio-devices.ini.pac* 2> /dev/null)
    [ -z "$left" ] || { echo "    left in /etc: $left"; return 1; }
}
# mkinitcpio_calls: the stand-in's calls since the last mkinitcpio_calls, one a line:
# "mkinitcpio ARGS | binary=yes|no hook=yes|no config=yes|no".
mkinitcpio_calls() {
    cat "$ROOT/var/log/mkinitcpio.calls" 2> /dev/null
    rm -f "$ROOT/var/log/mkinitcpio.calls"
}
# rebuilt_with WHAT: the last call was mkinitcpio -P (every preset's images),
# with (yes) or without (no) vfio-bind's binary and hook.
rebuilt_with() {
    local calls
    calls=$(mkinitcpio_calls)
    [ "$(echo "$calls" | tail -n1)" = "mkinitcpio -P | binary=$1 hook=$1" ] || { echo "    mkinitcpio's calls: ${calls:-none}"; return 1; }
}
config_is() { [ "$(cat "$ROOT/etc/vfio-devices.ini" 2> /dev/null)" = "$1" ]; }

life_arch() {
    local pkg_new pkg_old v_new v_old
    step "the Arch packages"
    pkg_build arch HEAD || fatal "arch/build-on-debian.sh of HEAD"
    pkg_new=$PKG
    pkg_build arch "$OLD_REF" old || fatal "arch/build-on-debian.sh of the previous version ($OLD_REF)"
    pkg_old=$PKG
    v_new=$(bsdtar -xOf "$pkg_new" .PKGINFO | sed -n 's/^pkgver = //p')
    v_old=$(bsdtar -xOf "$pkg_old" .PKGINFO | sed -n 's/^pkgver = //p')
    report_check "arch: the previous version ($v_old, $OLD_REF) is older than this one ($v_new)" \
        [ "$(vercmp "$v_old" "$v_new")" = -1 ]

    step "the tree as a mkinitcpio machine for pacman"
    root_up arch "$LAYER/root" || fatal "the scratch tree of the Arch package"
    printf '%s\n' '[options]' 'Architecture = auto' 'SigLevel = Never' 'LocalFileSigLevel = Never' > "$WORK/pacman.conf"
    mkdir -p "$ROOT/var/lib/pacman"
    printf '%s\n' '# lifecycle test: the stand-in reads no more than HOOKS' \
        'HOOKS=(base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck)' > "$ROOT/etc/mkinitcpio.conf"
    # /etc/mkinitcpio.conf.d: Arch's mkinitcpio package ships it.
    mkdir -p "$ROOT/etc/mkinitcpio.conf.d"
    cat > "$ROOT/usr/bin/mkinitcpio" << 'STUB'
#!/bin/bash
# lifecycle test stand-in for mkinitcpio: records the call, and whether an
# image built now would hold vfio-bind (its binary, its hook in HOOKS as
# mkinitcpio reads them: the config, then its drop-ins).
b=no h=no
[ -x /usr/bin/vfio-bind ] && [ -e /usr/lib/initcpio/install/vfio-bind ] && b=yes
. /etc/mkinitcpio.conf
for f in /etc/mkinitcpio.conf.d/*.conf; do [ -e "$f" ] && . "$f"; done
[[ " ${HOOKS[*]} " == *" vfio-bind "* ]] && h=yes
echo "mkinitcpio $* | binary=$b hook=$h" >> /var/log/mkinitcpio.calls
STUB
    chmod 0755 "$ROOT/usr/bin/mkinitcpio"
    # What says "mkinitcpio builds this machine's images" on Arch (its
    # kernel-install plugin, a stand-in), and initramfs-tools' sign gone.
    rm -f "$ROOT/etc/kernel/postinst.d/initramfs-tools"
    mkdir -p "$ROOT/usr/lib/kernel/install.d"
    printf '%s\n' '#!/bin/sh' '# lifecycle test stand-in for mkinitcpio'"'"'s kernel-install plugin' 'exit 0' \
        > "$ROOT/usr/lib/kernel/install.d/50-mkinitcpio.install"
    chmod 0755 "$ROOT/usr/lib/kernel/install.d/50-mkinitcpio.install"
    before_package

    step "pacman -U on a configured machine"
    printf '%s' "$CONFIG" > "$ROOT/etc/vfio-devices.ini"
    # The hook is enabled already (an admin's own HOOKS): the images hold vfio-bind once it is there.
    sed -i 's/^HOOKS=(base udev/HOOKS=(base vfio-bind udev/' "$ROOT/etc/mkinitcpio.conf"
    pacman_step "pacman install" -U -dd "$pkg_new"
    report_check "pacman install: post_install rebuilt every preset's images (mkinitcpio -P) with vfio-bind" rebuilt_with yes
    report_check "pacman install: the alpm hook ran vfio-initrd-check in the root" \
        grep -q 'Checking that every kernel will claim the vfio devices' "$WORK/pacman install.log"
    report_check "pacman install: the config untouched, no .pacnew" sh -c "[ \"\$(cat '$ROOT/etc/vfio-devices.ini')\" = '$(printf '%s' "$CONFIG")' ]"
    report_check "pacman install: no .pacnew, no .pacsave" no_pacnew
    sed -i 's/^HOOKS=(base vfio-bind udev/HOOKS=(base udev/' "$ROOT/etc/mkinitcpio.conf"

    step "vfio-setup initramfs enable, cmdline enable (GRUB) and a pending trial"
    in_root vfio-setup initramfs enable > "$WORK/arch-initramfs.log" 2>&1
    report_check "arch initramfs: vfio-setup initramfs enable exits 0" [ $? = 0 ]
    sed 's/^/     | /' "$WORK/arch-initramfs.log"
    in_root mkinitcpio -P
    report_check "arch initramfs: the mkinitcpio drop-in puts vfio-bind into HOOKS" rebuilt_with yes
    in_root vfio-setup cmdline enable --iommu-pt > "$WORK/arch-enable.log" 2>&1
    report_check "arch enable: vfio-setup cmdline enable --iommu-pt exits 0" [ $? = 0 ]
    sed 's/^/     | /' "$WORK/arch-enable.log"
    in_root vfio-setup cmdline enable --trial --add video=efifb:off > "$WORK/arch-trial.log" 2>&1
    report_check "arch trial: vfio-setup cmdline enable --trial exits 0" [ $? = 0 ]
    sed 's/^/     | /' "$WORK/arch-trial.log"
    report_check "arch trial: iommu=pt in grub.cfg, custom.cfg holds the trial entry, grubenv boots it once" \
        sh -c "grep -q 'linux.*iommu=pt' '$ROOT/boot/grub/grub.cfg' && grep -q vfio-bind-trial '$ROOT/boot/grub/custom.cfg' &&
               [ \"\$(chroot '$ROOT' grub-editenv /boot/grub/grubenv list | sed -n 's/^next_entry=//p')\" = vfio-bind-trial ]"
    mkinitcpio_calls > /dev/null

    step "pacman -R"
    pacman_step "pacman remove" -R vfio-bind
    report_check "pacman remove: not installed" [ -z "$(pacman_version)" ]
    report_check "pacman remove: pre_remove undid vfio-setup: grub.cfg as before, no drop-in, no custom.cfg, no trial in grubenv" grub_as_before
    report_check "pacman remove: the mkinitcpio drop-in gone" [ ! -e "$ROOT/etc/mkinitcpio.conf.d/vfio-bind.conf" ]
    report_check "pacman remove: post_remove rebuilt every preset's images (mkinitcpio -P) without vfio-bind" rebuilt_with no
    report_check "pacman remove: the admin's config stays untouched, vfio-setup's state and backups gone" \
        sh -c "[ \"\$(cat '$ROOT/etc/vfio-devices.ini')\" = '$(printf '%s' "$CONFIG")' ] && [ ! -e '$ROOT/var/lib/vfio-bind' ] &&
               [ ! -e '$ROOT/etc/vfio-devices.ini.vfio-bind.bak' ]"
    report_check "pacman remove: no .pacnew, no .pacsave" no_pacnew
    rm -f "$ROOT/etc/vfio-devices.ini"
    same_files "pacman remove" "pacman's"

    step "pacman -U from $v_old with an edited config"
    pacman_step "pacman install $v_old" -U -dd "$pkg_old"
    printf '%s' "$CONFIG" >> "$ROOT/etc/vfio-devices.ini"
    cp "$ROOT/etc/vfio-devices.ini" "$WORK/arch-edited.ini"
    mkinitcpio_calls > /dev/null
    pacman_step "pacman upgrade (edited config)" -U -dd "$pkg_new"
    report_check "pacman upgrade (edited config): $v_new installed" [ "$(pacman_version)" = "$v_new" ]
    report_check "pacman upgrade (edited config): the edited config in place, untouched" cmp -s "$WORK/arch-edited.ini" "$ROOT/etc/vfio-devices.ini"
    report_check "pacman upgrade (edited config): no .pacnew, no .pacsave" no_pacnew
    report_check "pacman upgrade (edited config): post_upgrade rebuilt every preset's images (mkinitcpio -P)" \
        sh -c "[ \"\$(cut -d'|' -f1 '$ROOT/var/log/mkinitcpio.calls')\" = 'mkinitcpio -P ' ]"
    mkinitcpio_calls > /dev/null
    pacman_step "pacman remove after upgrade" -R vfio-bind
    report_check "pacman remove after upgrade: the edited config stays, no .pacsave" \
        sh -c "cmp -s '$WORK/arch-edited.ini' '$ROOT/etc/vfio-devices.ini' && ! ls '$ROOT'/etc/vfio-devices.ini.pac* > /dev/null 2>&1"
    rm -f "$ROOT/etc/vfio-devices.ini"
    mkinitcpio_calls > /dev/null

    step "pacman -U from $v_old with the example untouched"
    pacman_step "pacman install $v_old (example)" -U -dd "$pkg_old"
    pacman_step "pacman upgrade (example)" -U -dd "$pkg_new"
    report_check "pacman upgrade (example): the unmodified example /etc/vfio-devices.ini removed, no .pacsave" \
        sh -c "[ ! -e '$ROOT/etc/vfio-devices.ini' ] && ! ls '$ROOT'/etc/vfio-devices.ini.pac* > /dev/null 2>&1"
    pacman_step "pacman final remove" -R vfio-bind
    report_check "pacman final remove: GRUB's files as before" grub_as_before
    same_files "pacman final remove" "pacman's"
    root_down "$ROOT"
}
