// Where a block device or network interface sits on the PCI bus, followed
// down through the layers sysfs shows: partitions, device mapper (dm-crypt,
// LVM, multipath), md RAID and bcache via slaves/ (and a bcache set's cache
// devices), native NVMe multipath to every controller of the subsystem,
// multi-device btrfs via /sys/fs/btrfs; bridges, bonds and VLANs via brif/,
// bonding/slaves and lower_*.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "basic/fs.h"
#include "boot/pci_address.h"

namespace vb {

// The PCI function a sysfs device path belongs to: the last DDDD:BB:SS.F
// component of the path (or of a symlink's target), if any.
std::optional<PciAddress> pci_in_path(const std::string& path);

struct Followed {
    std::set<PciAddress> pci;         // the controllers at the bottom
    std::vector<std::string> unknown; // what ends elsewhere ("loop0", "nvme0n1 (native NVMe multipath)")
    bool network = false;             // an iSCSI/NBD disk: its path goes over the network
};

// A block device by kernel name ("dm-1", "sda2") or by "MAJ:MIN".
Followed follow_block(const Fs& fs, const std::string& name_or_devno);
// Every device of the btrfs file system on block device `name` ("vdb2"), as
// /sys/fs/btrfs/<fsid>/devices/ lists them; {name} when it is in none.
std::vector<std::string> btrfs_devices(const Fs& fs, const std::string& name);
// The kernel name of a /dev path ("/dev/mapper/vg-root" -> "dm-1", "/dev/disk/by-uuid/..." -> "nvme0n1p2").
std::string block_name(const Fs& fs, const std::string& dev_path);
// A network interface ("br0", "bond0.10", "enp3s0").
Followed follow_netdev(const Fs& fs, const std::string& ifname);

} // namespace vb
