// What the kernel command line of this boot tells vfio-bind: vfio_bind=off
// (or vfio-bind=off), the escape hatch for a black screen; vfio_bind.trial=1,
// the trial boot vfio-setup arms (whose claims, if they changed, are
// /etc/vfio-devices.trial.ini's); whether the root comes over the network.
#pragma once

#include <string_view>

#include "basic/fs.h"

namespace vb {

// On the command line of a trial boot only (vfio-setup puts it in the trial entry).
inline constexpr const char* kTrialMarker = "vfio_bind.trial=1";

struct BootOptions {
    bool off = false;
    bool trial = false;
    // root=/dev/nfs, root=nfs:..., nfsroot=, netroot=, ip= (not off/none),
    // boot=nfs, root=/dev/nbd* or nbd:..., iSCSI (iscsi_*, rd.iscsi.*, root=iscsi:...)
    bool network_root = false;
};

BootOptions parse_boot_options(std::string_view cmdline);
// From /proc/cmdline; nothing set when it cannot be read.
BootOptions read_boot_options(const Fs& fs);

// Running from an initramfs: systemd's /etc/initrd-release (dracut,
// mkinitcpio), or initramfs-tools' /conf/initramfs.conf.
bool in_initramfs(const Fs& fs);

} // namespace vb
