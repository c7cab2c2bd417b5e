#!/bin/bash
# make check-packages: the RPM and the Arch package, built here with
# Debian's rpm and makepkg (arch/build-on-debian.sh, rpm/build-on-debian.sh),
# and what each one installs: its generator's integration and none of the
# others', its own hooks, the config as a config file. (The .deb is built,
# linted and installed by the whole-system test.)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/report.sh
. "$REPO/tests/lib/report.sh"
# shellcheck source=tests/package/build-lib.sh
. "$HERE/build-lib.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/vfio-bind-packages.XXXXXX")
trap 'rm -rf "$W"' EXIT
# The packages of git HEAD, shared with check-lifecycle (build-lib.sh).
CACHE=${SYSTEST_CACHE:-/var/cache/vfio-bind-test} WORK=$W
[ "$(id -u)" = 0 ] || CACHE=$W/cache

# has LIST PATH... / lacks LIST PATH...: every PATH is (is not) in LIST.
has() {
    local list=$1 p missing=
    shift
    for p in "$@"; do grep -qx -- "$p" "$list" || missing="$missing $p"; done
    [ -z "$missing" ] || { echo "    missing:$missing"; return 1; }
}
lacks() {
    local list=$1 p found=
    shift
    for p in "$@"; do grep -q -- "$p" "$list" && found="$found $p"; done
    [ -z "$found" ] || { echo "    has:$found"; return 1; }
}

# ------------------------------------------------------------ Arch
if pkg_build arch HEAD; then
    report_pass "makepkg builds $(basename "$PKG") from arch/PKGBUILD"
    bsdtar -tf "$PKG" | sed 's|/$||' | sort > "$W/arch.files"
    bsdtar -xOf "$PKG" .PKGINFO > "$W/arch.pkginfo"
    report_check "Arch: the tools in /usr/bin (Arch has no /usr/sbin of its own)" \
        has "$W/arch.files" usr/bin/vfio-bind usr/bin/vfio-setup usr/bin/vfio-initrd-check
    report_check "Arch: mkinitcpio's install and runtime hooks, and the unit for systemd-hook images" \
        has "$W/arch.files" usr/lib/initcpio/install/vfio-bind usr/lib/initcpio/hooks/vfio-bind \
        usr/lib/initcpio/vfio-bind-initrd.service
    report_check "Arch: the dracut module (dracut is in Arch too) and the pacman hook" \
        has "$W/arch.files" usr/lib/dracut/modules.d/90vfio-bind/module-setup.sh \
        usr/share/libalpm/hooks/95-vfio-initrd-check.hook usr/lib/systemd/system/vfio-bind.service \
        usr/lib/systemd/system/vfio-bind-confirm.service
    report_check "Arch: no Debian hooks, no /usr/sbin" lacks "$W/arch.files" '^usr/sbin' initramfs-tools '^etc/kernel' '^etc/initramfs'
    report_check "Arch: no /etc/vfio-devices.ini (not configured), the example in the documentation" \
        sh -c "! grep -q '^etc/vfio-devices.ini' '$W/arch.files' && grep -qx usr/share/doc/vfio-bind/examples/vfio-devices.ini '$W/arch.files'"
    report_check "Arch: the install script rebuilds every image (mkinitcpio -P) and undoes vfio-setup before removal" \
        sh -c "bsdtar -xOf '$PKG' .INSTALL | grep -q 'mkinitcpio -P' && bsdtar -xOf '$PKG' .INSTALL | grep -q 'cmdline disable'"
    report_check "Arch: mkinitcpio and dracut are optional, never required" \
        sh -c "grep -q '^optdepend = mkinitcpio' '$W/arch.pkginfo' && ! grep -Eq '^depend = (mkinitcpio|dracut)' '$W/arch.pkginfo'"
else
    report_fail "makepkg builds the Arch package (its log above)"
fi

# ------------------------------------------------------------ RPM
# --without check: make check runs the tests.
if pkg_build rpm HEAD; then
    RPM=$PKG
    report_pass "rpmbuild builds $(basename "$RPM") from rpm/vfio-bind.spec"
    rpm -qlp "$RPM" 2> /dev/null | sed 's|^/||' | sort > "$W/rpm.files"
    report_check "RPM: the tools, the dracut module, the kernel-install plugin" \
        has "$W/rpm.files" usr/sbin/vfio-bind usr/lib/dracut/modules.d/90vfio-bind/module-setup.sh \
        usr/lib/kernel/install.d/60-vfio-initrd-check.install
    report_check "RPM: no initramfs-tools, mkinitcpio, Debian or pacman hooks" \
        lacks "$W/rpm.files" initramfs-tools initcpio '^etc/kernel' libalpm
    report_check "RPM: /etc/vfio-devices.ini owned but not shipped (%ghost %config(noreplace)), the example in the documentation" \
        sh -c "rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' '$RPM' 2>/dev/null |
                   awk '\$2 == \"/etc/vfio-devices.ini\" && /c/ && /g/ && /n/ { ok = 1 } END { exit !ok }' &&
               grep -Eqx 'usr/share/doc/vfio-bind(-[0-9.]+)?/examples/vfio-devices.ini' '$W/rpm.files'"
    rpm -qp --scripts "$RPM" > "$W/rpm.scripts" 2> /dev/null
    report_check "RPM: posttrans and postun rebuild every image (dracut --regenerate-all -f), preun undoes vfio-setup" \
        sh -c "grep -q '^posttrans scriptlet' '$W/rpm.scripts' && [ \$(grep -c 'dracut --regenerate-all -f ||' '$W/rpm.scripts') -ge 2 ] &&
               grep -q 'vfio-setup cmdline disable' '$W/rpm.scripts'"
else
    report_fail "rpmbuild builds the RPM (its log above)"
fi
report_finish packages
