#!/bin/bash
# Helpers of the whole-system test (sourced by tests/system/run.sh).

# The Debian mirror this machine's apt uses for bookworm (deb822 .sources or
# one-line .list files); SYSTEST_MIRROR overrides it. None: an error, never
# a guess at a host.
sys_mirror() {
    local f uri
    if [ -n "${SYSTEST_MIRROR:-}" ]; then echo "$SYSTEST_MIRROR"; return; fi
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        uri=$(awk '
            function flush() { if (types ~ /(^| )deb( |$)/ && suites ~ /(^| )bookworm( |$)/ && uris != "" && !done) { split(uris, u, " "); print u[1]; done = 1 } types = suites = uris = "" }
            /^[ \t]*$/ { flush(); next }
            tolower($1) == "types:" { $1 = ""; types = $0 " " }
            tolower($1) == "suites:" { $1 = ""; suites = $0 " " }
            tolower($1) == "uris:" { $1 = ""; sub(/^ +/, ""); uris = $0 }
            END { flush() }' "$f")
        [ -n "$uri" ] && { echo "$uri"; return; }
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        uri=$(awk '$1 == "deb" { url = ""; suite = ""
                for (i = 2; i <= NF; i++) if (url == "" && $i ~ /^[a-z+]+:\/\//) { url = $i; suite = $(i + 1) }
                if (suite == "bookworm") { print url; exit } }' "$f")
        [ -n "$uri" ] && { echo "$uri"; return; }
    done
    echo "system: no bookworm mirror in this machine's apt sources (/etc/apt/sources.list*); set SYSTEST_MIRROR" >&2
    return 1
}

# Mount what apt, dpkg and dracut need inside the tree; sys_umount undoes it.
sys_mount() {
    local r=$1
    mountpoint -q "$r/proc" || mount -t proc proc "$r/proc"
    mountpoint -q "$r/sys" || mount -t sysfs sysfs "$r/sys"
    mountpoint -q "$r/dev" || mount --bind /dev "$r/dev"
    mountpoint -q "$r/dev/pts" || mount -t devpts devpts "$r/dev/pts" 2>/dev/null || true
}
sys_umount() {
    local r=$1 m
    for m in dev/pts dev sys proc; do
        mountpoint -q "$r/$m" && umount -l "$r/$m"
    done
    return 0
}

# Run a command in the tree, as a Debian maintainer would see it.
in_root() {
    chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# The cached Debian 12 tree: debootstrap minbase, then apt installs the kernel
# and systemd; the kernel brings initramfs-tools, as on a stock install.
# Debian's dracut packages are downloaded beside it (debs/dracut/) for the
# machine that uses dracut; the kernel .deb (debs/) for the "kernel update".
# Keyed by suite, mirror and package list. Sets BASE.
SYS_SUITE=bookworm
SYS_PKGS="systemd systemd-sysv udev kmod linux-image-amd64 initramfs-tools zstd"
SYS_DRACUT_PKGS="dracut dracut-core"
# Suites running at once wait for one another's debootstrap (flock).
sys_base() {
    local lock rc
    mkdir -p "$CACHE" || return 1
    exec {lock}> "$CACHE/base.lock"
    flock "$lock"
    sys_base_locked
    rc=$?
    exec {lock}>&-
    return "$rc"
}
sys_base_locked() {
    local mirror key tmp
    mirror=$(sys_mirror) || return 1
    key=$(printf '%s\n' "$SYS_SUITE" "$mirror" "$SYS_PKGS" "$SYS_DRACUT_PKGS" "base-v2" | sha256sum | cut -c1-16)
    BASE=$CACHE/$SYS_SUITE-$key
    if [ -e "$BASE/done" ]; then
        echo "system: cached Debian tree $BASE"
        return 0
    fi
    echo "system: debootstrap $SYS_SUITE from $mirror into $BASE (cached for the next runs)"
    rm -rf --one-file-system "$BASE"
    mkdir -p "$BASE/debs"
    tmp=$BASE/root
    debootstrap --variant=minbase "$SYS_SUITE" "$tmp" "$mirror" > "$BASE/debootstrap.log" 2>&1 || {
        tail -n 20 "$BASE/debootstrap.log"; return 1; }
    ROOT=$tmp
    sys_mount "$tmp"
    # shellcheck disable=SC2086
    if ! in_root apt-get install -y -q --no-install-recommends $SYS_PKGS > "$BASE/apt.log" 2>&1; then
        sys_umount "$tmp"
        tail -n 20 "$BASE/apt.log"
        return 1
    fi
    mv "$tmp"/var/cache/apt/archives/linux-image-[0-9]*.deb "$BASE/debs/"
    in_root apt-get clean
    # shellcheck disable=SC2086
    if ! in_root apt-get install -y -q --no-install-recommends --download-only $SYS_DRACUT_PKGS >> "$BASE/apt.log" 2>&1; then
        sys_umount "$tmp"
        tail -n 20 "$BASE/apt.log"
        return 1
    fi
    sys_umount "$tmp"
    mkdir -p "$BASE/debs/dracut"
    mv "$tmp"/var/cache/apt/archives/*.deb "$BASE/debs/dracut/"
    in_root apt-get clean
    echo systest > "$tmp/etc/hostname"
    touch "$BASE/done"
}
