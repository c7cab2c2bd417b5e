#!/bin/bash
# make check-lifecycle: the packages' whole life on a Debian 12 tree
# with two kernels (linux-image-amd64 and linux-image-cloud-amd64), in a
# chroot, each step asserted on every kernel's image (lsinitramfs), the units,
# GRUB's files and grubenv, and after purge the file list against the one
# before install (piuparts-style):
#   install -> configure a card -> update-initramfs -u -k all ->
#   vfio-setup cmdline enable (GRUB) and a pending trial -> remove -> purge ->
#   reinstall -> purge -> the previous version with an edited config ->
#   upgrade (</dev/null: no prompt) -> the previous version unmodified -> upgrade.
# The .debs: this tree (git HEAD; LIFECYCLE_SRC=worktree for the working
# tree) and the previous version (LIFECYCLE_OLD_REF, default: the commit
# before the last change of debian/changelog), built with dpkg-buildpackage
# (nocheck; tests/package/build-lib.sh: cached by their source tree). The chroot: tests/system's cached
# Debian 12 tree, plus a cached layer with the second kernel and GRUB's tools
# (grub-mkconfig cannot probe a chroot's root: update-grub is a stub that
# writes the parts vfio-setup reads), under an overlay so each run starts clean.
# Each package lives in its own fresh overlay of the tree: the .deb (above),
# the RPM (lifecycle-rpm.sh: rpm --root on the tree switched to Debian's
# dracut) and the Arch package (lifecycle-arch.sh: pacman --root).
# Env: SYSTEST_CACHE (default /var/cache/vfio-bind-test), SYSTEST_MIRROR,
# LIFECYCLE_KEEP=1 keeps the scratch directory, LIFECYCLE_ONLY="deb rpm arch"
# (any of them; default: deb arch) says which packages live.
# One block: bash reads it whole before running it, so editing this file
# during a run does not change what the run does.
{
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
T0=$(date +%s)
CACHE=${SYSTEST_CACHE:-/var/cache/vfio-bind-test}
if [ "$(id -u)" != 0 ]; then
    echo "lifecycle: needs root (debootstrap, chroot, mount)" >&2
    exit 2
fi
# shellcheck source=tests/system/lib.sh
. "$REPO/tests/system/lib.sh"
# shellcheck source=tests/lib/report.sh
. "$REPO/tests/lib/report.sh"

PARTS=$(echo ${LIFECYCLE_ONLY:-deb arch})
for p in $PARTS; do
    case $p in
    deb | rpm | arch) ;;
    *) echo "lifecycle: LIFECYCLE_ONLY=$PARTS: a list of deb, rpm, arch" >&2; exit 2 ;;
    esac
done
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
LABEL=lifecycle
[ "$PARTS" = "deb arch" ] || LABEL=lifecycle-$(echo "$PARTS" | tr ' ' -)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-bind-lifecycle.XXXXXX")
ROOT=
MOUNTED=
# root_up NAME LOWER: ROOT, a fresh overlay of the tree LOWER (a copy where
# there is no overlayfs) with GRUB's directory on the file system of the
# scratch directory, as on a real /boot (vfio-setup refuses a GRUB trial
# where GRUB cannot clear next_entry: an overlay is one such place), and
# proc, sys and dev mounted.
root_up() {
    local d=$WORK/$1
    ROOT=$d/root
    mkdir -p "$ROOT" "$d/upper" "$d/ovl"
    MOUNTED="$ROOT $MOUNTED"
    if ! mount -t overlay overlay -o "lowerdir=$2,upperdir=$d/upper,workdir=$d/ovl" "$ROOT" 2> /dev/null; then
        echo "lifecycle: no overlayfs here: copying the tree"
        cp -a "$2/." "$ROOT/" || return 1
    fi
    if [ -d "$ROOT/boot/grub" ] && [ "$(stat -f -c %T "$ROOT/boot/grub")" = overlayfs ]; then
        mkdir -p "$d/grub"
        cp -a "$ROOT/boot/grub/." "$d/grub/"
        mount --bind "$d/grub" "$ROOT/boot/grub" || return 1
    fi
    sys_mount "$ROOT"
    KVERS=$(cd "$ROOT/boot" && ls vmlinuz-* | sed 's/^vmlinuz-//' | sort -V)
}
root_down() {
    sys_umount "$1"
    mountpoint -q "$1/boot/grub" && umount -l "$1/boot/grub"
    mountpoint -q "$1" && umount -l "$1"
    return 0
}
finish() {
    for r in $MOUNTED; do root_down "$r"; done
    echo "lifecycle: total $(($(date +%s) - T0)) s"
    if [ "$REPORT_FAILED" = 0 ] && [ -z "${LIFECYCLE_KEEP:-}" ]; then
        rm -rf --one-file-system "$WORK"
    else
        echo "lifecycle: logs kept in $WORK"
    fi
    if report_finish "$LABEL"; then exit 0; else exit 1; fi
}
trap finish EXIT
trap 'exit 130' INT TERM
fatal() { report_fail "$*"; exit 1; }
step() { echo "== $* ($(($(date +%s) - T0)) s)"; }

# ------------------------------------------------------------ the packages
# shellcheck source=tests/package/build-lib.sh
. "$HERE/build-lib.sh"
# shellcheck source=tests/package/layer-lib.sh
. "$HERE/layer-lib.sh"

# ------------------------------------------------------------ the tree
step "the Debian 12 tree"
mkdir -p "$CACHE"
sys_base || fatal "the Debian 12 tree (tests/system/lib.sh)"
lifecycle_layer || fatal "apt-get install $LC_PKGS into the Debian 12 tree"
# ------------------------------------------------------------ helpers
# files FILE: every path of the tree but the kernel's and the package managers' own places.
files() {
    (cd "$ROOT" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o -path ./tmp \
        -o -path ./var/cache -o -path ./var/log -o -path ./var/lib/dpkg -o -path ./var/lib/apt \
        -o -path ./var/lib/rpm -o -path ./var/lib/pacman \) -prune -o -print &&
        find ./boot/grub -mindepth 1) | sort -u > "$1"
}
# images_have PATH... / images_lack PATH...: every kernel's image holds (lacks) each PATH.
# IMAGE_LIST V prints the paths in kernel V's image (lsinitramfs, or
# lsinitrd on the tree switched to dracut); IMAGE_CAT V PATH one file's content.
IMAGE_LIST=initramfs_tools_list
IMAGE_CAT=initramfs_tools_cat
initramfs_tools_list() { in_root lsinitramfs "/boot/initrd.img-$1"; }
dracut_list() {
    in_root lsinitrd "/boot/initrd.img-$1" |
        awk '$1 !~ /^[-dlcbps][-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]$/ { next } $1 ~ /^l/ { print $(NF - 2); next } { print $NF }'
}
dracut_cat() { in_root lsinitrd -f "$2" "/boot/initrd.img-$1"; }
images_check() {
    local want=$1 v p bad=
    shift
    for v in $KVERS; do
        "$IMAGE_LIST" "$v" > "$WORK/ls" 2> /dev/null || { bad="$bad $v:unreadable"; continue; }
        for p in "$@"; do
            if grep -qx -- "$p" "$WORK/ls"; then [ "$want" = have ] || bad="$bad $v:$p"
            else [ "$want" = lack ] || bad="$bad $v:$p"; fi
        done
    done
    [ -z "$bad" ] || { echo "    $want, but:$bad"; return 1; }
}
images_have() { images_check have "$@"; }
images_lack() { images_check lack "$@"; }
# in_image V PATH: PATH's content in kernel V's image, on stdout.
in_image() { "$IMAGE_CAT" "$@"; }
initramfs_tools_cat() {
    rm -rf "$ROOT/tmp/unpack"
    in_root unmkinitramfs "/boot/initrd.img-$1" /tmp/unpack > /dev/null 2>&1
    cat "$ROOT/tmp/unpack/main/$2" 2> /dev/null || cat "$ROOT/tmp/unpack/$2" 2> /dev/null
    rm -rf "$ROOT/tmp/unpack"
}
# dpkg_step NAME ARGS...: dpkg ARGS with no terminal (as apt with </dev/null), its output in $WORK/NAME.log.
dpkg_step() {
    local name=$1
    shift
    in_root dpkg --force-confdef "$@" < /dev/null > "$WORK/$name.log" 2>&1
    local rc=$?
    sed 's/^/     | /' "$WORK/$name.log"
    report_check "$name: dpkg $* exits 0" [ "$rc" = 0 ]
}
status_is() { [ "$(in_root dpkg-query -W -f='${db:Status-Abbrev}' vfio-bind 2> /dev/null | tr -d ' ')" = "$1" ]; }
grubenv_next() { in_root grub-editenv /boot/grub/grubenv list | sed -n 's/^next_entry=//p'; }
image_has_gpu() { in_image "$1" etc/vfio-devices.ini | grep -q '^\[gpu\]'; }
# images_have_installed_vfio_bind: every kernel's image holds the installed binary.
images_have_installed_vfio_bind() {
    local sum v bad=
    sum=$(md5sum < "$ROOT/usr/sbin/vfio-bind")
    for v in $KVERS; do [ "$(in_image "$v" usr/sbin/vfio-bind | md5sum)" = "$sum" ] || bad="$bad $v"; done
    [ -z "$bad" ] || { echo "    an older vfio-bind in:$bad"; return 1; }
}
# before_package: the file list and grub.cfg before a package comes, for
# grub_as_before and same_files.
before_package() {
    files "$WORK/pkg.files.before"
    cp "$ROOT/boot/grub/grub.cfg" "$WORK/pkg.grub.cfg.before"
}
# grub_as_before: GRUB's files as before the package: grub.cfg, no drop-in,
# no custom.cfg, grubenv boots no trial.
grub_as_before() {
    cmp -s "$WORK/pkg.grub.cfg.before" "$ROOT/boot/grub/grub.cfg" || { echo "    grub.cfg differs"; return 1; }
    [ ! -e "$ROOT/etc/default/grub.d/vfio-bind.cfg" ] || { echo "    the drop-in stays"; return 1; }
    [ ! -e "$ROOT/boot/grub/custom.cfg" ] || { echo "    custom.cfg stays"; return 1; }
    [ -z "$(grubenv_next)" ] || { echo "    grubenv: next_entry=$(grubenv_next)"; return 1; }
}
# same_files STEP MANAGER: the file list is the one before_package saw.
same_files() {
    local name
    name=$WORK/$(echo "$1" | tr ' ' -)
    files "$name.after"
    if diff -u "$WORK/pkg.files.before" "$name.after" > "$name.diff"; then
        report_pass "$1: the file list is the one before install ($2 database aside)"
    else
        report_fail "$1: the file list is the one before install ($2 database aside)" "$(grep '^[-+]\.' "$name.diff" | head -n 20)"
    fi
}
OURS="usr/sbin/vfio-bind etc/vfio-devices.ini scripts/init-top/00-vfio-bind etc/modprobe.d/vfio-bind.conf"
CONFIG='[gpu]
address = 0000:2f:00.0
id = 1002:6818
'

# ------------------------------------------------------------ the .deb
life_deb() {
    step "the .debs"
    if [ "${LIFECYCLE_SRC:-head}" = worktree ]; then NEW_REF=worktree; else NEW_REF=HEAD; fi
    pkg_build deb "$NEW_REF" || fatal "dpkg-buildpackage of $NEW_REF"
    NEW_DEB=$PKG
    pkg_build deb "$OLD_REF" old || fatal "dpkg-buildpackage of the previous version ($OLD_REF)"
    OLD_DEB=$PKG
    NEW_V=$(dpkg-deb -f "$NEW_DEB" Version)
    OLD_V=$(dpkg-deb -f "$OLD_DEB" Version)
    report_check "the previous version ($OLD_V, $OLD_REF) is older than this one ($NEW_V)" \
        dpkg --compare-versions "$OLD_V" lt "$NEW_V"
    dpkg-deb -c "$NEW_DEB" | awk '{ print $6 }' > "$WORK/deb.files"
    report_check "the .deb does not ship pacman's hook" sh -c "! grep -q libalpm '$WORK/deb.files'"
    report_check "the .deb ships no /etc/vfio-devices.ini, its example is in the documentation" \
        sh -c "! grep -q '^\./etc/vfio-devices.ini' '$WORK/deb.files' &&
               grep -qx '\./usr/share/doc/vfio-bind/examples/vfio-devices.ini' '$WORK/deb.files'"
    root_up deb "$LAYER/root" || fatal "the scratch tree of the .deb"
    cp "$NEW_DEB" "$ROOT/tmp/new.deb"
    cp "$OLD_DEB" "$ROOT/tmp/old.deb"
    report_check "two kernels installed: $(echo $KVERS)" [ "$(echo "$KVERS" | wc -w)" -ge 2 ]

    # ------------------------------------------------------------ install
    step "install"
    files "$WORK/files.before"
    cp "$ROOT/boot/grub/grub.cfg" "$WORK/grub.cfg.before"
    dpkg_step install -i /tmp/new.deb
    report_check "install: installed (ii)" status_is ii
    report_check "install: no /etc/vfio-devices.ini (not configured), the example in the documentation" \
        sh -c "[ ! -e '$ROOT/etc/vfio-devices.ini' ] && [ -s '$ROOT/usr/share/doc/vfio-bind/examples/vfio-devices.ini' ]"
    report_check "install: not configured, no image rebuilt: no image carries vfio-bind" images_lack usr/sbin/vfio-bind
    report_check "install: vfio-bind.service enabled" [ -L "$ROOT/etc/systemd/system/sysinit.target.wants/vfio-bind.service" ]

    # ------------------------------------------------------------ configure
    step "configure a card, update-initramfs -u -k all"
    printf '%s' "$CONFIG" > "$ROOT/etc/vfio-devices.ini"
    in_root update-initramfs -u -k all > "$WORK/update-initramfs.log" 2>&1
    report_check "configure: update-initramfs -u -k all" [ $? = 0 ]
    report_check "configure: every kernel's image claims the card" images_have $OURS
    v1=$(echo "$KVERS" | head -n1)
    report_check "configure: the image of $v1 (not the newest) carries the [gpu] section" image_has_gpu "$v1"

    # ------------------------------------------------------------ cmdline enable + trial
    step "vfio-setup cmdline enable (GRUB), and a pending trial"
    in_root vfio-setup cmdline enable --iommu-pt > "$WORK/enable.log" 2>&1
    rc=$?
    sed 's/^/     | /' "$WORK/enable.log"
    report_check "enable: vfio-setup cmdline enable --iommu-pt exits 0" [ "$rc" = 0 ]
    report_check "enable: GRUB's drop-in and the regenerated grub.cfg carry iommu=pt" \
        sh -c "grep -q iommu=pt '$ROOT/etc/default/grub.d/vfio-bind.cfg' && grep -q 'linux.*iommu=pt' '$ROOT/boot/grub/grub.cfg'"
    in_root vfio-setup cmdline enable --trial --add video=efifb:off > "$WORK/trial.log" 2>&1
    rc=$?
    sed 's/^/     | /' "$WORK/trial.log"
    report_check "trial: vfio-setup cmdline enable --trial exits 0" [ "$rc" = 0 ]
    report_check "trial: custom.cfg holds the trial entry, grubenv boots it once" \
        sh -c "grep -q vfio-bind-trial '$ROOT/boot/grub/custom.cfg' && [ \"\$(chroot '$ROOT' grub-editenv /boot/grub/grubenv list | sed -n 's/^next_entry=//p')\" = vfio-bind-trial ]"
    files "$WORK/files.configured"

    # ------------------------------------------------------------ remove
    step "remove"
    dpkg_step remove -r vfio-bind
    report_check "remove: config-files state (rc)" status_is rc
    report_check "remove: every kernel's image rebuilt without vfio-bind" images_lack $OURS
    report_check "remove: the trial is cancelled (no next_entry, no trial entry)" \
        sh -c "[ -z \"\$(chroot '$ROOT' grub-editenv /boot/grub/grubenv list | sed -n 's/^next_entry=//p')\" ] &&
               ! grep -qs vfio-bind-trial '$ROOT/boot/grub/custom.cfg'"
    report_check "remove: the kernel parameters stay, and the output says so and how to undo them" \
        sh -c "grep -q iommu=pt '$ROOT/etc/default/grub.d/vfio-bind.cfg' && grep -q 'stay in the boot loader' '$WORK/remove.log' &&
               grep -q 'purge' '$WORK/remove.log'"
    report_check "remove: the config stays (purge removes it)" [ -e "$ROOT/etc/vfio-devices.ini" ]

    # ------------------------------------------------------------ purge
    step "purge"
    dpkg_step purge -P vfio-bind
    report_check "purge: not installed" sh -c "! chroot '$ROOT' dpkg-query -W vfio-bind > /dev/null 2>&1 || chroot '$ROOT' dpkg-query -W -f='\${db:Status-Abbrev}' vfio-bind | grep -q '^un'"
    report_check "purge: GRUB's drop-in gone, grub.cfg regenerated without iommu=pt" \
        sh -c "[ ! -e '$ROOT/etc/default/grub.d/vfio-bind.cfg' ] && ! grep -q iommu=pt '$ROOT/boot/grub/grub.cfg'"
    report_check "purge: grub.cfg as before install" cmp -s "$WORK/grub.cfg.before" "$ROOT/boot/grub/grub.cfg"
    report_check "purge: grubenv boots no trial" [ -z "$(grubenv_next)" ]
    files "$WORK/files.purged"
    if diff -u "$WORK/files.before" "$WORK/files.purged" > "$WORK/files.diff"; then
        report_pass "purge: the file list is the one before install (piuparts-style)"
    else
        report_fail "purge: the file list is the one before install (piuparts-style)" "$(grep '^[-+]\.' "$WORK/files.diff" | head -n 20)"
    fi
    report_check "purge: every kernel's image without vfio-bind" images_lack $OURS

    # ------------------------------------------------------------ reinstall
    step "reinstall"
    dpkg_step reinstall -i /tmp/new.deb
    report_check "reinstall: no state of the previous install ('cmdline status' does not say enabled)" \
        sh -c "[ ! -e '$ROOT/var/lib/vfio-bind/cmdline.state' ] && ! chroot '$ROOT' vfio-setup cmdline status 2>&1 | grep -qi 'enabled by vfio-setup'"
    report_check "reinstall: not configured" [ ! -e "$ROOT/etc/vfio-devices.ini" ]
    dpkg_step "purge again" -P vfio-bind

    # ------------------------------------------------------------ upgrade, edited config
    step "upgrade from $OLD_V with an edited config"
    dpkg_step "install $OLD_V" -i /tmp/old.deb
    printf '%s' "$CONFIG" >> "$ROOT/etc/vfio-devices.ini"
    cp "$ROOT/etc/vfio-devices.ini" "$WORK/edited.ini"
    dpkg_step "upgrade (edited config)" -i /tmp/new.deb
    no_prompt() { status_is ii && ! grep -q 'conffile prompt' "$WORK/upgrade (edited config).log"; }
    report_check "upgrade (edited config): installed (ii), no conffile prompt" no_prompt
    report_check "upgrade (edited config): the edited config untouched" cmp -s "$WORK/edited.ini" "$ROOT/etc/vfio-devices.ini"
    report_check "upgrade (edited config): every kernel's image claims the card" images_have $OURS
    report_check "upgrade (edited config): every kernel's image has the new vfio-bind" images_have_installed_vfio_bind
    dpkg_step "purge after upgrade" -P vfio-bind

    # ------------------------------------------------------------ upgrade, unmodified example
    step "upgrade from $OLD_V with the example untouched"
    dpkg_step "install $OLD_V (example)" -i /tmp/old.deb
    dpkg_step "upgrade (example)" -i /tmp/new.deb
    report_check "upgrade (example): the unmodified example /etc/vfio-devices.ini removed" [ ! -e "$ROOT/etc/vfio-devices.ini" ]
    report_check "upgrade (example): no image carries vfio-bind" images_lack usr/sbin/vfio-bind etc/vfio-devices.ini
    dpkg_step "final purge" -P vfio-bind
    files "$WORK/files.final"
    report_check "final purge: the file list is the one before install" cmp -s "$WORK/files.before" "$WORK/files.final"
    root_down "$ROOT"
}

# ------------------------------------------------------------ the lives
OLD_REF=$(pkg_old_ref)
# shellcheck source=tests/package/lifecycle-rpm.sh
. "$HERE/lifecycle-rpm.sh"
# shellcheck source=tests/package/lifecycle-arch.sh
. "$HERE/lifecycle-arch.sh"
part deb && life_deb
part rpm && life_rpm
part arch && life_arch
exit 0
}
