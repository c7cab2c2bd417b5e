#!/bin/bash
# make check-lifecycle: the Debian package's whole life on a Debian 12 tree
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
# (nocheck) and cached by their git tree (tests/ left out). The chroot: tests/system's cached
# Debian 12 tree, plus a cached layer with the second kernel and GRUB's tools
# (grub-mkconfig cannot probe a chroot's root: update-grub is a stub that
# writes the parts vfio-setup reads), under an overlay so each run starts clean.
# Env: SYSTEST_CACHE (default /var/cache/vfio-bind-test), SYSTEST_MIRROR,
# LIFECYCLE_KEEP=1 keeps the scratch directory, LIFECYCLE_RPM=1 adds the RPM.
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

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-bind-lifecycle.XXXXXX")
ROOT=$WORK/root
finish() {
    sys_umount "$ROOT"
    mountpoint -q "$ROOT/boot/grub" && umount -l "$ROOT/boot/grub"
    mountpoint -q "$ROOT" && umount -l "$ROOT"
    echo "lifecycle: total $(($(date +%s) - T0)) s"
    if [ "$REPORT_FAILED" = 0 ] && [ -z "${LIFECYCLE_KEEP:-}" ]; then
        rm -rf --one-file-system "$WORK"
    else
        echo "lifecycle: logs kept in $WORK"
    fi
    if report_finish lifecycle; then exit 0; else exit 1; fi
}
trap finish EXIT
trap 'exit 130' INT TERM
fatal() { report_fail "$*"; exit 1; }
step() { echo "== $* ($(($(date +%s) - T0)) s)"; }

# ------------------------------------------------------------ the .debs
# tree_key REF: what a package is built from, tests/ left out (a package build
# with nocheck reads none of it): a change to the tests reuses the packages.
tree_key() {
    git -C "$REPO" ls-tree "$1" > "$WORK/tree" || return 1
    awk -F '\t' '$2 != "tests"' "$WORK/tree" | sha1sum | cut -c1-40
}
# build_deb REF|worktree: the .deb's path in DEB (cached by tree_key).
build_deb() {
    local ref=$1 key='' out src log
    [ "$ref" = worktree ] || key=$(tree_key "$ref") || return 1
    out=$CACHE/lifecycle-debs/${key:-worktree}
    if [ -n "$key" ]; then
        for DEB in "$out"/vfio-bind_*.deb; do [ -f "$DEB" ] && { echo "lifecycle: cached $DEB"; return 0; }; done
    fi
    src=$WORK/src-${key:-worktree}/vfio-bind
    log=$WORK/build-${key:-worktree}.log
    mkdir -p "$src"
    if [ "$ref" = worktree ]; then
        tar -C "$REPO" -c --exclude=./build --exclude=./.git --exclude='./debian/vfio-bind' . | tar -x -C "$src"
    else
        git -C "$REPO" archive "$ref" | tar -x -C "$src"
    fi
    echo "lifecycle: dpkg-buildpackage of $ref"
    if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) > "$log" 2>&1; then
        tail -n 20 "$log"
        return 1
    fi
    rm -rf "$out" && mkdir -p "$out"
    for DEB in "$src"/../vfio-bind_*.deb; do cp "$DEB" "$out/"; DEB=$out/$(basename "$DEB"); done
}

step "the .debs"
if [ "${LIFECYCLE_SRC:-head}" = worktree ]; then NEW_REF=worktree; else NEW_REF=HEAD; fi
build_deb "$NEW_REF" || fatal "dpkg-buildpackage of $NEW_REF"
NEW_DEB=$DEB
OLD_REF=${LIFECYCLE_OLD_REF:-$(git -C "$REPO" log -1 --format=%H -- debian/changelog)~1}
build_deb "$OLD_REF" || fatal "dpkg-buildpackage of the previous version ($OLD_REF)"
OLD_DEB=$DEB
NEW_V=$(dpkg-deb -f "$NEW_DEB" Version)
OLD_V=$(dpkg-deb -f "$OLD_DEB" Version)
report_check "the previous version ($OLD_V, $OLD_REF) is older than this one ($NEW_V)" \
    dpkg --compare-versions "$OLD_V" lt "$NEW_V"
dpkg-deb -c "$NEW_DEB" | awk '{ print $6 }' > "$WORK/deb.files"
report_check "the .deb does not ship pacman's hook" sh -c "! grep -q libalpm '$WORK/deb.files'"
report_check "the .deb ships no /etc/vfio-devices.ini, its example is in the documentation" \
    sh -c "! grep -q '^\./etc/vfio-devices.ini' '$WORK/deb.files' &&
           grep -qx '\./usr/share/doc/vfio-bind/examples/vfio-devices.ini' '$WORK/deb.files'"

# ------------------------------------------------------------ the tree
step "the Debian 12 tree"
mkdir -p "$CACHE"
sys_base || fatal "the Debian 12 tree (tests/system/lib.sh)"
LC_PKGS="linux-image-cloud-amd64 grub-common grub2-common libisal2"
LAYER=$CACHE/lifecycle-$(printf '%s\n' "$BASE" "$LC_PKGS" lifecycle-v1 | sha256sum | cut -c1-16)
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
if [ -e "$LAYER/done" ]; then
    echo "lifecycle: cached layer $LAYER"
else
    echo "lifecycle: the second kernel and GRUB's tools into $LAYER (cached for the next runs)"
    make_layer || fatal "apt-get install $LC_PKGS into the Debian 12 tree"
fi
ROOT=$WORK/root
mkdir -p "$ROOT" "$WORK/upper" "$WORK/ovl"
if ! mount -t overlay overlay -o "lowerdir=$LAYER/root,upperdir=$WORK/upper,workdir=$WORK/ovl" "$ROOT" 2> /dev/null; then
    echo "lifecycle: no overlayfs here: copying the tree"
    cp -a "$LAYER/root/." "$ROOT/" || fatal "copy of $LAYER/root"
fi
# GRUB's directory on the file system of the scratch directory, as on a real
# /boot: vfio-setup refuses a GRUB trial where GRUB cannot clear next_entry
# (an overlay is one such place).
if [ "$(stat -f -c %T "$ROOT/boot/grub")" = overlayfs ]; then
    mkdir -p "$WORK/grub"
    cp -a "$ROOT/boot/grub/." "$WORK/grub/"
    mount --bind "$WORK/grub" "$ROOT/boot/grub" || fatal "mount --bind $WORK/grub $ROOT/boot/grub"
fi
sys_mount "$ROOT"
cp "$NEW_DEB" "$ROOT/tmp/new.deb"
cp "$OLD_DEB" "$ROOT/tmp/old.deb"
KVERS=$(cd "$ROOT/boot" && ls vmlinuz-* | sed 's/^vmlinuz-//' | sort -V)
report_check "two kernels installed: $(echo $KVERS)" [ "$(echo "$KVERS" | wc -w)" -ge 2 ]

# ------------------------------------------------------------ helpers
# files FILE: every path of the tree but the kernel's and dpkg's own places.
files() {
    (cd "$ROOT" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./run -o -path ./tmp \
        -o -path ./var/cache -o -path ./var/log -o -path ./var/lib/dpkg -o -path ./var/lib/apt \) -prune -o -print &&
        find ./boot/grub -mindepth 1) | sort -u > "$1"
}
# images_have PATH... / images_lack PATH...: every kernel's image holds (lacks) each PATH.
images_check() {
    local want=$1 v p bad=
    shift
    for v in $KVERS; do
        in_root lsinitramfs "/boot/initrd.img-$v" > "$WORK/ls" 2> /dev/null || { bad="$bad $v:unreadable"; continue; }
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
in_image() {
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
OURS="usr/sbin/vfio-bind etc/vfio-devices.ini scripts/init-top/00-vfio-bind etc/modprobe.d/vfio-bind.conf"
CONFIG='[gpu]
address = 0000:2f:00.0
id = 1002:6818
'

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
image_has_gpu() { in_image "$1" etc/vfio-devices.ini | grep -q '^\[gpu\]'; }
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
sum=$(md5sum < "$ROOT/usr/sbin/vfio-bind")
bad=
for v in $KVERS; do [ "$(in_image "$v" usr/sbin/vfio-bind | md5sum)" = "$sum" ] || bad="$bad $v"; done
report_check "upgrade (edited config): every kernel's image has the new vfio-bind${bad:+ (not:$bad)}" [ -z "$bad" ]
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

# ------------------------------------------------------------ the RPM
# Debian's rpm installs the RPM into the same tree (rpm --root runs the
# scriptlets chrooted there), switched to Debian's dracut, which the RPM
# works with (/usr/lib/dracut/modules.d). Off unless LIFECYCLE_RPM=1: it
# builds the RPM and dracut images and has not yet passed a whole run.
[ "${LIFECYCLE_RPM:-0}" = 1 ] || exit 0
step "the RPM: rpm -i / -e with rpm --root on the tree switched to dracut"
key=$(tree_key HEAD)
RPMOUT=$CACHE/lifecycle-rpms/$key
RPM=$(ls "$RPMOUT"/RPMS/*/vfio-bind-[0-9]*.rpm 2> /dev/null | head -n1)
if [ -z "$RPM" ]; then
    rm -rf "$RPMOUT"
    "$REPO/rpm/build-on-debian.sh" "$RPMOUT" --without check > "$WORK/rpm-build.log" 2>&1 ||
        { tail -n 20 "$WORK/rpm-build.log"; fatal "rpm/build-on-debian.sh"; }
    RPM=$(ls "$RPMOUT"/RPMS/*/vfio-bind-[0-9]*.rpm | head -n1)
fi
mkdir -p "$ROOT/tmp/dracut-debs"
cp "$BASE"/debs/dracut/*.deb "$ROOT/tmp/dracut-debs/"
in_root sh -c 'apt-get install -y -q --no-install-recommends /tmp/dracut-debs/*.deb' > "$WORK/dracut.log" 2>&1
report_check "rpm: Debian's dracut replaces initramfs-tools" sh -c "! chroot '$ROOT' sh -c 'command -v update-initramfs' > /dev/null"
rm -rf "$ROOT/tmp/dracut-debs"
rpm_images_check() {
    local want=$1 v p bad=''
    shift
    for v in $KVERS; do
        in_root lsinitrd "/boot/initrd.img-$v" > "$WORK/ls" 2> /dev/null || { bad="$bad $v:unreadable"; continue; }
        for p in "$@"; do
            if grep -q " $p\$" "$WORK/ls"; then [ "$want" = have ] || bad="$bad $v:$p"
            else [ "$want" = lack ] || bad="$bad $v:$p"; fi
        done
    done
    [ -z "$bad" ] || { echo "    $want, but:$bad"; return 1; }
}
rpm_step() {
    local name=$1
    shift
    rpm --root "$ROOT" --dbpath /var/lib/rpm --nodeps "$@" < /dev/null > "$WORK/$name.log" 2>&1
    local rc=$?
    sed 's/^/     | /' "$WORK/$name.log"
    report_check "$name: rpm $* exits 0" [ "$rc" = 0 ]
}
rpm --root "$ROOT" --dbpath /var/lib/rpm --initdb
files "$WORK/rpm.before"
printf '%s' "$CONFIG" > "$ROOT/etc/vfio-devices.ini"
rpm_step "rpm install (configured machine)" -i "$RPM"
report_check "rpm install: %posttrans rebuilt every kernel's image with vfio-bind" \
    rpm_images_check have usr/sbin/vfio-bind etc/vfio-devices.ini
in_root vfio-setup cmdline enable --iommu-pt > "$WORK/rpm-enable.log" 2>&1
report_check "rpm: vfio-setup cmdline enable --iommu-pt (GRUB drop-in)" grep -qs iommu=pt "$ROOT/etc/default/grub.d/vfio-bind.cfg"
rpm_step "rpm erase" -e vfio-bind
report_check "rpm erase: %preun undid vfio-setup (drop-in gone, grub.cfg without iommu=pt)" \
    sh -c "[ ! -e '$ROOT/etc/default/grub.d/vfio-bind.cfg' ] && ! grep -q iommu=pt '$ROOT/boot/grub/grub.cfg'"
report_check "rpm erase: %postun rebuilt every kernel's image without vfio-bind" rpm_images_check lack usr/sbin/vfio-bind
report_check "rpm erase: the config stays, vfio-setup's state is gone" \
    sh -c "[ -e '$ROOT/etc/vfio-devices.ini' ] && [ ! -e '$ROOT/var/lib/vfio-bind' ]"
rm -f "$ROOT/etc/vfio-devices.ini"
files "$WORK/rpm.after"
if diff -u "$WORK/rpm.before" "$WORK/rpm.after" | grep -v '^[-+]\./var/lib/rpm' | grep '^[-+]\.' > "$WORK/rpm.diff"; then
    report_fail "rpm erase: the file list is the one before install (apart from rpm's database)" "$(head -n 20 "$WORK/rpm.diff")"
else
    report_pass "rpm erase: the file list is the one before install (apart from rpm's database)"
fi
exit 0
