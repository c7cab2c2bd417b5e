// The running system's mounts and swap areas, as /proc tells them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "basic/fs.h"
#include "basic/result.h"

namespace vb {

struct Mount {
    std::string point;   // "/boot" (relative to this process's root)
    std::string dev;     // "259:3" (st_dev; "0:NN" for btrfs, NFS...)
    std::string fstype;  // "ext4", "nfs4", "btrfs"
    std::string source;  // "/dev/nvme0n1p2", "server:/export"
    std::string options; // the super block options ("rw,addr=10.0.0.1")
};

// /proc/self/mountinfo, in order (a later mount over the same point hides the earlier).
std::vector<Mount> parse_mountinfo(std::string_view text);
// The mount `point` as it is now, or nullptr.
const Mount* find_mount(const std::vector<Mount>& mounts, const std::string& point);
// The mount holding `path` (the longest mount point that is a prefix of it).
const Mount* mount_of(const std::vector<Mount>& mounts, const std::string& path);
// The result points into `mounts`: never into a temporary.
const Mount* find_mount(std::vector<Mount>&&, const std::string&) = delete;
const Mount* mount_of(std::vector<Mount>&&, const std::string&) = delete;

// One line of /etc/fstab (octal escapes undone, comments and short lines skipped).
struct FstabEntry {
    std::string source;  // "UUID=...", "/dev/sda2", "server:/export"
    std::string point;   // "/var", "none" for swap
    std::string fstype;  // "ext4", "swap", "nfs"
    std::string options; // "defaults,nofail"
};
std::vector<FstabEntry> parse_fstab(std::string_view text);

struct Swap {
    std::string name; // "/dev/dm-1", "/swapfile"
    bool file = false;
};
std::vector<Swap> parse_swaps(std::string_view text);

} // namespace vb
