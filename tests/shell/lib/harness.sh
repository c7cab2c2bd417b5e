# Sourced by the shell tests (tests/shell/*.sh): a scratch dir $T removed on
# exit, PASS/FAIL counting, and a fixture sysfs builder in the kernel's layout.

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { echo "PASS: $1"; pass=$((pass + 1)); }
ko() { echo "FAIL: $1"; fail=$((fail + 1)); }

# expect NAME WANTED_RC GREP_PATTERN -- command...
expect() {
    name=$1 want=$2 pat=$3
    shift 4
    "$@" >"$T/out" 2>&1
    rc=$?
    if [ "$rc" -ne "$want" ]; then ko "$name (exit $rc, wanted $want)"; sed 's/^/    /' "$T/out"; return; fi
    if [ -n "$pat" ] && ! grep -q -- "$pat" "$T/out"; then ko "$name (no '$pat' in output)"; sed 's/^/    /' "$T/out"; return; fi
    ok "$name"
}

# same NAME FILE1 FILE2: byte for byte
same() { if cmp -s "$2" "$3"; then ok "$1"; else ko "$1"; diff -u "$2" "$3" | sed 's/^/    /'; fi; }

# add_dev ROOT ADDR VENDOR DEVICE CLASS GROUP DRIVER BOOT_VGA
# GROUP and DRIVER may be '-'. SUBSYS_VENDOR/SUBSYS_DEVICE set the subsystem ids.
add_dev() {
    d=$1/sys/devices/pci0000:00/$2
    sv=${SUBSYS_VENDOR:-1af4} sd=${SUBSYS_DEVICE:-1100}
    mkdir -p "$d" "$1/sys/bus/pci/devices" "$1/sys/kernel/iommu_groups"
    echo "0x$3" >"$d/vendor"; echo "0x$4" >"$d/device"; echo "0x$5" >"$d/class"
    echo "0x$sv" >"$d/subsystem_vendor"; echo "0x$sd" >"$d/subsystem_device"
    echo "(null)" >"$d/driver_override"
    up() { echo "$1" | tr a-f A-F; }
    echo "pci:v0000$(up "$3")d0000$(up "$4")sv0000$(up "$sv")sd0000$(up "$sd")bc$(up "$5" | cut -c1-2)sc$(up "$5" | cut -c3-4)i$(up "$5" | cut -c5-6)" >"$d/modalias"
    case $5 in 03*) echo "$8" >"$d/boot_vga" ;; esac
    ln -s "../../../devices/pci0000:00/$2" "$1/sys/bus/pci/devices/$2"
    if [ "$6" != - ]; then
        mkdir -p "$1/sys/kernel/iommu_groups/$6/devices"
        ln -s "../../../../kernel/iommu_groups/$6" "$d/iommu_group"
        ln -s "../../../../devices/pci0000:00/$2" "$1/sys/kernel/iommu_groups/$6/devices/$2"
    fi
    if [ "$7" != - ]; then
        mkdir -p "$1/sys/bus/pci/drivers/$7"; : >"$1/sys/bus/pci/drivers/$7/unbind"
        ln -s "../../../bus/pci/drivers/$7" "$d/driver"
    fi
}

# The closing line, and the exit status.
finish() {
    echo "${1:+$1: }$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
