// IOMMU groups: /sys/kernel/iommu_groups/N/devices/<addr>. vfio can only hand
// a whole group to a guest, so every endpoint in it matters.
#pragma once

#include <map>
#include <vector>

#include "fs.h"
#include "pci.h"

namespace vb {

inline constexpr const char* kIommuGroupsDir = "/sys/kernel/iommu_groups";

// group number -> member addresses, from the devices' iommu_group links.
std::map<int, std::vector<PciAddress>> group_members(const std::vector<PciDevice>& devices);

// True when the running kernel has an IOMMU with groups (any group present).
bool iommu_active(const Fs& fs);

} // namespace vb
