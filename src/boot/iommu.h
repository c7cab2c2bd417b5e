// IOMMU groups: /sys/kernel/iommu_groups/N/devices/<addr>. vfio can only hand
// a whole group to a guest, so every endpoint in it matters.
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "basic/fs.h"
#include "boot/pci.h"

namespace vb {

inline constexpr const char* kIommuGroupsDir = "/sys/kernel/iommu_groups";

// group number -> member addresses, from the devices' iommu_group links.
std::map<int, std::vector<PciAddress>> group_members(const std::vector<PciDevice>& devices);

// True when the running kernel has an IOMMU with groups (any group present).
bool iommu_active(const Fs& fs);

// Already held by a stub driver, so it cannot stop its group from going to a guest.
bool held_by_vfio(const PciDevice& d);

// vfio hands a group to a guest only whole. The members of a group that stand
// in the way: endpoints that are not `ours` (going to the guest with it), not
// bridges and not already held by vfio-pci/pci-stub. Empty: the group is viable.
std::vector<const PciDevice*> group_blockers(const std::vector<const PciDevice*>& members,
                                             const std::function<bool(const PciDevice&)>& ours);

} // namespace vb
