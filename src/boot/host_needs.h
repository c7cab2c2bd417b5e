// The PCI devices the host needs to come up and be reached (the controllers
// of its root, /boot, /usr, swap and resume devices, the NIC of a network
// root, the console display), as found when the image was built (in it:
// /etc/vfio-bind/host-devices) or before the real root's run (/run/...).
// vfio-bind refuses them and every device of their IOMMU groups.
//   one line each: ADDRESS VENDOR:DEVICE KIND: WHAT   ('#' comments)
//   0000:00:06.0 1af4:1001 storage: / (ext4 on vda)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "basic/fs.h"
#include "basic/result.h"
#include "boot/pci_address.h"

namespace vb {

inline constexpr const char* kHostNeedsImagePath = "/etc/vfio-bind/host-devices";
inline constexpr const char* kHostNeedsRunPath = "/run/vfio-bind/host-devices";

struct HostNeed {
    PciAddress address;
    std::string id;                 // "1af4:1001" as recorded
    std::string kind;               // "storage", "network", "console"
    std::string what;               // "/ (ext4 on vda)"
    std::optional<int> iommu_group; // where it is now (load_host_needs)
    bool console() const { return kind == "console"; }
    std::string str() const { return address.str() + " (" + kind + ": " + what + ")"; }
};

Result<std::vector<HostNeed>> parse_host_needs(std::string_view text, const std::string& path);
std::string format_host_needs(const std::vector<HostNeed>& needs);

// Both records (the image's and the real root's), when present, each need
// with its IOMMU group read from sysfs now. A need whose address now holds
// another device (an image built on another machine, a card swapped) is
// dropped and named in `errors`, as is a record that cannot be read: the
// boot goes on with what is known.
std::vector<HostNeed> load_host_needs(const Fs& fs, std::vector<std::string>* errors);
// Reads each need's IOMMU group from sysfs.
void read_host_need_groups(const Fs& fs, std::vector<HostNeed>& needs);

} // namespace vb
