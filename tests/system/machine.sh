#!/bin/bash
# One machine of the whole-system test (tests/system/run.sh starts two at
# once): a Debian 12 tree made from the cached base, with the initramfs
# generator of VARIANT, the .deb installed with apt as a user would, booted in
# QEMU to the real root.
#   tests/system/machine.sh VARIANT DEB WORK
# VARIANT: initramfs-tools (stock Debian 12, as the installer leaves it, radeon
# in the initramfs as early KMS puts it) or dracut (Debian's dracut package
# replaces initramfs-tools first).
#   3. apt-get install the .deb: its trigger rebuilds the image with the
#      machine's generator; the config for the emulated Radeon; the README's
#      steps; a routine rebuild of every image as any later package does;
#   4. an ext4 disk image of the tree, booted in QEMU (q35 + intel-iommu, TCG)
#      to the real root with systemd; a oneshot unit writes the state to the
#      second serial port and powers off;
#   5. "kernel update": the kernel package reinstalled; the package's
#      postinst.d hook ran vfio-initrd-check on the new image;
#   6. the config edited without a rebuild: vfio-initrd-check names the
#      stale image with the fix, the machine's own generator, and --fix fixes it.
# The last line is "VARIANT: N passed, M failed".
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
VARIANT=$1 DEB=$2 WORK=$3
ROOT=$WORK/root
T0=$(date +%s)
CACHE=${SYSTEST_CACHE:-/var/cache/vfio-bind-test}

# shellcheck source=tests/system/lib.sh
. "$HERE/lib.sh"
# shellcheck source=tests/lib/report.sh
. "$HERE/../lib/report.sh"
pass() { report_pass "$*"; }
fail() { report_fail "$*"; }
check() { report_check "$@"; }
step() { echo "== $VARIANT: $* ($(($(date +%s) - T0)) s)"; }
show() { sed 's/^/     /' "$@"; }
# In a chroot the host's disks are not known: the only problems vfio-initrd-check
# may report there are that (the scan's notes, the record made there). Prints yes or no.
only_unknown_host() {
    if grep -q 'which devices the host needs is not fully known' "$1" &&
        ! grep '^problem: ' "$1" | grep -v 'which devices the host needs is not fully known' |
        grep -qv '/etc/vfio-bind/host-devices is incomplete'; then
        echo yes
    else
        echo no
    fi
}
finish() {
    sys_umount "$ROOT"
    echo "system $VARIANT: $(($(date +%s) - T0)) s"
    if report_finish "$VARIANT"; then exit 0; else exit 1; fi
}
trap finish EXIT
trap 'exit 130' INT TERM
fatal() { fail "$*"; exit 1; }

case $VARIANT in
    initramfs-tools)
        GEN_SAYS="update-initramfs: Generating /boot/initrd.img-"
        REBUILD_ALL="update-initramfs -u -k all"
        FIX="update-initramfs -u -k"
        ;;
    dracut)
        GEN_SAYS="dracut: Generating /boot/initrd.img-"
        REBUILD_ALL="dracut --regenerate-all -f"
        FIX="dracut -f --kver"
        ;;
    *) fatal "unknown variant $VARIANT" ;;
esac

# ------------------------------------------------------------ 2. the tree
step "2. Debian 12 tree"
sys_base || fatal "the cached Debian 12 tree (run.sh makes it)"
cp -a "$BASE/root" "$ROOT"
KDEB=$(ls "$BASE"/debs/linux-image-[0-9]*.deb | head -n1)
KVER=$(basename "$KDEB" | sed 's/^linux-image-\(.*\)_[^_]*_[^_]*\.deb$/\1/')
[ -e "$ROOT/boot/vmlinuz-$KVER" ] || fatal "kernel $KVER is not in the tree"
echo "system $VARIANT: kernel $KVER"

# The test's own pieces of the machine (not the package's): root on the
# virtio disk, /var on a second one of the same model (1af4:1001, as two
# NVMe drives of one model), and a oneshot unit that reports on ttyS1 once booted.
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\nLABEL=sysvar /var ext4 rw 0 2\n' > "$ROOT/etc/fstab"
install -D -m 0755 "$HERE/report.sh" "$ROOT/usr/local/sbin/vfio-systest-report"
cat > "$ROOT/etc/systemd/system/vfio-systest.service" << 'EOF'
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
systemctl --root "$ROOT" mask -q getty@tty1.service serial-getty@ttyS0.service 2> /dev/null || true
sys_mount "$ROOT"

if [ "$VARIANT" = dracut ]; then
    # Debian's dracut package replaces initramfs-tools (offline, from the cache).
    mkdir -p "$ROOT/tmp/dracut-debs"
    cp "$BASE"/debs/dracut/*.deb "$ROOT/tmp/dracut-debs/"
    in_root sh -c 'apt-get install -y --no-install-recommends /tmp/dracut-debs/*.deb' > "$WORK/dracut.log" 2>&1
    check "Debian's dracut package installed (it removes initramfs-tools)" \
        sh -c "chroot '$ROOT' dpkg-query -W -f='\${Status}' dracut | grep -q 'install ok installed'"
    rm -rf "$ROOT/tmp/dracut-debs"
else
    # As early KMS (or plymouth) leaves a machine: the GPU driver in the image.
    echo radeon >> "$ROOT/etc/initramfs-tools/modules"
    check "stock Debian 12: initramfs-tools, no dracut" \
        sh -c "chroot '$ROOT' dpkg-query -W -f='\${Status}' initramfs-tools | grep -q 'install ok installed' &&
               ! chroot '$ROOT' dpkg-query -W -f='\${Status}' dracut-core 2>/dev/null | grep -q 'install ok installed'"
fi

# ------------------------------------------------------------ 3. install
step "3. apt-get install the .deb"
cp "$DEB" "$ROOT/tmp/"
in_root apt-get install -y --no-install-recommends "/tmp/$(basename "$DEB")" > "$WORK/install.log" 2>&1
rc=$?
grep -E 'vfio-bind|dracut|update-initramfs|trigger' "$WORK/install.log" | show
check "apt-get install ./$(basename "$DEB") (offline: no dependency beyond the tree)" [ "$rc" = 0 ]
if [ "$VARIANT" = initramfs-tools ]; then
    check "... and pulled in no dracut" \
        sh -c "! chroot '$ROOT' dpkg-query -W -f='\${Status}' dracut-core 2>/dev/null | grep -q 'install ok installed'"
fi
check "/etc/vfio-devices.ini is no conffile (the example is in the documentation; upgrades never prompt)" \
    sh -c "! chroot '$ROOT' dpkg-query -W -f='\${Conffiles}' vfio-bind | grep -q '/etc/vfio-devices.ini'"
check "vfio-bind.service is enabled (not started)" \
    [ "$(in_root systemctl is-enabled vfio-bind.service 2>&1)" = enabled ]
in_root vfio-initrd-check > "$WORK/check0.log" 2>&1
rc=$?
show "$WORK/check0.log"
check "vfio-initrd-check with the shipped config (claims nothing): all good" [ "$rc" = 0 ]
in_root vfio-setup initramfs status > "$WORK/istatus.log" 2>&1
rc=$?
show "$WORK/istatus.log"
check "vfio-setup initramfs status: $VARIANT builds the images, and they run vfio-bind" \
    sh -c "[ $rc = 0 ] && grep -q '^Generator: *$VARIANT' '$WORK/istatus.log'"

# The emulated Radeon: -device ati-vga,model=rv100 at 00:04.0 is 1002:5159.
cat > "$ROOT/etc/vfio-devices.ini" << 'EOF'
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
check "vfio-initrd-check --fix rebuilds it with $VARIANT; in the chroot it cannot know the host's disks: not ok, says only that ($(($(date +%s) - t)) s)" \
    sh -c "[ $rc = 1 ] && [ $(only_unknown_host "$WORK/fix1.log") = yes ] && grep -q 'running: $FIX' '$WORK/fix1.log'"
# A routine rebuild, as any later package trigger runs it: the claim survives.
touch "$WORK/before-routine"
# shellcheck disable=SC2086
in_root $REBUILD_ALL > "$WORK/routine.log" 2>&1
rebuild_rc=$?
check "the routine '$REBUILD_ALL' ran and rebuilt the image" \
    sh -c "[ $rebuild_rc = 0 ] && [ '$ROOT/boot/initrd.img-$KVER' -nt '$WORK/before-routine' ]" || show "$WORK/routine.log"
in_root vfio-initrd-check > "$WORK/check2.log" 2>&1
rc=$?
show "$WORK/check2.log"
check "after it the claim holds: vfio-initrd-check says only that the host's disks are not known here" \
    sh -c "[ $rc = 1 ] && [ $(only_unknown_host "$WORK/check2.log") = yes ]"

# ------------------------------------------------------------ 4. boot
step "4. disk image and boot"
cp "$ROOT/boot/vmlinuz-$KVER" "$ROOT/boot/initrd.img-$KVER" "$WORK/"
if [ "$VARIANT" = initramfs-tools ]; then
    # What the admin does next on the booted machine (step 7): a config that
    # names the root disk by mistake (an id-only typo, and by address), then
    # the README's rebuild. MODULES=dep keeps the rebuild short under TCG.
    mkdir -p "$ROOT/etc/vfio-systest"
    cat > "$ROOT/etc/vfio-systest/next.sh" << 'NEXT'
#!/bin/sh
printf '\n[typo]\nid = 1af4:1001\n\n[disk]\naddress = 0000:00:06.0\nid = 1af4:1001\n' >> /etc/vfio-devices.ini
echo MODULES=dep > /etc/initramfs-tools/conf.d/vfio-systest
update-initramfs -u -k all
NEXT
    chmod 0755 "$ROOT/etc/vfio-systest/next.sh"
fi
sys_umount "$ROOT"
if grep -q " $ROOT/" /proc/mounts; then fatal "$ROOT still has mounts"; fi
rm -f "$ROOT"/tmp/*.deb
IMG=$WORK/disk.img
truncate -s 2G "$IMG"
mkfs.ext4 -q -F -L systest -d "$ROOT" "$IMG" > "$WORK/mkfs.log" 2>&1 || { show "$WORK/mkfs.log"; fatal "mkfs.ext4 -d"; }
VARIMG=$WORK/var.img
truncate -s 1G "$VARIMG"
mkfs.ext4 -q -F -L sysvar -d "$ROOT/var" "$VARIMG" > "$WORK/mkfs-var.log" 2>&1 || { show "$WORK/mkfs-var.log"; fatal "mkfs.ext4 -d (/var)"; }
# boot TAG INITRD [EXTRA-CMDLINE]: the disk image booted in QEMU (q35 +
# intel-iommu, TCG): the boot display, the Radeon at 00:04.0, the root disk
# (virtio-blk, 1af4:1001) at 00:06.0, /var's disk (the same id) at 00:07.0. Writes WORK/TAG.console and
# WORK/TAG.report; sets BOOT_S and QEMU_RC.
boot() {
    local tag=$1 initrd=$2 extra=${3:-} t
    t=$(date +%s)
    timeout "${VM_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -M q35,kernel-irqchip=split \
        -device intel-iommu,intremap=on -m 1024 -smp 1 -nodefaults -display none -no-reboot \
        -kernel "$WORK/vmlinuz-$KVER" -initrd "$initrd" \
        -append "root=/dev/vda rw console=ttyS0,115200 no_timer_check intel_iommu=on panic=10 rd.shell=0 rd.emergency=reboot systemd.unit=multi-user.target systemd.show_status=1 drm_kms_helper.fbdev_emulation=0 $extra" \
        -device VGA,addr=01.0 -device ati-vga,model=rv100,addr=04.0 \
        -drive file="$IMG",format=raw,if=none,id=root,cache=unsafe -device virtio-blk-pci,drive=root,addr=06.0 \
        -drive file="$VARIMG",format=raw,if=none,id=var,cache=unsafe -device virtio-blk-pci,drive=var,addr=07.0 \
        -serial "file:$WORK/$tag.console" -serial "file:$WORK/$tag.report" > "$WORK/$tag.qemu" 2>&1
    QEMU_RC=$?
    BOOT_S=$(($(date +%s) - t))
    sed -i 's/\r$//' "$WORK/$tag.report" "$WORK/$tag.console" 2> /dev/null
}
boot first "$WORK/initrd.img-$KVER"
R=$WORK/first.report
if ! grep -q '^SYSTEST-END' "$R" 2> /dev/null; then
    tail -n 40 "$WORK/first.console" | show
    fatal "booted to the real root and reported (no report: qemu rc $QEMU_RC, 124 = timeout)"
fi
pass "booted to the real root with systemd and reported ($BOOT_S s; report at $(awk '$1 == "uptime" { print $2 }' "$R") s uptime)"
grep -E '^(pid1|state|dev|vfio|kmsg|unit|setup-rc|check-rc) ' "$R" | show

field() { awk -v a="$1" -v f="$2" '$1 == "dev" && $2 == a { print $f }' "$R"; }
check "PID 1 on the real root is systemd" grep -q '^pid1 .*systemd$' "$R"
check "the Radeon 0000:00:04.0 (1002:5159) is bound to vfio-pci" [ "$(field 0000:00:04.0 4)" = vfio-pci ]
check "the boot display 0000:00:01.0 is there and not on vfio-pci" \
    sh -c "[ -n '$(field 0000:00:01.0 4)' ] && [ '$(field 0000:00:01.0 4)' != vfio-pci ]"
G=$(field 0000:00:04.0 5)
check "/dev/vfio/$G exists (the Radeon's IOMMU group)" grep -qx "vfio /dev/vfio/$G" "$R"
# In the kernel log: the claim, then systemd starting on the real root.
claimed=$(grep -n '^kmsg .*vfio-bind: 0000:00:04\.0 1002:5159 group [0-9]*: claimed by vfio-pci' "$R" | head -n1 | cut -d: -f1)
realroot=$(grep -n '^kmsg .*systemd\[1\]: .*running in system mode' "$R" | tail -n1 | cut -d: -f1)
check "claimed in the initramfs, before systemd started on the real root" \
    sh -c "[ -n '$claimed' ] && [ -n '$realroot' ] && [ '$claimed' -lt '$realroot' ]"
check "radeon never touched the Radeon (no 'radeon 0000:00:04.0' line), nothing taken back later" \
    sh -c "! grep -Eq '^kmsg .*(radeon 0000:00:04\.0|taken from)' '$R'"
check "vfio-bind.service on the real root succeeded (found it claimed)" grep -qx 'unit vfio-bind.service active 0' "$R"
sed -n 's/^setup //p' "$R" | show
check "vfio-setup status: all good, exit 0" sh -c "grep -qx 'setup-rc 0' '$R' && grep -Eq '^setup (all good|IOMMU now: *active)' '$R'"
sed -n 's/^check //p' "$R" | show
check "/var is mounted from its own disk" grep -qx 'mount /var /dev/vdb' "$R"
# The image was built in a chroot on another machine: it cannot know this
# machine's disks, and vfio-initrd-check says exactly that.
check "vfio-initrd-check in the booted system: two problems, the image's record (built elsewhere) is incomplete and lacks both disks" \
    sh -c "grep -qx 'check-rc 1' '$R' && [ \$(grep -c '^check problem: ' '$R') = 2 ] &&
           grep -q '^check problem: .*/etc/vfio-bind/host-devices is incomplete' '$R' &&
           grep -q '^check problem: .*does not record 0000:00:06.0 (storage: / (ext4 on /dev/vda)), 0000:00:07.0 (storage: /var (ext4 on /dev/vdb))' '$R'"

# ------------------------------------------------------------ 5. kernel update
step "5. kernel update"
sys_mount "$ROOT"
cp "$KDEB" "$ROOT/tmp/"
# Test instrumentation, removed afterwards: a vfio-initrd-check earlier in
# PATH that records each call (arguments, exit status, and whether the image
# was already rebuilt) and runs the real one.
cat > "$ROOT/usr/local/sbin/vfio-initrd-check" << 'EOF'
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
grep -E 'Unpacking|Setting up|dracut|update-initramfs|vfio' "$WORK/kernel.log" | show
check "reinstalling $(basename "$KDEB") ($(($(date +%s) - t)) s)" [ "$rc" = 0 ]
check "$VARIANT rebuilt /boot/initrd.img-$KVER from /etc/kernel/postinst.d" grep -q "$GEN_SAYS$KVER" "$WORK/kernel.log"
show "$ROOT/run/systest-hook.log" 2> /dev/null
check "the package's kernel hook then ran vfio-initrd-check once for $KVER (not ok in a chroot; dpkg went on)" \
    grep -Eq -- "^called: --quiet (--image /boot/initrd.img-$KVER )?--kver $KVER rc=1 " "$ROOT/run/systest-hook.log"
check "... on the image $VARIANT had just written" \
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
check "... with the fix of the machine's own generator: $FIX $KVER" grep -q -- "fix: $FIX $KVER" "$WORK/stale.log"
t=$(date +%s)
in_root vfio-initrd-check --fix > "$WORK/fix2.log" 2>&1
rc=$?
check "vfio-initrd-check --fix, then only the host's disks unknown in the chroot ($(($(date +%s) - t)) s)" \
    sh -c "[ $rc = 1 ] && [ $(only_unknown_host "$WORK/fix2.log") = yes ]"
[ "$VARIANT" = initramfs-tools ] || exit 0

# ------------------------------------------------------------ 7. host needs
step "7. a config naming the root disk"
R=$WORK/first.report
sed -n 's/^next //p' "$R" | grep -E 'update-initramfs|vfio-bind' | show
check "on the booted machine: the config names the root disk, update-initramfs -u rebuilt the image" \
    sh -c "grep -qx 'next-rc 0' '$R' && grep -q '^next update-initramfs: Generating /boot/initrd.img-$KVER' '$R'"
sed -n 's/^check2 //p' "$R" | show
check "... vfio-initrd-check before the reboot: vfio-bind will refuse 0000:00:06.0, the host needs it" \
    sh -c "grep -qx 'check2-rc 1' '$R' &&
           grep -q '^check2 problem: 0000:00:06.0: 1af4:1001 is needed by the host (storage: / (ext4 on /dev/vda))' '$R' &&
           ! grep -q '^check2 .*does not record' '$R'"
debugfs -R "dump /boot/initrd.img-$KVER $WORK/initrd-vm.img" "$IMG" > "$WORK/debugfs.log" 2>&1
check "the image rebuilt on the machine, read from its disk (debugfs)" [ -s "$WORK/initrd-vm.img" ]
boot host "$WORK/initrd-vm.img"
R=$WORK/host.report
if grep -q '^SYSTEST-END' "$R" 2> /dev/null; then
    pass "booted to the real root with that image ($BOOT_S s)"
else
    tail -n 40 "$WORK/host.console" | show
    fail "booted to the real root with that image (no report: qemu rc $QEMU_RC)"
fi
grep -E '^(dev|kmsg) ' "$R" | show
refused=$(grep -n '^kmsg .*vfio-bind: 0000:00:06.0 refused: 1af4:1001 is needed by the host (storage: / (ext4 on /dev/vda))' "$R" | head -n1 | cut -d: -f1)
realroot=$(grep -n '^kmsg .*systemd\[1\]: .*running in system mode' "$R" | tail -n1 | cut -d: -f1)
check "refused in the initramfs, with the reason, before the real root" \
    sh -c "[ -n '$refused' ] && [ -n '$realroot' ] && [ '$refused' -lt '$realroot' ]"
check "the root disk 0000:00:06.0 kept virtio-pci" [ "$(field 0000:00:06.0 4)" = virtio-pci ]
check "/var's disk 0000:00:07.0 (named by the id only) kept virtio-pci, refused with the reason" \
    sh -c "[ '$(field 0000:00:07.0 4)' = virtio-pci ] &&
           grep -q '^kmsg .*vfio-bind: 0000:00:07.0 refused: 1af4:1001 is needed by the host (storage: /var (ext4 on /dev/vdb))' '$R'"
check "the Radeon in the same config is still claimed" [ "$(field 0000:00:04.0 4)" = vfio-pci ]

# The same config in an image built elsewhere (here, in the chroot), whose
# record cannot know these disks: vfio-bind keeps every storage controller.
step "7b. the same config, in an image built elsewhere"
printf '\n[typo]\nid = 1af4:1001\n\n[disk]\naddress = 0000:00:06.0\nid = 1af4:1001\n' >> "$ROOT/etc/vfio-devices.ini"
in_root update-initramfs -u -k "$KVER" > "$WORK/elsewhere-build.log" 2>&1
cp "$ROOT/boot/initrd.img-$KVER" "$WORK/initrd-elsewhere.img"
boot elsewhere "$WORK/initrd-elsewhere.img"
R=$WORK/elsewhere.report
grep -E '^kmsg .*vfio-bind' "$R" | head -n 8 | show
check "its record is incomplete: both disks refused as storage controllers, the boot reaches multi-user" \
    sh -c "grep -q '^SYSTEST-END' '$R' &&
           grep -q '^kmsg .*vfio-bind: 0000:00:06.0 refused: 1af4:1001 is needed by the host (storage: a mass-storage controller' '$R' &&
           grep -q '^kmsg .*vfio-bind: 0000:00:07.0 refused: 1af4:1001 is needed by the host (storage: a mass-storage controller' '$R'"
check "... both disks kept virtio-pci, the Radeon is claimed" \
    sh -c "[ '$(field 0000:00:06.0 4)' = virtio-pci ] && [ '$(field 0000:00:07.0 4)' = virtio-pci ] && [ '$(field 0000:00:04.0 4)' = vfio-pci ]"

# The negative control: the entry says allow_host_device = yes. vfio-bind
# claims the disks and the real root never comes (the fallback above is
# what saved that boot).
step "7c. negative control: allow_host_device = yes"
# In [typo], the first entry that names the disks (the one that decides).
sed -i '/^\[typo\]$/a allow_host_device = yes' "$ROOT/etc/vfio-devices.ini"
in_root update-initramfs -u -k "$KVER" > "$WORK/control-build.log" 2>&1
cp "$ROOT/boot/initrd.img-$KVER" "$WORK/initrd-control.img"
boot control "$WORK/initrd-control.img" "rootdelay=10"
grep -E 'vfio-bind|Gave up|ALERT' "$WORK/control.console" | head -n 8 | show
check "negative control: it claims the root disk and the real root never comes" \
    sh -c "grep -q 'vfio-bind: 0000:00:06.0 1af4:1001 group [0-9]*: claimed by vfio-pci' '$WORK/control.console' &&
           ! grep -q '^SYSTEST-END' '$WORK/control.report'"
exit 0
