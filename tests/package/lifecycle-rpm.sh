# shellcheck shell=bash
# shellcheck disable=SC2034 # IMAGE_LIST, IMAGE_CAT: read by lifecycle.sh
# The RPM's whole life (sourced by lifecycle.sh: LIFECYCLE_ONLY=rpm, or
# make check-lifecycle-rpm). Debian's rpm installs the RPM with rpm --root
# (the scriptlets run chrooted there) into the Debian 12 tree switched to
# Debian's dracut, which the RPM works with (/usr/lib/dracut/modules.d):
#   the previous RPM's example untouched, then a configured machine: rpm -i ->
#   vfio-setup cmdline enable (GRUB) and a pending trial -> rpm -e ->
#   the previous version with an edited config -> rpm -U (config kept, no
#   .rpmnew, .rpmsave) -> rpm -e -> the previous version unmodified -> rpm -U.
# The RPMs: git HEAD and LIFECYCLE_OLD_REF, built with rpm/build-on-debian.sh
# (--without check; tests/package/build-lib.sh: cached by their source tree).

# The layer over the lifecycle tree: Debian's dracut instead of
# initramfs-tools, every image built by dracut, an empty rpm database.
make_dracut_layer() {
    rm -rf --one-file-system "$DLAYER"
    mkdir -p "$DLAYER"
    cp -a "$LAYER/root" "$DLAYER/root" || return 1
    ROOT=$DLAYER/root
    sys_mount "$ROOT"
    mkdir -p "$ROOT/tmp/dracut-debs"
    cp "$BASE"/debs/dracut/*.deb "$ROOT/tmp/dracut-debs/"
    if ! in_root sh -c 'apt-get install -y -q --no-install-recommends /tmp/dracut-debs/*.deb &&
                        dracut --regenerate-all -f' > "$DLAYER/dracut.log" 2>&1; then
        tail -n 20 "$DLAYER/dracut.log"
        sys_umount "$ROOT"
        return 1
    fi
    rm -rf "$ROOT/tmp/dracut-debs"
    in_root apt-get clean
    rpm --root "$ROOT" --dbpath /var/lib/rpm --initdb
    sys_umount "$ROOT"
    touch "$DLAYER/done"
}

# rpm_step NAME ARGS...: rpm --root ARGS (paths on this machine: only the
# scriptlets run chrooted) with no terminal, its output in
# $WORK/NAME.log. --nodeps: dracut and kmod are Debian's, not in rpm's database.
rpm_step() {
    local name=$1
    shift
    rpm --root "$ROOT" --dbpath /var/lib/rpm --nodeps "$@" < /dev/null > "$WORK/$name.log" 2>&1
    local rc=$?
    sed 's/^/     | /' "$WORK/$name.log"
    report_check "$name: rpm $* exits 0" [ "$rc" = 0 ]
}
rpm_installed() { rpm --root "$ROOT" --dbpath /var/lib/rpm -q vfio-bind > /dev/null 2>&1; }
no_rpmnew() {
    local left
    left=$(cd "$ROOT/etc" && ls -d vfio-devices.ini.rpm* 2> /dev/null)
    [ -z "$left" ] || { echo "    left in /etc: $left"; return 1; }
}

# kernel_update: what a kernel package's installation runs: kernel-install's
# plugin (the kernel hook, after dracut built the image), then the RPM's file
# trigger on its modules directory (a small RPM with one file there). The
# image is checked once; a wrapper around vfio-initrd-check counts its runs.
kernel_update() {
    local v k=$WORK/kernel-rpm
    v=$(echo "$KVERS" | head -n1)
    mkdir -p "$k"
    cat > "$k/lifecycle-kernel-update.spec" << SPEC
Name: lifecycle-kernel-update
Version: 1
Release: 1
Summary: a file in a kernel's modules directory
License: none
BuildArch: noarch
%description
What a kernel update brings, as far as the file trigger sees it.
%install
mkdir -p %{buildroot}/usr/lib/modules/$v/extra
echo lifecycle > %{buildroot}/usr/lib/modules/$v/extra/lifecycle-update.txt
%files
%dir /usr/lib/modules/$v/extra
/usr/lib/modules/$v/extra/lifecycle-update.txt
SPEC
    rpmbuild -bb --define "_topdir $k" "$k/lifecycle-kernel-update.spec" > "$k/build.log" 2>&1 ||
        { tail -n 20 "$k/build.log"; report_fail "kernel update: rpmbuild of a kernel-like RPM"; return; }
    mv "$ROOT/usr/sbin/vfio-initrd-check" "$ROOT/usr/sbin/vfio-initrd-check.real"
    printf '#!/bin/sh\necho "$*" >> /var/log/vfio-initrd-check.calls\nexec /usr/sbin/vfio-initrd-check.real "$@"\n' > "$ROOT/usr/sbin/vfio-initrd-check"
    chmod 0755 "$ROOT/usr/sbin/vfio-initrd-check"
    rm -rf "$ROOT/run/vfio-bind" "$ROOT/var/log/vfio-initrd-check.calls"
    in_root /usr/lib/kernel/install.d/60-vfio-initrd-check.install add "$v" /boot "/boot/vmlinuz-$v"
    rpm_step "kernel update" -i "$k"/RPMS/noarch/lifecycle-kernel-update-1-1.noarch.rpm
    report_check "kernel update: the image of $v checked once (kernel-install's plugin, not again by the file trigger)" \
        sh -c "[ \$(wc -l < '$ROOT/var/log/vfio-initrd-check.calls') = 1 ]"
    sed 's/^/     | /' "$ROOT/var/log/vfio-initrd-check.calls"
    mv -f "$ROOT/usr/sbin/vfio-initrd-check.real" "$ROOT/usr/sbin/vfio-initrd-check"
    rm -f "$ROOT/var/log/vfio-initrd-check.calls"
    rpm_step "kernel update erased" -e lifecycle-kernel-update
}

life_rpm() {
    local rpm_new rpm_old v_new v_old
    step "the RPMs"
    pkg_build rpm HEAD || fatal "rpm/build-on-debian.sh of HEAD"
    rpm_new=$PKG
    pkg_build rpm "$OLD_REF" old || fatal "rpm/build-on-debian.sh of the previous version ($OLD_REF)"
    rpm_old=$PKG
    v_new=$(rpm -qp --qf '%{VERSION}-%{RELEASE}' "$rpm_new" 2> /dev/null)
    v_old=$(rpm -qp --qf '%{VERSION}-%{RELEASE}' "$rpm_old" 2> /dev/null)
    report_check "rpm: the previous version ($v_old, $OLD_REF) is older than this one ($v_new)" \
        [ "$(rpm --eval "%{lua:print(rpm.vercmp('$v_old', '$v_new'))}")" = -1 ]

    step "the tree switched to Debian's dracut"
    DLAYER=$CACHE/lifecycle-dracut-$(printf '%s\n' "$LAYER" "$BASE"/debs/dracut/*.deb lifecycle-dracut-v1 | sha256sum | cut -c1-16)
    if [ -e "$DLAYER/done" ]; then
        echo "lifecycle: cached layer $DLAYER"
    else
        echo "lifecycle: Debian's dracut into $DLAYER (cached for the next runs)"
        make_dracut_layer || fatal "Debian's dracut into the lifecycle tree"
    fi
    root_up rpm "$DLAYER/root" || fatal "the scratch tree of the RPM"
    IMAGE_LIST=dracut_list
    IMAGE_CAT=dracut_cat
    report_check "rpm: dracut, not initramfs-tools, two kernels: $(echo $KVERS)" \
        sh -c "! chroot '$ROOT' sh -c 'command -v update-initramfs' > /dev/null && [ $(echo "$KVERS" | wc -w) -ge 2 ]"
    # Each rebuild of both images costs less: uncompressed, not the gzip dracut picks
    # by itself, and no host drivers (nothing boots these images; vfio-bind's
    # module brings vfio-pci itself).
    printf '%s\n' 'compress="cat"' \
        'omit_dracutmodules+=" kernel-modules kernel-modules-extra kernel-network-modules i18n plymouth "' \
        > "$ROOT/etc/dracut.conf.d/90-lifecycle-test.conf"
    before_package
    local ours="usr/sbin/vfio-bind etc/vfio-devices.ini etc/modprobe.d/vfio-bind.conf"

    step "rpm -i on a configured machine"
    printf '%s' "$CONFIG" > "$ROOT/etc/vfio-devices.ini"
    rpm_step "rpm install" -i "$rpm_new"
    report_check "rpm install: the config untouched, no .rpmnew" \
        sh -c "[ \"\$(cat '$ROOT/etc/vfio-devices.ini')\" = '$(printf '%s' "$CONFIG")' ] && ! ls '$ROOT'/etc/vfio-devices.ini.rpm* > /dev/null 2>&1"
    report_check "rpm install: %posttrans rebuilt every kernel's image with vfio-bind" images_have $ours
    report_check "rpm install: the image of $(echo "$KVERS" | head -n1) (not the newest) carries the [gpu] section" \
        image_has_gpu "$(echo "$KVERS" | head -n1)"

    step "a kernel update: kernel-install's plugin, then the file trigger"
    kernel_update

    step "vfio-setup cmdline enable (GRUB), and a pending trial"
    in_root vfio-setup cmdline enable --iommu-pt > "$WORK/rpm-enable.log" 2>&1
    report_check "rpm enable: vfio-setup cmdline enable --iommu-pt exits 0" [ $? = 0 ]
    sed 's/^/     | /' "$WORK/rpm-enable.log"
    report_check "rpm enable: GRUB's drop-in and the regenerated grub.cfg carry iommu=pt" \
        sh -c "grep -q iommu=pt '$ROOT/etc/default/grub.d/vfio-bind.cfg' && grep -q 'linux.*iommu=pt' '$ROOT/boot/grub/grub.cfg'"
    in_root vfio-setup cmdline enable --trial --add video=efifb:off > "$WORK/rpm-trial.log" 2>&1
    report_check "rpm trial: vfio-setup cmdline enable --trial exits 0" [ $? = 0 ]
    sed 's/^/     | /' "$WORK/rpm-trial.log"
    report_check "rpm trial: custom.cfg holds the trial entry, grubenv boots it once" \
        sh -c "grep -q vfio-bind-trial '$ROOT/boot/grub/custom.cfg' && [ \"\$(chroot '$ROOT' grub-editenv /boot/grub/grubenv list | sed -n 's/^next_entry=//p')\" = vfio-bind-trial ]"

    step "rpm -e"
    rpm_step "rpm erase" -e vfio-bind
    report_check "rpm erase: not installed" sh -c "! rpm --root '$ROOT' --dbpath /var/lib/rpm -q vfio-bind > /dev/null 2>&1"
    report_check "rpm erase: %preun undid vfio-setup: grub.cfg as before, no drop-in, no custom.cfg, no trial in grubenv" grub_as_before
    report_check "rpm erase: %postun rebuilt every kernel's image without vfio-bind" images_lack usr/sbin/vfio-bind etc/vfio-devices.ini
    report_check "rpm erase: the admin's config stays untouched (no .rpmsave), vfio-setup's state is gone" \
        sh -c "[ \"\$(cat '$ROOT/etc/vfio-devices.ini')\" = '$(printf '%s' "$CONFIG")' ] && [ ! -e '$ROOT/var/lib/vfio-bind' ] &&
               [ ! -e '$ROOT/etc/vfio-devices.ini.vfio-bind.bak' ]"
    report_check "rpm erase: no .rpmnew, no .rpmsave" no_rpmnew
    rm -f "$ROOT/etc/vfio-devices.ini"
    same_files "rpm erase" "rpm's"

    step "rpm -U from $v_old with an edited config"
    rpm_step "rpm install $v_old" -i "$rpm_old"
    printf '%s' "$CONFIG" >> "$ROOT/etc/vfio-devices.ini"
    cp "$ROOT/etc/vfio-devices.ini" "$WORK/rpm-edited.ini"
    rpm_step "rpm upgrade (edited config)" -U "$rpm_new"
    report_check "rpm upgrade (edited config): $v_new installed" \
        [ "$(rpm --root "$ROOT" --dbpath /var/lib/rpm -q --qf '%{VERSION}-%{RELEASE}' vfio-bind 2> /dev/null)" = "$v_new" ]
    report_check "rpm upgrade (edited config): the edited config untouched" cmp -s "$WORK/rpm-edited.ini" "$ROOT/etc/vfio-devices.ini"
    report_check "rpm upgrade (edited config): no .rpmnew, no .rpmsave" no_rpmnew
    report_check "rpm upgrade (edited config): every kernel's image claims the card" images_have $ours
    report_check "rpm upgrade (edited config): every kernel's image has the new vfio-bind" images_have_installed_vfio_bind
    rpm_step "rpm erase after upgrade" -e vfio-bind
    report_check "rpm erase after upgrade: the edited config stays, no .rpmsave" \
        sh -c "cmp -s '$WORK/rpm-edited.ini' '$ROOT/etc/vfio-devices.ini' && ! ls '$ROOT'/etc/vfio-devices.ini.rpm* > /dev/null 2>&1"
    rm -f "$ROOT/etc/vfio-devices.ini"

    step "rpm -U from $v_old with the example untouched"
    rpm_step "rpm install $v_old (example)" -i "$rpm_old"
    rpm_step "rpm upgrade (example)" -U "$rpm_new"
    report_check "rpm upgrade (example): the unmodified example /etc/vfio-devices.ini removed, no .rpmnew, no .rpmsave" \
        sh -c "[ ! -e '$ROOT/etc/vfio-devices.ini' ] && ! ls '$ROOT'/etc/vfio-devices.ini.rpm* > /dev/null 2>&1"
    report_check "rpm upgrade (example): no image carries vfio-bind" images_lack usr/sbin/vfio-bind etc/vfio-devices.ini
    rpm_step "rpm final erase" -e vfio-bind
    report_check "rpm final erase: GRUB's files as before" grub_as_before
    same_files "rpm final erase" "rpm's"
    root_down "$ROOT"
    IMAGE_LIST=initramfs_tools_list
    IMAGE_CAT=initramfs_tools_cat
}
