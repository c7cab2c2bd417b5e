#!/bin/sh
# make install puts the tools in SBINDIR, and every host-side script and unit
# that runs them names them there (issue 21, item 15): mkinitcpio's install
# hook defaulted to /usr/bin whatever SBINDIR was. Paths inside an image
# (where each generator lays the binary) stay as they are.
# Usage: tests/shell/install_paths.sh BUILD_DIR   (run from the source tree)
set -u
B=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib/harness.sh"

D=$T/dest
if make -C "$SRC" --no-print-directory -s install B="$B" DESTDIR="$D" PREFIX=/opt/vb SBINDIR=/opt/vb/xbin \
    SYSCONFDIR=/opt/vb/etc UNITDIR=/opt/vb/units LIBDIR=/opt/vb/lib >"$T/make.log" 2>&1; then
    ok "make install with SBINDIR=/opt/vb/xbin"
else
    ko "make install failed"
    sed 's/^/    /' "$T/make.log"
    finish
fi
[ -x "$D/opt/vb/xbin/vfio-bind" ] && ok "vfio-bind is in SBINDIR" || ko "vfio-bind is not in SBINDIR"
# The initrd units run inside the image, where the generator put the binary.
found=$(grep -rl -e ':-/usr/s\{0,1\}bin/vfio-' -e '^ExecStart[A-Za-z]*=-\{0,1\}/usr/sbin/vfio-' "$D" 2>/dev/null | grep -v -- '-initrd\.service$')
if [ -z "$found" ]; then ok "no host-side script or unit names /usr/bin or /usr/sbin"; else ko "still naming /usr/(s)bin: $found"; fi
hook=$(find "$D" -path '*initcpio/install/vfio-bind')
if grep -q 'bin=${VFIO_BIND_BINARY:-/opt/vb/xbin/vfio-bind}' "$hook" && grep -q 'setup=${VFIO_BIND_SETUP:-/opt/vb/xbin/vfio-setup}' "$hook"; then
    ok "mkinitcpio's install hook runs the installed vfio-bind and vfio-setup"
else ko "mkinitcpio's install hook: $(grep -n 'VFIO_BIND_' "$hook")"; fi
if grep -q 'add_binary "$bin" /usr/bin/vfio-bind' "$hook"; then ok "inside the image the binary stays at /usr/bin/vfio-bind"; else ko "the in-image path changed"; fi
grep -q '^ExecStart=-/opt/vb/xbin/vfio-bind' "$D/opt/vb/units/vfio-bind.service" && ok "vfio-bind.service runs the installed binary" || ko "vfio-bind.service: $(grep ExecStart "$D/opt/vb/units/vfio-bind.service")"
finish
