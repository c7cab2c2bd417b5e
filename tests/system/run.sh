#!/bin/bash
# The whole-system test (make check-system): what a user of the Debian package
# gets, end to end.
#   1. build the .deb from this tree (dpkg-buildpackage, unit tests skipped:
#      make check runs them) and lint it;
#   2. debootstrap a minimal Debian 12 with linux-image-amd64, dracut and
#      systemd (cached between runs, keyed by the package list and mirror);
#   3. install the .deb in it with apt: its trigger makes dracut rebuild the
#      initramfs; write a config for the emulated Radeon and let
#      vfio-initrd-check --fix rebuild it (the documented way);
#   4. make an ext4 disk image of the tree and boot it in QEMU (q35 +
#      intel-iommu, TCG) to the real root with systemd; a oneshot unit in the
#      image writes the state to the second serial port and powers off;
#   5. "kernel update": reinstall the kernel package in the tree, show that
#      the package's postinst.d hook ran vfio-initrd-check on the new image;
#   6. edit the config without rebuilding: vfio-initrd-check reports the
#      stale initramfs with the command that fixes it, and --fix fixes it.
# Each check prints PASS/FAIL; the last line is "N passed, M failed".
# Env: SYSTEST_CACHE (default /var/cache/vfio-bind-test), SYSTEST_MIRROR,
# SYSTEST_DEB (use this .deb instead of building one), SYSTEST_SRC=worktree
# (package the working tree, not git HEAD), SYSTEST_KEEP=1 keeps
# the scratch directory, VM_TIMEOUT (seconds, default 900).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
T0=$(date +%s)
CACHE=${SYSTEST_CACHE:-/var/cache/vfio-bind-test}

if [ "$(id -u)" != 0 ]; then
    echo "system: needs root (debootstrap, chroot)" >&2
    exit 2
fi

# shellcheck source=tests/system/lib.sh
. "$HERE/lib.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-bind-system.XXXXXX")
ROOT=$WORK/root
# shellcheck source=tests/lib/report.sh
. "$HERE/../lib/report.sh"
pass() { report_pass "$*"; }
fail() { report_fail "$*"; }
# check "description" command...: PASS when the command succeeds.
check() { report_check "$@"; }
step() { echo "== $* ($(($(date +%s) - T0)) s)"; }
# Indented excerpt of a log for the reader.
show() { sed 's/^/     /' "$@"; }

finish() {
    sys_umount "$ROOT"
    echo "system: total $(($(date +%s) - T0)) s"
    if [ "$REPORT_FAILED" = 0 ] && [ -z "${SYSTEST_KEEP:-}" ]; then
        rm -rf --one-file-system "$WORK"
    else
        echo "system: logs kept in $WORK"
    fi
    # An explicit status: a bare exit in an EXIT trap keeps the script's own.
    if report_finish; then exit 0; else exit 1; fi
}
trap finish EXIT
trap 'exit 130' INT TERM
# A failure that makes the rest meaningless.
fatal() { fail "$*"; exit 1; }

# ------------------------------------------------------------ 1. the package
step "1. the .deb"
if [ -n "${SYSTEST_DEB:-}" ]; then
    DEB=$(readlink -f "$SYSTEST_DEB")
    [ -f "$DEB" ] || fatal "SYSTEST_DEB=$SYSTEST_DEB does not exist"
    echo "system: using $DEB"
else
    # Built from a copy (dpkg-buildpackage cleans the tree it runs in): the
    # committed tree (git HEAD), or the working tree with SYSTEST_SRC=worktree
    # or without git.
    SRC=$WORK/src/vfio-bind
    mkdir -p "$SRC"
    if [ "${SYSTEST_SRC:-head}" = head ] && git -C "$REPO" rev-parse -q --verify HEAD > /dev/null 2>&1; then
        echo "system: building the package from git HEAD $(git -C "$REPO" rev-parse --short HEAD)"
        git -C "$REPO" archive HEAD | tar -x -C "$SRC"
    else
        echo "system: building the package from the working tree"
        tar -C "$REPO" -c --exclude=./build --exclude=./.git --exclude='./crash-*' --exclude='./debian/vfio-bind' . | tar -x -C "$SRC"
    fi
    t=$(date +%s)
    if (cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) > "$WORK/deb-build.log" 2>&1; then
        for DEB in "$WORK"/src/vfio-bind_*_*.deb; do case $DEB in *dbgsym*) ;; *) break ;; esac; done
        pass "dpkg-buildpackage -us -uc -b builds $(basename "$DEB") ($(($(date +%s) - t)) s)"
    else
        tail -n 30 "$WORK/deb-build.log" | show
        fatal "dpkg-buildpackage -us -uc -b (see $WORK/deb-build.log)"
    fi
    lintian --fail-on error "$WORK"/src/vfio-bind_*.changes > "$WORK/lintian.log" 2>&1
    rc=$?
    show "$WORK/lintian.log"
    check "lintian: no errors" [ "$rc" = 0 ]
fi

# ------------------------------------------------------------ 2. Debian 12
step "2. Debian 12 tree"
mkdir -p "$CACHE"
sys_base || fatal "debootstrap + apt-get install $SYS_PKGS"
cp -a "$BASE/root" "$ROOT"
KDEB=$(ls "$BASE"/debs/linux-image-[0-9]*.deb | head -n1)
KVER=$(basename "$KDEB" | sed 's/^linux-image-\(.*\)_[^_]*_[^_]*\.deb$/\1/')
[ -e "$ROOT/boot/vmlinuz-$KVER" ] || fatal "kernel $KVER is not in the tree"
echo "system: kernel $KVER"

# The test's own pieces of the machine (not the package's): root on the
# virtio disk, and a oneshot unit that reports on ttyS1 once booted.
echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" > "$ROOT/etc/fstab"
install -D -m 0755 "$HERE/report.sh" "$ROOT/usr/local/sbin/vfio-systest-report"
cat > "$ROOT/etc/systemd/system/vfio-systest.service" <<'EOF'
[Unit]
Description=vfio-bind whole-system test report
After=vfio-bind.service systemd-udev-trigger.service systemd-journald.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/vfio-systest-report
TimeoutStartSec=600

[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/vfio-systest.service "$ROOT/etc/systemd/system/multi-user.target.wants/"
# No getty: nothing logs in.
systemctl --root "$ROOT" mask -q getty@tty1.service serial-getty@ttyS0.service 2>/dev/null || true

sys_mount "$ROOT"

# ------------------------------------------------------------ 3. install
step "3. apt-get install the .deb"
cp "$DEB" "$ROOT/tmp/"
in_root apt-get install -y --no-install-recommends "/tmp/$(basename "$DEB")" > "$WORK/install.log" 2>&1
rc=$?
grep -E 'vfio-bind|dracut|trigger' "$WORK/install.log" | show
check "apt-get install ./$(basename "$DEB") (offline: dependencies already in Debian's minimal system)" [ "$rc" = 0 ]
check "its trigger made dracut rebuild /boot/initrd.img-$KVER" \
    grep -q "dracut: Generating /boot/initrd.img-$KVER" "$WORK/install.log"
check "/etc/vfio-devices.ini is a conffile" \
    sh -c "chroot '$ROOT' dpkg-query -W -f='\${Conffiles}' vfio-bind | grep -q '/etc/vfio-devices.ini'"
check "vfio-bind.service is enabled (not started)" \
    [ "$(in_root systemctl is-enabled vfio-bind.service 2>&1)" = enabled ]
check "man vfio-devices.ini(5) is installed" [ -e "$ROOT/usr/share/man/man5/vfio-devices.ini.5.gz" ]
in_root vfio-initrd-check > "$WORK/check0.log" 2>&1
rc=$?
show "$WORK/check0.log"
check "vfio-initrd-check with the shipped config (claims nothing): all good" [ "$rc" = 0 ]

# The emulated Radeon: -device ati-vga,model=rv100 at 00:04.0 is 1002:5159.
cat > "$ROOT/etc/vfio-devices.ini" <<'EOF'
; whole-system test: the emulated Radeon (QEMU ati-vga, model rv100)
[options]
group = yes
boot_vga = no

[guest-gpu]
address = 0000:00:04.0
id = 1002:5159
EOF
in_root vfio-initrd-check > "$WORK/check1.log" 2>&1
rc=$?
show "$WORK/check1.log"
check "config written, image not rebuilt yet: vfio-initrd-check says so (exit 1)" [ "$rc" = 1 ]
t=$(date +%s)
in_root vfio-initrd-check --fix > "$WORK/fix1.log" 2>&1
rc=$?
show "$WORK/fix1.log"
check "vfio-initrd-check --fix rebuilds it with dracut, then all good ($(($(date +%s) - t)) s)" [ "$rc" = 0 ]

# ------------------------------------------------------------ 4. boot
step "4. disk image and boot"
cp "$ROOT/boot/vmlinuz-$KVER" "$ROOT/boot/initrd.img-$KVER" "$WORK/"
sys_umount "$ROOT"
if grep -q " $ROOT/" /proc/mounts; then fatal "$ROOT still has mounts"; fi
rm -f "$ROOT"/tmp/*.deb
IMG=$WORK/disk.img
truncate -s 2G "$IMG"
t=$(date +%s)
mkfs.ext4 -q -F -L systest -d "$ROOT" "$IMG" > "$WORK/mkfs.log" 2>&1 || { show "$WORK/mkfs.log"; fatal "mkfs.ext4 -d"; }
echo "system: ext4 image in $(($(date +%s) - t)) s"

t=$(date +%s)
timeout "${VM_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -M q35,kernel-irqchip=split \
    -device intel-iommu,intremap=on -m 1024 -smp 1 -nodefaults -display none -no-reboot \
    -kernel "$WORK/vmlinuz-$KVER" -initrd "$WORK/initrd.img-$KVER" \
    -append "root=/dev/vda rw console=ttyS0,115200 intel_iommu=on panic=10 rd.shell=0 rd.emergency=reboot systemd.unit=multi-user.target systemd.show_status=1 drm_kms_helper.fbdev_emulation=0" \
    -device VGA,addr=01.0 -device ati-vga,model=rv100,addr=04.0 \
    -drive file="$IMG",format=raw,if=none,id=root,cache=unsafe -device virtio-blk-pci,drive=root,addr=06.0 \
    -serial "file:$WORK/console.log" -serial "file:$WORK/report.log" > "$WORK/qemu.log" 2>&1
rc=$?
BOOT_S=$(($(date +%s) - t))
sed -i 's/\r$//' "$WORK/report.log" "$WORK/console.log" 2>/dev/null
R=$WORK/report.log
echo "system: QEMU exited with $rc after $BOOT_S s"
if ! grep -q '^SYSTEST-END' "$R" 2>/dev/null; then
    tail -n 40 "$WORK/console.log" | show
    fatal "booted to the real root and reported (no report: qemu rc $rc, 124 = timeout)"
fi
pass "booted to the real root with systemd and reported ($BOOT_S s; report at $(awk '$1 == "uptime" { print $2 }' "$R") s uptime)"
grep -E '^(pid1|state|dev|vfio|journal|setup-rc|check-rc|unit) ' "$R" | show

field() { awk -v a="$1" -v f="$2" '$1 == "dev" && $2 == a { print $f }' "$R"; }
check "PID 1 on the real root is systemd" grep -q '^pid1 .*systemd$' "$R"
check "the Radeon 0000:00:04.0 (1002:5159) is bound to vfio-pci" [ "$(field 0000:00:04.0 4)" = vfio-pci ]
check "the boot display 0000:00:01.0 is not" [ "$(field 0000:00:01.0 4)" != vfio-pci ]
G=$(field 0000:00:04.0 5)
check "/dev/vfio/$G exists (the Radeon's IOMMU group)" grep -qx "vfio /dev/vfio/$G" "$R"
check "claimed in the initramfs (vfio-bind-initrd.service) before the real root" \
    grep -Eq '^journal .*vfio-bind-initrd.*|^journal .*vfio-bind\[[0-9]+\]: 0000:00:04\.0 1002:5159 group [0-9]+: claimed by vfio-pci' "$R"
check "vfio-bind.service on the real root succeeded (found it claimed)" grep -qx 'unit vfio-bind.service active 0' "$R"
sed -n 's/^setup //p' "$R" | show
check "vfio-setup status: all good, exit 0" sh -c "grep -qx 'setup-rc 0' '$R' && grep -Eq '^setup (all good|IOMMU now: *active)' '$R'"
sed -n 's/^check //p' "$R" | show
check "vfio-initrd-check in the booted system: all good (exit 0)" grep -qx 'check-rc 0' "$R"
if ! grep -qx 'check-rc 0' "$R"; then
    echo "     the booted machine's snippet (vfio-bind --modprobe-conf):"
    sed -n 's/^modprobe-conf //p' "$R" | show
    echo "     the image's (built in the chroot, where 00:04.0 is not the Radeon):"
    lsinitrd -f etc/modprobe.d/vfio-bind.conf "$WORK/initrd.img-$KVER" 2>&1 | show
fi

# ------------------------------------------------------------ 5. kernel update
step "5. kernel update"
sys_mount "$ROOT"
cp "$KDEB" "$ROOT/tmp/"
# Test instrumentation, removed afterwards: a vfio-initrd-check earlier in
# PATH that records each call (arguments, exit status, and whether the image
# was already rebuilt) and runs the real one.
cat > "$ROOT/usr/local/sbin/vfio-initrd-check" <<'EOF'
#!/bin/sh
/usr/sbin/vfio-initrd-check "$@"
rc=$?
echo "called: $* rc=$rc image-mtime=$(stat -c %Y /boot/initrd.img-* | sort -n | tail -n1) at=$(date +%s)" >> /run/systest-hook.log
exit $rc
EOF
chmod 0755 "$ROOT/usr/local/sbin/vfio-initrd-check"
rm -f "$ROOT/run/systest-hook.log"
t=$(date +%s)
in_root dpkg -i "/tmp/$(basename "$KDEB")" > "$WORK/kernel.log" 2>&1
rc=$?
grep -E 'Unpacking|Setting up|dracut|vfio' "$WORK/kernel.log" | show
check "reinstalling $(basename "$KDEB") ($(($(date +%s) - t)) s)" [ "$rc" = 0 ]
check "dracut rebuilt /boot/initrd.img-$KVER from /etc/kernel/postinst.d" grep -q "dracut: Generating /boot/initrd.img-$KVER" "$WORK/kernel.log"
show "$ROOT/run/systest-hook.log" 2>/dev/null
check "the package's postinst.d hook then ran vfio-initrd-check --kver $KVER: all good" \
    grep -Eq -- "^called: --quiet --kver $KVER rc=0 " "$ROOT/run/systest-hook.log"
check "... on the image dracut had just written" \
    awk -v t="$t" '$1 == "called:" { for (i = 2; i <= NF; i++) if ($i ~ /^image-mtime=/) { split($i, m, "="); if (m[2] >= t) ok = 1 } } END { exit !ok }' "$ROOT/run/systest-hook.log"
rm -f "$ROOT/usr/local/sbin/vfio-initrd-check" "$ROOT/run/systest-hook.log" "$ROOT"/tmp/*.deb

# ------------------------------------------------------------ 6. stale config
step "6. config edited, initramfs not rebuilt"
sed -i 's/^group = yes/group = no/' "$ROOT/etc/vfio-devices.ini"
in_root vfio-initrd-check > "$WORK/stale.log" 2>&1
rc=$?
show "$WORK/stale.log"
check "vfio-initrd-check: problem found (exit 1)" [ "$rc" = 1 ]
check "... the image's config differs from /etc/vfio-devices.ini, for kernel $KVER" \
    sh -c "grep -i 'vfio-devices.ini' '$WORK/stale.log' | grep -q '$KVER'"
check "... with the fix: dracut -f --kver $KVER" grep -q "dracut -f.*--kver $KVER\|dracut --force.*--kver $KVER" "$WORK/stale.log"
t=$(date +%s)
in_root vfio-initrd-check --fix > "$WORK/fix2.log" 2>&1
rc=$?
check "vfio-initrd-check --fix, then all good ($(($(date +%s) - t)) s)" [ "$rc" = 0 ]
exit 0
