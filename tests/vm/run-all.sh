#!/bin/bash
# Real-kernel boot tests: build dracut initramfs images with the vfio-bind
# module for Debian's kernel, boot them in QEMU (q35 + emulated intel-iommu,
# TCG) with emulated Radeons, and assert which driver got every device.
#   tests/vm/run-all.sh BUILD_DIR        (make check-vm)
# Env: VM_JOBS (parallel QEMUs, default 2), VM_KEEP=1 keeps the scratch dir,
# VM_ONLY="name ..." runs only those scenarios.
# STD, BOOTR and DESC_* are read through ${!name}:
# shellcheck disable=SC2034
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-$REPO/build}" && pwd) || exit 2
T0=$(date +%s)

if [ ! -x "$BUILD/vfio-bind" ]; then
    echo "run-all: $BUILD/vfio-bind not built (run make first)" >&2
    exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vfio-bind-vm.XXXXXX")
# shellcheck source=tests/vm/lib.sh
. "$HERE/lib.sh"
vm_need || exit 2
vm_pick_kernel || exit 2
vm_dracut_base
echo "run-all: kernel $KVER, scratch $WORK"

# ---------------------------------------------------------------- configs
C=$WORK/conf
mkdir -p "$C"
# The card at 04.0 (radeon + its audio function 04.1), by address and id.
cat > "$C/addr.ini" <<'EOF'
[options]
group = yes
[guest-gpu]
address = 0000:00:04.0
id = 1002:5159
EOF
# Every 1002:5159, by id alone (not the audio function: group = no).
cat > "$C/idonly.ini" <<'EOF'
[options]
group = no
[all-rv100]
id = 1002:5159
EOF
# The boot VGA (first display device, 00:02.0) and a second card.
cat > "$C/bootvga-no.ini" <<'EOF'
[options]
boot_vga = no
[console-gpu]
address = 00:02.0
id = 1002:5159
[second-gpu]
address = 00:05.0
id = 1002:5159
EOF
sed 's/^boot_vga = no/boot_vga = yes/' "$C/bootvga-no.ini" > "$C/bootvga-yes.ini"
# 04.0 holds a 1002:5159, the config says another model: the card "moved".
cat > "$C/wrongid.ini" <<'EOF'
[guest-gpu]
address = 0000:00:04.0
id = 1002:5157
EOF
# Both identical Radeons by id alone, the card's audio with it (group = yes,
# the default): the boot display has the id too (issue 9).
cat > "$C/idonly-group.ini" <<'EOF'
[radeons]
id = 1002:5159
EOF
# A trial of changed claims (vfio-setup add --trial): the other Radeon.
cat > "$C/trial-05.ini" <<'EOF'
[options]
group = yes
[other-gpu]
address = 0000:00:05.0
id = 1002:5159
EOF
# The passthrough recipe's modprobe.d file: a build-time ids= that would
# claim every 1002:5159, the boot display included.
printf 'options vfio-pci ids=1002:5159\n' > "$C/recipe-vfio.conf"
# An unknown key on line 4: the whole config is refused.
cat > "$C/bad.ini" <<'EOF'
[guest-gpu]
address = 0000:00:04.0
id = 1002:5159
colour = red
EOF

# ---------------------------------------------------------------- devices
# STD: a plain VGA first (the boot VGA, no driver in the image), a Radeon
# with its audio function in one slot (one IOMMU group), an identical Radeon.
STD="-device VGA,addr=01.0 -device ati-vga,model=rv100,addr=04.0,multifunction=on -device intel-hda,addr=04.1 -device ati-vga,model=rv100,addr=05.0"
# BOOTR: the first display device is a Radeon, so it is the boot VGA.
BOOTR="-device ati-vga,model=rv100,addr=02.0 -device ati-vga,model=rv100,addr=05.0"
# TWINB: the boot display and the passthrough card are identical Radeons; the
# second has its audio function in its slot (one IOMMU group).
TWINB="-device ati-vga,model=rv100,addr=02.0 -device ati-vga,model=rv100,addr=04.0,multifunction=on -device intel-hda,addr=04.1"

# ---------------------------------------------------------------- images
# name kind config (the images are built here, where no Radeon is present)
IMAGES="
none systemd-nomodule addr
idonly-group systemd idonly-group
recipe systemd-nomodule+recipe idonly-group
recipe-vb systemd+recipe idonly-group
builtin systemd+builtin idonly-group
late late addr
addr systemd addr
addr-shell shell addr
idonly systemd idonly
bootvga-no systemd bootvga-no
bootvga-yes systemd bootvga-yes
wrongid systemd wrongid
bad systemd bad
itools-none itools-without addr
itools-addr itools-with addr
itools-idonly itools-with idonly
itools-wrongid itools-with wrongid
mk-none mk-without addr
mk-addr mk-with addr
mk-idonly mk-with idonly
mk-wrongid mk-with wrongid
mk-sd-addr mk-systemd addr
trial systemd+trial addr
"

# ---------------------------------------------------------------- boots
# scenario image devices cmdline (cmdline last: the rest of the line)
# drm_kms_helper.fbdev_emulation=0: radeon's fbdev console hangs the
# emulated guest; the driver still binds without it.
BOOTS="
negative none STD intel_iommu=on
addr-id addr STD intel_iommu=on vbt.rerun
addr-id-shell addr-shell STD intel_iommu=on vbt.rerun
id-only idonly STD intel_iommu=on
bootvga-refused bootvga-no BOOTR intel_iommu=on
bootvga-yes bootvga-yes BOOTR intel_iommu=on
wrong-id wrongid STD intel_iommu=on
malformed bad STD intel_iommu=on
no-iommu addr STD intel_iommu=off
late-claim late STD intel_iommu=on vbt.late
vfio-bind-off addr STD intel_iommu=on vfio_bind=off
idonly-bootvga idonly-group TWINB intel_iommu=on
idonly-bootvga-early recipe-vb TWINB intel_iommu=on vbt.early
idonly-bootvga-control recipe TWINB intel_iommu=on vbt.early
idonly-bootvga-builtin builtin TWINB intel_iommu=on
idonly-bootvga-cmdline builtin TWINB intel_iommu=on vfio-pci.ids=1002:5159
idonly-bootvga-builtin-control builtin TWINB intel_iommu=on vfio-pci.ids=1002:5159 vfio_bind=off
it-negative itools-none STD intel_iommu=on
it-addr-id itools-addr STD intel_iommu=on vbt.rerun
it-id-only itools-idonly STD intel_iommu=on
it-wrong-id itools-wrongid STD intel_iommu=on
it-vfio-bind-off itools-addr STD intel_iommu=on vfio_bind=off
mk-negative mk-none STD intel_iommu=on
mk-addr-id mk-addr STD intel_iommu=on vbt.rerun
mk-id-only mk-idonly STD intel_iommu=on
mk-wrong-id mk-wrongid STD intel_iommu=on
mk-vfio-bind-off mk-addr STD intel_iommu=on vfio_bind=off
mksd-addr-id mk-sd-addr STD intel_iommu=on vbt.rerun
trial-claims trial STD intel_iommu=on vfio_bind.trial=1
trial-claims-default trial STD intel_iommu=on
"
# it-X, mk-X, mksd-X: scenario X on an image made by initramfs-tools,
# mkinitcpio, or mkinitcpio with its systemd hook (the rest by dracut),
# checked by check_X.
COMMON_CMDLINE="drm_kms_helper.fbdev_emulation=0"

wanted() { [ -z "${VM_ONLY:-}" ] || [[ " $VM_ONLY " == *" $1 "* ]]; }

JOBS=${VM_JOBS:-2}
# Run "$@" in the background, at most $JOBS at a time.
pool() {
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    "$@" &
}

build_one() {
    local name=$1 kind=$2 conf=$3 t=$SECONDS rc
    # vm_image exports for the late kind: keep it out of the other builds.
    unset VBT_LATE_BINARY VBT_LATE_CONFIG VBT_MODPROBE_D VFIO_BIND_TRIAL_CONFIG VBT_BUILTIN
    case $kind in *+recipe) export VBT_MODPROBE_D=$C/recipe-vfio.conf; kind=${kind%+recipe} ;; esac
    case $kind in *+builtin) export VBT_BUILTIN=1; kind=${kind%+builtin} ;; esac
    case $kind in *+trial) export VFIO_BIND_TRIAL_CONFIG=$C/trial-05.ini; kind=${kind%+trial} ;; esac
    case $kind in systemd-nomodule) kind=none ;; esac
    case $kind in
        itools-*) vm_image_itools "$WORK/$name.img" "$C/$conf.ini" "${kind#itools-}" ;;
        mk-*) vm_image_mk "$WORK/$name.img" "$C/$conf.ini" "${kind#mk-}" ;;
        *) vm_image "$WORK/$name.img" "$C/$conf.ini" "$kind" ;;
    esac > "$WORK/$name.build" 2>&1
    rc=$?
    echo "$rc $((SECONDS - t))" > "$WORK/$name.build-rc"
}

boot_one() {
    local scen=$1 img=$2 devs=$3 cmdline=$4 t=$SECONDS rc
    # shellcheck disable=SC2086
    vm_boot "$WORK/$img.img" "$WORK/$scen" "$cmdline $COMMON_CMDLINE" ${!devs}
    rc=$?
    # The guest's tty writes CRLF.
    [ ! -e "$WORK/$scen.report" ] || sed -i 's/\r$//' "$WORK/$scen.report"
    echo "$rc $((SECONDS - t))" > "$WORK/$scen.boot-rc"
}

needed_images=" "
while read -r scen img _; do
    [ -n "$scen" ] && wanted "$scen" && needed_images="$needed_images$img "
done <<< "$BOOTS"
for scen in image-systemd:addr image-shell:addr-shell image-id-only:idonly image-none:none image-itools:itools-addr \
    image-itools-none:itools-none image-mk:mk-addr image-mk-none:mk-none image-mk-sd:mk-sd-addr; do
    wanted "${scen%%:*}" && needed_images="$needed_images${scen#*:} "
done

# mkinitcpio is unpacked once, before the builds that run it in parallel.
if [[ $needed_images == *" mk-"* ]]; then vm_mk_setup || exit 2; fi
t=$SECONDS
while read -r name kind conf; do
    [ -n "$name" ] && [[ $needed_images == *" $name "* ]] || continue
    pool build_one "$name" "$kind" "$conf"
done <<< "$IMAGES"
wait
echo "run-all: images built in $((SECONDS - t)) s"
for f in "$WORK"/*.build-rc; do
    read -r rc secs < "$f"
    n=$(basename "$f" .build-rc)
    printf '  image %-12s %3s s, %s MB%s\n' "$n" "$secs" "$(($(stat -c %s "$WORK/$n.img" 2>/dev/null || echo 0) / 1048576))" \
        "$([ "$rc" = 0 ] || echo "  generator FAILED (rc $rc), see $WORK/$n.build")"
done

t=$SECONDS
while read -r scen img devs cmdline; do
    [ -n "$scen" ] && wanted "$scen" || continue
    pool boot_one "$scen" "$img" "$devs" "$cmdline"
done <<< "$BOOTS"
wait
echo "run-all: boots done in $((SECONDS - t)) s"

# ---------------------------------------------------------------- checks
# shellcheck source=tests/lib/report.sh
. "$HERE/../lib/report.sh"
ERRS=""
REPORT=""
err() { ERRS="$ERRS
$*"; }
# it-X and mk-X are scenario X on another generator's image.
base_scenario() {
    case $1 in it-* | mk-* | mksd-*) echo "${1#*-}" ;; *) echo "$1" ;; esac
}
generator_label() {
    case $1 in it-*) echo "[initramfs-tools] " ;; mk-*) echo "[mkinitcpio] " ;; mksd-*) echo "[mkinitcpio, systemd hook] " ;; esac
}
# The scenario's line: passed when no check said anything.
verdict() {
    local name
    name=$(printf '%-16s %s' "$1" "$2")
    if [ -z "$ERRS" ]; then
        report_pass "$name"
    else
        local lines=()
        mapfile -t lines <<< "${ERRS#?}"
        report_fail "$name" "${lines[@]}"
    fi
}

# What the image IMG holds: a path matching /$2/, the file(s) matching the glob $2.
in_image() { cpio --quiet -t < "$WORK/$1.img" 2> /dev/null | grep -Eq -- "$2"; }
image_file() { cpio --quiet -i --to-stdout "$2" < "$WORK/$1.img" 2> /dev/null; }
# Field of the dev line of ADDR: 3 id, 4 class, 5 driver, 6 group, 7 node, 8 boot_vga.
dev_field() { awk -v a="$1" -v f="$2" '$1 == "dev" && $2 == a { print $f }' "$REPORT"; }
expect_driver() {
    local got
    got=$(dev_field "$1" 5)
    [ -n "$got" ] || { err "$1: device missing from the report"; return; }
    [ "$got" = "$2" ] || err "$1: driver is '$got', expected '$2'"
}
expect_node() {
    local g
    g=$(dev_field "$1" 6)
    [ "$(dev_field "$1" 7)" = yes ] || err "$1: no /dev/vfio/$g"
}
# No device other than the listed ones is bound to vfio-pci.
expect_vfio_only() {
    local a
    for a in $(awk '$1 == "dev" && $5 == "vfio-pci" { print $2 }' "$REPORT"); do
        [[ " $* " == *" $a "* ]] || err "$a: bound to vfio-pci but must not be"
    done
}
expect_mod() {
    grep -qx "mod $1 $2" "$REPORT" || err "module $1 loaded: expected $2"
}
expect_log() {
    grep '^log ' "$REPORT" | grep -Eq -- "$1" || err "kernel log lacks /$1/"
}
# The first kernel log line matching $1 comes before the first matching $2.
expect_log_order() {
    local a b
    a=$(grep '^log ' "$REPORT" | grep -En -- "$1" | head -n1 | cut -d: -f1)
    b=$(grep '^log ' "$REPORT" | grep -En -- "$2" | head -n1 | cut -d: -f1)
    if [ -z "$a" ] || [ -z "$b" ]; then err "kernel log lacks /$1/ or /$2/"; return; fi
    [ "$a" -lt "$b" ] || err "kernel log has /$2/ before /$1/"
}
# An absence proves something only if the same pattern does match a log
# where the thing happened: each pattern expect_nolog is given has a witness
# scenario, whose log it must match (checked once every report is in).
declare -A NOLOG_WITNESS=(
    ['vfio-bind:']=addr-id
    ['radeon 0000:00:04\.0']=negative
    ['trial boot']=trial-claims
    ['claimed by vfio-pci']=addr-id
    ['DMAR: IOMMU enabled']=addr-id
    ['given back']=idonly-bootvga-early
)
declare -A NOLOG_USED=()
expect_nolog() {
    NOLOG_USED[$1]+=" $scen"
    grep '^log ' "$REPORT" | grep -Eq -- "$1" && err "kernel log has /$1/ but must not"
}

# Kernel-log time of the last "claimed" line (or of the first vfio-bind line).
claim_time() {
    local t
    t=$(grep '^log ' "$REPORT" | grep 'claimed by vfio-pci' | sed -n 's/^log \[ *\([0-9.]*\)\].*/\1/p' | tail -n1)
    if [ -n "$t" ]; then echo "claimed at ${t}s"; return; fi
    t=$(grep '^log ' "$REPORT" | grep 'vfio-bind:' | sed -n 's/^log \[ *\([0-9.]*\)\].*/\1/p' | head -n1)
    if [ -n "$t" ]; then echo "nothing claimed; vfio-bind ran at ${t}s"; else echo "no vfio-bind line"; fi
}

check_negative() {
    expect_driver 0000:00:04.0 radeon
    expect_driver 0000:00:04.1 snd_hda_intel
    expect_driver 0000:00:05.0 radeon
    expect_vfio_only
    expect_mod radeon yes
    expect_nolog 'vfio-bind:'
}
check_claim_addr() {
    expect_driver 0000:00:04.0 vfio-pci
    expect_driver 0000:00:04.1 vfio-pci   # group = yes: the card's audio function
    expect_driver 0000:00:05.0 radeon     # the identical twin keeps its driver
    expect_vfio_only 0000:00:04.0 0000:00:04.1
    expect_node 0000:00:04.0
    expect_mod radeon yes                 # radeon was loaded, and lost 04.0
    expect_log 'vfio-bind: 0000:00:04\.0 1002:5159 group [0-9]+: claimed by vfio-pci'
    expect_log 'vfio-bind: 0000:00:04\.1 8086:2668 group [0-9]+: claimed by vfio-pci'
    expect_nolog 'radeon 0000:00:04\.0' # radeon never initialised the passthrough card
    # The order, in kernel time: the claim, then radeon's module init
    # (from udev's coldplug, the modules list, MODULES=).
    expect_log_order 'vfio-bind: 0000:00:04\.0 .*claimed by vfio-pci' 'radeon kernel modesetting enabled'
}
# vbt.rerun: vfio-bind run again after coldplug (as the real-root unit would
# after the initramfs) succeeds and changes no driver.
check_rerun() {
    local a drv
    grep -qx 'rerun rc=0' "$REPORT" || err "second run: $(grep '^rerun rc=' "$REPORT"), expected rc=0"
    while read -r _ _ a drv; do
        [ "$drv" = "$(dev_field "$a" 5)" ] || err "second run changed $a: $(dev_field "$a" 5) -> $drv"
    done < <(grep '^rerun dev ' "$REPORT")
    grep -q '^rerun dev ' "$REPORT" || err "second run: no device state reported"
}
check_addr-id() { check_claim_addr; check_rerun; }
# The trial boot claims what the trial config says; every other boot the
# known-good config (its negative control).
check_trial-claims() {
    expect_driver 0000:00:05.0 vfio-pci
    expect_driver 0000:00:04.0 radeon
    expect_vfio_only 0000:00:05.0
    expect_log 'vfio-bind: trial boot: claiming what /etc/vfio-devices\.trial\.ini says'
    expect_log 'vfio-bind: 0000:00:05\.0 1002:5159 group [0-9]+: claimed by vfio-pci'
}
check_trial-claims-default() {
    check_claim_addr
    expect_nolog 'trial boot'
}
check_addr-id-shell() { check_claim_addr; check_rerun; }
check_id-only() {
    expect_driver 0000:00:04.0 vfio-pci
    expect_driver 0000:00:05.0 vfio-pci
    expect_driver 0000:00:04.1 snd_hda_intel
    expect_vfio_only 0000:00:04.0 0000:00:05.0
    expect_node 0000:00:04.0
    expect_node 0000:00:05.0
    expect_log 'vfio-bind: 0000:00:04\.0 1002:5159 group [0-9]+: claimed by vfio-pci'
    expect_log 'vfio-bind: 0000:00:05\.0 1002:5159 group [0-9]+: claimed by vfio-pci'
}
check_bootvga-refused() {
    [ "$(dev_field 0000:00:02.0 8)" = 1 ] || err "0000:00:02.0 is not the boot VGA: the scenario tests nothing"
    expect_driver 0000:00:02.0 radeon
    expect_driver 0000:00:05.0 vfio-pci
    expect_vfio_only 0000:00:05.0
    expect_log 'vfio-bind: .*0000:00:02\.0 refused: .*boot VGA'
    expect_log 'vfio-bind: 0000:00:05\.0 1002:5159 group [0-9]+: claimed by vfio-pci'
}
check_bootvga-yes() {
    [ "$(dev_field 0000:00:02.0 8)" = 1 ] || err "0000:00:02.0 is not the boot VGA: the scenario tests nothing"
    expect_driver 0000:00:02.0 vfio-pci
    expect_driver 0000:00:05.0 vfio-pci
    expect_vfio_only 0000:00:02.0 0000:00:05.0
    expect_node 0000:00:02.0
    expect_log 'vfio-bind: 0000:00:02\.0 1002:5159 group [0-9]+: claimed by vfio-pci'
}
check_nothing_claimed() {
    expect_driver 0000:00:04.0 radeon
    expect_driver 0000:00:04.1 snd_hda_intel
    expect_driver 0000:00:05.0 radeon
    expect_vfio_only
    expect_nolog 'claimed by vfio-pci'
}
check_wrong-id() {
    check_nothing_claimed
    expect_log 'vfio-bind: .*0000:00:04\.0 refused: .*1002:5159, not 1002:5157'
}
check_malformed() {
    check_nothing_claimed
    expect_log 'vfio-bind: .*vfio-devices\.ini:4: .*colour'
    expect_log 'vfio-bind: .*nothing claimed'
    # dracut said it loudly at build time, and still built the image.
    grep -q 'invalid configuration' "$WORK/bad.build" || err "dracut did not report the config error"
}
check_no-iommu() {
    check_nothing_claimed
    expect_nolog 'DMAR: IOMMU enabled'
    expect_log 'vfio-bind: .*0000:00:04\.0 refused: .*IOMMU.*intel_iommu=on'
}
# The real-root unit's case: radeon and snd_hda_intel already bound.
check_late-claim() {
    grep -qx 'before dev 0000:00:04.0 radeon' "$REPORT" || err "04.0 was not bound to radeon before the late run: the scenario tests nothing"
    grep -qx 'before dev 0000:00:04.1 snd_hda_intel' "$REPORT" || err "04.1 was not bound to snd_hda_intel before the late run"
    grep -qx 'late rc=0' "$REPORT" || err "late run: $(grep '^late rc=' "$REPORT"), expected rc=0 (124 = timed out)"
    expect_driver 0000:00:04.0 vfio-pci
    expect_driver 0000:00:04.1 vfio-pci
    expect_driver 0000:00:05.0 radeon
    expect_vfio_only 0000:00:04.0 0000:00:04.1
    expect_node 0000:00:04.0
    expect_log 'vfio-bind: 0000:00:04\.0 1002:5159 group [0-9]+: claimed by vfio-pci'
}
# Issue 9: an id-only entry whose id the boot display has too, image built
# where no card was. The console keeps radeon, which never touched the
# passthrough card; that card's group is viable (all of it vfio-pci's).
expect_group_viable() {
    local g a drv cls
    g=$(dev_field "$1" 6)
    while read -r a drv cls; do
        [ "$drv" = vfio-pci ] || [[ $cls == 0x0604* ]] || err "group $g of $1 is not viable: $a is bound to $drv"
    done < <(awk -v g="$g" '$1 == "dev" && $6 == g { print $2, $5, $4 }' "$REPORT")
}
check_idonly_bootvga_common() {
    [ "$(dev_field 0000:00:02.0 8)" = 1 ] || err "0000:00:02.0 is not the boot VGA: the scenario tests nothing"
    expect_driver 0000:00:02.0 radeon
    expect_driver 0000:00:04.0 vfio-pci
    expect_driver 0000:00:04.1 vfio-pci
    expect_vfio_only 0000:00:04.0 0000:00:04.1
    expect_node 0000:00:04.0
    expect_group_viable 0000:00:04.0
    expect_nolog 'radeon 0000:00:04\.0'
    expect_log 'vfio-bind: .*0000:00:02\.0 refused: .*boot VGA'
}
check_idonly-bootvga() {
    check_idonly_bootvga_common
    expect_nolog 'given back'
}
# Something loaded vfio-pci before vfio-bind with a build-time ids= (the
# recipe's modprobe.d file): vfio-bind gives the console back.
check_idonly-bootvga-early() {
    check_idonly_bootvga_common
    expect_log 'vfio-bind: 0000:00:02\.0 1002:5159 group [0-9]+: given back to the host'
    expect_log "vfio-bind: .*sets 'ids=1002:5159' for vfio-pci: not applied"
}
# The image laid out as Ubuntu's (vfio-pci in modules.builtin, not in
# modules.dep), vfio-pci registered before anything in the initramfs runs:
# vfio-bind finds it built in, says so, and claims through driver_override.
expect_builtin() {
    local f="*lib/modules/$KVER/modules"
    image_file builtin "$f.builtin" | grep -qx 'kernel/drivers/vfio/pci/vfio-pci\.ko' \
        || err "image builtin: modules.builtin does not list vfio-pci: the scenario tests nothing"
    image_file builtin "$f.dep" | grep -q 'vfio-pci\.ko' && err "image builtin: modules.dep lists vfio-pci: the scenario tests nothing"
    expect_log_order 'vbt: vfio-pci registered as a built-in' 'vfio-bind: vfio-pci built into the kernel'
}
check_idonly-bootvga-builtin() {
    check_idonly_bootvga_common
    expect_builtin
    expect_nolog 'given back'
}
# Its vfio-pci.ids= took every 1002:5159 when vfio-pci registered, the
# console too, as the kernel applies it to a built-in: given back.
check_idonly-bootvga-cmdline() {
    check_idonly_bootvga_common
    expect_builtin
    expect_log 'vfio-bind: 0000:00:02\.0 1002:5159 group [0-9]+: given back to the host'
    expect_log "vfio-bind: .*sets 'ids=1002:5159' for the built-in vfio-pci"
}
# Negative control: the same early ids= without vfio-bind. The checks above
# must fail on it, on the console GPU.
check_idonly-bootvga-control() {
    local saved=$ERRS got
    ERRS=""
    check_idonly_bootvga_common
    got=$ERRS
    ERRS=$saved
    [[ $got == *"0000:00:02.0: driver is 'vfio-pci', expected 'radeon'"* ]] \
        || err "the issue-9 checks did not catch the console GPU on vfio-pci; they reported:${got:- nothing}"
}
# Its negative control: the same built-in boot with vfio_bind=off. The ids=
# took the console (the layout works), and the checks catch it.
check_idonly-bootvga-builtin-control() {
    local saved=$ERRS got
    ERRS=""
    check_idonly-bootvga-cmdline
    got=$ERRS
    ERRS=$saved
    [[ $got == *"0000:00:02.0: driver is 'vfio-pci', expected 'radeon'"* ]] \
        || err "the built-in checks did not catch the console GPU on vfio-pci; they reported:${got:- nothing}"
    [[ $got == *"kernel log lacks /vbt: vfio-pci registered as a built-in/ or /vfio-bind: vfio-pci built into the kernel/"* ]] \
        || err "the built-in checks did not miss vfio-bind's 'built into the kernel'; they reported:${got:- nothing}"
    expect_log 'vbt: vfio-pci registered as a built-in one would be \(options: ids=1002:5159\)'
    expect_log 'vfio-bind: skipped \(vfio_bind=off'
}
check_vfio-bind-off() {
    check_nothing_claimed
    expect_mod vfio_pci no
    expect_log 'vfio-bind: skipped \(vfio_bind=off'
}

DESC_negative="negative control: no module, radeon binds both Radeons"
DESC_trial_claims="trial of changed claims (vfio_bind.trial=1): the trial config's card 05.0, not the known-good 04.0"
DESC_trial_claims_default="its negative control: the same image on a boot without the marker claims the known-good 04.0"
DESC_addr_id="address+id claims 04.0 (+ audio 04.1) before radeon loads, identical 05.0 keeps radeon"
DESC_addr_id_shell="same, dracut's shell-based initramfs (no systemd)"
DESC_id_only="id-only entry claims both 1002:5159"
DESC_bootvga_refused="boot VGA refused (boot_vga = no), the other card claimed"
DESC_bootvga_yes="boot VGA claimed with boot_vga = yes"
DESC_wrong_id="address holds another id: refused, boot goes on"
DESC_malformed="malformed config: nothing claimed, error logged, image built"
DESC_no_iommu="IOMMU off (intel_iommu=off): nothing claimed, message says how to enable it"
DESC_late_claim="late run (real-root unit path): unbinds radeon/snd_hda_intel, claims the card"
DESC_vfio_bind_off="vfio_bind=off: nothing claimed, skip logged"
DESC_idonly_bootvga="id-only entry, boot display has the id, image built without the cards: console keeps radeon"
DESC_idonly_bootvga_early="same, vfio-pci loaded early with the recipe's ids=: vfio-bind gives the console back"
DESC_idonly_bootvga_builtin="same, vfio-pci built in as on Ubuntu (modules.builtin, registered first): vfio-bind says so, claims the card"
DESC_idonly_bootvga_cmdline="same, built in, vfio-pci.ids= on the command line took the console: given back"
DESC_idonly_bootvga_builtin_control="negative control: built in with ids=, vfio_bind=off: the checks catch the console on vfio-pci"
DESC_idonly_bootvga_control="negative control: early ids= without vfio-bind, the checks catch the console on vfio-pci"

echo
while read -r scen img devs cmdline; do
    [ -n "$scen" ] && wanted "$scen" || continue
    ERRS=""
    REPORT="$WORK/$scen.report"
    read -r rc secs < "$WORK/$scen.boot-rc"
    read -r brc _ < "$WORK/$img.build-rc"
    if [ "$brc" != 0 ]; then
        err "image $img failed to build (see $WORK/$img.build)"
    elif ! grep -q '^VBT-END' "$REPORT" 2> /dev/null; then
        err "no report from the guest (qemu rc $rc after ${secs}s; 124 = timeout); see $WORK/$scen.console"
    else
        "check_$(base_scenario "$scen")"
    fi
    d=DESC_$(base_scenario "$scen")
    d=${d//-/_}
    verdict "$scen" "$(generator_label "$scen")${!d}"
    if [ -s "$REPORT" ]; then
        printf '     boot %ss wall, %s (kernel time); report at %ss uptime\n' "$secs" "$(claim_time)" \
            "$(awk '$1 == "uptime" { print $2 }' "$REPORT")"
        awk '$1 == "dev" && $4 ~ /^0x0(3|4)/ { printf "     %s %s %s group %s /dev/vfio: %s\n", $2, $3, $5, $6, $7 }' "$REPORT"
        grep '^log .*vfio-bind:' "$REPORT" | sed 's/^log /     /'
        grep '^rerun vfio-bind:' "$REPORT" | sed 's/^rerun /     second run: /'
    fi
done <<< "$BOOTS"

# Each absence the checks relied on, matched against its witness's log.
check_nolog_witnesses() {
    local p w unproven=""
    ERRS=""
    for p in "${!NOLOG_USED[@]}"; do
        w=${NOLOG_WITNESS[$p]-}
        if [ -z "$w" ]; then
            err "/$p/ (absent in${NOLOG_USED[$p]}) has no witness scenario: nothing shows it can appear"
        elif ! grep -q '^VBT-END' "$WORK/$w.report" 2> /dev/null; then
            unproven="$unproven /$p/"
        elif ! grep '^log ' "$WORK/$w.report" | grep -Eq -- "$p"; then
            err "/$p/ (absent in${NOLOG_USED[$p]}) does not match the log of $w either: its absence proves nothing"
        fi
    done
    [ ${#NOLOG_USED[@]} = 0 ] && return
    verdict nolog-witnesses "every absent log line matches where it happened${unproven:+ (not booted here, unproven:$unproven)}"
}
check_nolog_witnesses

# ---------------------------------------------------------------- no-VM checks
# What dracut put in the images, and the module's check().
expect_in() { in_image "$1" "$2" || err "image $1 lacks /$2/"; }
expect_not_in() { in_image "$1" "$2" && err "image $1 has /$2/ but must not"; }
expect_common() {
    expect_in "$1" '^usr/sbin/vfio-bind$'
    expect_in "$1" '^usr/lib/(x86_64-linux-gnu/)?libkmod\.so\.2$'
    expect_in "$1" '/kernel/drivers/vfio/pci/vfio-pci\.ko'
    expect_in "$1" '/kernel/drivers/vfio/vfio_iommu_type1\.ko'
    expect_in "$1" '^etc/modprobe\.d/vfio-bind\.conf$'
    image_file "$1" etc/vfio-devices.ini | cmp -s - "$C/$2.ini" || err "image $1: etc/vfio-devices.ini differs from $2.ini"
}
static_image-systemd() {
    expect_common addr addr
    # Resolved by libkmod from the configured id: the build host has no Radeon.
    image_file addr etc/modprobe.d/vfio-bind.conf | grep -qx 'softdep radeon pre: vfio-pci' \
        || err "image addr: modprobe snippet lacks 'softdep radeon pre: vfio-pci'"
    expect_in addr 'sysinit\.target\.wants/vfio-bind-initrd\.service$'
    expect_not_in addr 'hooks/pre-udev/.*vfio-bind'
}
static_image-shell() {
    expect_common addr-shell addr
    expect_in addr-shell '^usr/lib/dracut/hooks/pre-udev/30-vfio-bind-hook\.sh$'
    expect_not_in addr-shell 'vfio-bind-initrd\.service'
}
static_image-id-only() {
    expect_common idonly idonly
    image_file idonly etc/modprobe.d/vfio-bind.conf | grep -qx 'softdep radeon pre: vfio-pci' \
        || err "image idonly: modprobe snippet lacks 'softdep radeon pre: vfio-pci'"
    image_file idonly etc/modprobe.d/vfio-bind.conf | grep -q 'ids=' \
        && err "image idonly: modprobe snippet carries ids= (a build-time guess)"
}
static_image-none() {
    expect_not_in none 'vfio-bind'
    expect_in none '/radeon\.ko'
}
# check(): 0 on a configured machine (auto-included), 255 otherwise (--add only).
static_module-check() {
    local rc
    module_check_rc() { (. "$REPO/dracut-module/module-setup.sh" && check) > /dev/null 2>&1; echo $?; }
    rc=$(VFIO_BIND_BINARY=$BUILD/vfio-bind VFIO_BIND_CONFIG=$C/addr.ini module_check_rc)
    [ "$rc" = 0 ] || err "check() with binary and config: $rc, expected 0"
    rc=$(VFIO_BIND_BINARY=$BUILD/vfio-bind VFIO_BIND_CONFIG=$WORK/absent.ini module_check_rc)
    [ "$rc" = 255 ] || err "check() without config: $rc, expected 255"
    rc=$(VFIO_BIND_BINARY=$WORK/absent-bin VFIO_BIND_CONFIG=$C/addr.ini module_check_rc)
    [ "$rc" = 255 ] || err "check() without binary: $rc, expected 255"
}
# vfio-initrd-check on the real images of the other generators, in a root
# that is a machine of that generator (its kernel hook and our integration
# installed), as a Debian or Arch system would be: the image is recognised,
# and checked against the layout its generator gives it.
initrd_check_root() {
    local img=$1 gen=$2 r=$WORK/check-root-$1
    rm -rf "$r"
    mkdir -p "$r/etc" "$r/boot" "$r/lib/modules" "$r/usr/sbin" "$r/sys/bus/pci/devices"
    cp "$C/addr.ini" "$r/etc/vfio-devices.ini"
    ln -s "/lib/modules/$KVER" "$r/lib/modules/$KVER"
    ln -s "/boot/vmlinuz-$KVER" "$r/boot/vmlinuz-$KVER"
    cp "$BUILD/vfio-bind" "$r/usr/sbin/vfio-bind"
    case $gen in
        itools)
            mkdir -p "$r/etc/kernel/postinst.d" "$r/usr/share/initramfs-tools/hooks"
            : > "$r/etc/kernel/postinst.d/initramfs-tools"
            : > "$r/usr/sbin/update-initramfs"
            cp "$REPO/initramfs-tools/hooks/vfio-bind" "$r/usr/share/initramfs-tools/hooks/"
            cp "$WORK/$img.img" "$r/boot/initrd.img-$KVER"
            ;;
        mk)
            mkdir -p "$r/usr/bin" "$r/usr/lib/initcpio/install" "$r/etc/mkinitcpio.d" "$r/etc/mkinitcpio.conf.d"
            : > "$r/usr/bin/mkinitcpio"
            cp "$REPO/mkinitcpio/install/vfio-bind" "$r/usr/lib/initcpio/install/"
            cp "$MK_TREE/mkinitcpio.conf" "$r/etc/mkinitcpio.conf"
            "$BUILD/vfio-setup" --root "$r" initramfs enable > /dev/null
            printf "PRESETS=('default')\ndefault_image=\"/boot/initramfs-test.img\"\n" > "$r/etc/mkinitcpio.d/test.preset"
            cp "$WORK/$img.img" "$r/boot/initramfs-test.img"
            ;;
    esac
    "$BUILD/vfio-initrd-check" --root "$r" --no-cmdline ${3:+--image "$3"} > "$WORK/$img.check" 2>&1
}
expect_check_output() {
    grep -q -- "$2" "$WORK/$1.check" || err "vfio-initrd-check on $1 lacks /$2/:$(sed 's/^/\n    /' "$WORK/$1.check")"
}
# expect_only_host_unknown IMG: the check's one complaint is that this root
# cannot tell what the host needs (it is no booted machine, and the image
# was built on another): anything else is a failure, and so is silence.
expect_only_host_unknown() {
    local other
    other=$(grep '^problem: ' "$WORK/$1.check" | grep -v 'devices the host needs\|/etc/vfio-bind/host-devices')
    [ -z "$other" ] || err "vfio-initrd-check on $1: $other"
    expect_check_output "$1" "^problem: .*devices the host needs"
}
static_image-itools() {
    initrd_check_root itools-addr itools
    expect_check_output itools-addr "initramfs-tools, gzip"
    expect_only_host_unknown itools-addr
}
static_image-itools-none() {
    initrd_check_root itools-none itools && err "vfio-initrd-check on the image without our hook: exit 0 (want 1)"
    expect_check_output itools-none "built without the vfio-bind initramfs-tools hook"
    expect_check_output itools-none "fix: update-initramfs -u -k $KVER"
}
static_image-mk() {
    initrd_check_root mk-addr mk /boot/initramfs-test.img
    expect_check_output mk-addr "mkinitcpio, uncompressed"
    expect_only_host_unknown mk-addr
}
static_image-mk-sd() {
    initrd_check_root mk-sd-addr mk /boot/initramfs-test.img
    expect_only_host_unknown mk-sd-addr
}
static_image-mk-none() {
    initrd_check_root mk-none mk /boot/initramfs-test.img && err "vfio-initrd-check on the image without our hook: exit 0 (want 1)"
    expect_check_output mk-none "built without the vfio-bind hook"
    expect_check_output mk-none "fix: mkinitcpio -p test"
}
STATIC="
image-itools itools-addr initramfs-tools image: recognised, boot script before udev, all good but the host's needs (not this root's to know)
image-itools-none itools-none initramfs-tools image without our hook: said, fixed with update-initramfs
image-mk mk-addr mkinitcpio image: recognised, vfio-bind among the early hooks before udev, all good but the host's needs
image-mk-none mk-none mkinitcpio image without our hook: said, fixed with mkinitcpio -p
image-mk-sd mk-sd-addr mkinitcpio image with the systemd hook: our unit enabled, all good but the host's needs
image-systemd addr binary, config, snippet with softdep radeon, vfio modules, unit enabled [systemd image]
image-shell addr-shell binary, config, snippet, pre-udev hook, no unit [shell image]
image-id-only idonly modprobe snippet for an id-only entry: softdep, never ids=
image-none none negative-control image has radeon and no vfio-bind
module-check - module check(): 0 when configured, 255 otherwise
"
while read -r name img desc; do
    [ -n "$name" ] && wanted "$name" || continue
    ERRS=""
    if [ "$img" != - ] && [ ! -s "$WORK/$img.img" ]; then
        err "image $img was not built"
    else
        "static_$name"
    fi
    verdict "$name" "$desc"
done <<< "$STATIC"

echo "run-all: total $(($(date +%s) - T0)) s"
if [ "$REPORT_FAILED" = 0 ] && [ -z "${VM_KEEP:-}" ]; then
    rm -rf "$WORK"
else
    echo "run-all: logs kept in $WORK"
fi
report_finish
