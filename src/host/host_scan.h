// What this host needs to come up and be reached, found on the running
// system (at image build time in each generator's hook, before vfio-bind's
// run on the real root, and for vfio-setup and vfio-initrd-check): the
// controllers of /, /usr, /boot and the ESP, of every fstab mount and swap the
// boot waits for (no noauto, nofail, x-systemd.automount), of crypttab's
// devices and the resume device, through dm-crypt, LVM, md, bcache, btrfs,
// ZFS pools (their disks from udev's database) and multipath; the NIC of a
// network root or mount (NFS, CIFS, iSCSI, NBD) on the route to its server;
// the console framebuffer's GPU.
#pragma once

#include <string>
#include <vector>

#include "basic/fs.h"
#include "boot/host_needs.h"

namespace vb {

struct HostScan {
    std::vector<HostNeed> needs;    // one per device (the first reason found), groups read from sysfs
    std::vector<std::string> notes; // what could not be followed, said once each
    std::string machine;            // machine_id()
    bool complete() const { return notes.empty(); }
};

HostScan scan_host_needs(const Fs& fs);
// The record the image gets (boot/host_needs.h).
HostRecord host_record(const HostScan& scan);
// What vfio-bind keeps at boot with this scan's record: its needs, and every
// storage controller (network controllers for a network root) when the scan is incomplete.
std::vector<HostNeed> needs_kept(const Fs& fs, const HostScan& scan);

} // namespace vb
