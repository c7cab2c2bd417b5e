#include "iommu.h"

namespace vb {

std::map<int, std::vector<PciAddress>> group_members(const std::vector<PciDevice>& devices) {
    std::map<int, std::vector<PciAddress>> groups;
    for (const auto& d : devices)
        if (d.iommu_group) groups[*d.iommu_group].push_back(d.address);
    return groups;
}

bool iommu_active(const Fs& fs) {
    auto groups = fs.list_dir(kIommuGroupsDir);
    return groups && !groups->empty();
}

} // namespace vb
