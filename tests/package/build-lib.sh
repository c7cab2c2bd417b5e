# shellcheck shell=bash
# The packages, built once per source and shared by every suite that
# installs or inspects one (check-system, check-packages, check-lifecycle):
# each of them built its own, and one CI run compiled the same tree up to
# four times over.
#   pkg_build KIND REF [old]
#                        KIND: deb, rpm or arch; REF: a git commit, or
#                        "worktree" (the working tree, deb only: never cached);
#                        old: a version only ever upgraded from, built
#                        without optimization (-O0: half the compile time)
# Sets PKG (the package file; for deb the .changes is beside it) and
# PKG_CACHED (1 when it was already built). A build is kept in
# $CACHE/packages/KIND/KEY, KEY naming what the package is built from: REF's
# git tree without tests/ (no build here runs them: nocheck, --nocheck,
# --without check) and without the other kinds' packaging directories. A
# suite asking for a package another one is building waits for it (flock).
# Needs CACHE, REPO and WORK set.
# shellcheck disable=SC2034 # PKG, PKG_CACHED: the callers'

# pkg_old_ref: the previous version, whose packages the lifecycle upgrades
# from (LIFECYCLE_OLD_REF, default: the commit before the last change of
# debian/changelog).
pkg_old_ref() {
    if [ -n "${LIFECYCLE_OLD_REF:-}" ]; then echo "$LIFECYCLE_OLD_REF"; return; fi
    echo "$(git -C "$REPO" log -1 --format=%H -- debian/changelog)~1"
}

# pkg_tree_key REF DIR...: REF's top-level tree without tests/ and DIRs.
pkg_tree_key() {
    local ref=$1 tree
    shift
    tree=$(git -C "$REPO" ls-tree "$ref") || return 1
    printf '%s\n' "$tree" | awk -F '\t' -v skip=" tests $* " 'index(skip, " " $2 " ") == 0' | sha1sum | cut -c1-40
}

# pkg_find KIND DIR: the package built into DIR, in PKG.
pkg_find() {
    local f
    PKG=
    case $1 in
        deb)
            for f in "$2"/vfio-bind_*_*.deb; do
                case $f in *dbgsym*) ;; *) [ -f "$f" ] && PKG=$f && break ;; esac
            done
            ;;
        rpm) for f in "$2"/RPMS/*/vfio-bind-[0-9]*.rpm; do [ -f "$f" ] && PKG=$f && break; done ;;
        arch) for f in "$2"/vfio-bind-*.pkg.tar.*; do [ -f "$f" ] && PKG=$f && break; done ;;
    esac
    [ -n "$PKG" ]
}

# pkg_make KIND REF DIR [old]: builds into DIR (its output on stdout and stderr).
pkg_make() {
    local kind=$1 ref=$2 dir=$3 src=$3/src/vfio-bind noopt=${4:+ noopt}
    case $kind in
        deb)
            # dpkg-buildpackage writes beside the source tree: DIR/src.
            mkdir -p "$src"
            if [ "$ref" = worktree ]; then
                tar -C "$REPO" -c --exclude=./build --exclude=./.git --exclude='./crash-*' \
                    --exclude=./debian/vfio-bind . | tar -x -C "$src"
            else
                git -C "$REPO" archive "$ref" | tar -x -C "$src"
            fi || return 1
            (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)$noopt" dpkg-buildpackage -us -uc -b) || return 1
            rm -rf "$src"
            mv "$dir"/src/* "$dir"/ && rmdir "$dir/src"
            ;;
        rpm)
            VFIO_BIND_REF=$ref VFIO_BIND_NOOPT=${noopt:+1} "$REPO/rpm/build-on-debian.sh" "$dir" --without check || return 1
            rm -rf "$dir/BUILD" "$dir/BUILDROOT"
            ;;
        arch)
            VFIO_BIND_REF=$ref VFIO_BIND_NOOPT=${noopt:+1} "$REPO/arch/build-on-debian.sh" "$dir" || return 1
            rm -rf "$dir/src" "$dir/pkg"
            ;;
    esac
}

pkg_build() {
    local kind=$1 ref=$2 flavour=${3:-} others out lock rc=0
    PKG='' PKG_CACHED=0
    case $kind in
        deb) others="rpm arch" ;;
        rpm) others="debian arch" ;;
        arch) others="debian rpm" ;;
        *) echo "pkg_build: no such kind of package: $kind" >&2; return 2 ;;
    esac
    if [ "$ref" = worktree ]; then
        [ "$kind" = deb ] || { echo "pkg_build: only the .deb is built from the working tree" >&2; return 2; }
        out=$WORK/package-worktree
        rm -rf "$out" && mkdir -p "$out"
        echo "packages: building the .deb from the working tree"
        pkg_make deb worktree "$out" > "$out.log" 2>&1 && pkg_find deb "$out" && return 0
        tail -n 30 "$out.log"
        return 1
    fi
    # shellcheck disable=SC2086 # one word per directory
    out=$CACHE/packages/$kind/$(pkg_tree_key "$ref" $others)${flavour:+-$flavour} || return 1
    mkdir -p "$CACHE/packages/$kind" || return 1
    exec {lock}> "$out.lock"
    flock "$lock"
    if [ -e "$out/done" ] && pkg_find "$kind" "$out"; then
        PKG_CACHED=1
        echo "packages: $kind of $ref cached: $PKG"
    else
        echo "packages: building the $kind package of $ref ($(git -C "$REPO" rev-parse --short "$ref"))${flavour:+ ($flavour)}"
        rm -rf "$out" && mkdir -p "$out"
        if pkg_make "$kind" "$ref" "$out" "$flavour" > "$out.log" 2>&1 && pkg_find "$kind" "$out"; then
            touch "$out/done"
        else
            tail -n 30 "$out.log"
            rc=1
        fi
    fi
    exec {lock}>&-
    return "$rc"
}
