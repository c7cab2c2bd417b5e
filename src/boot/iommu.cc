#include "boot/iommu.h"

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

bool held_by_vfio(const PciDevice& d) { return d.driver == "vfio-pci" || d.driver == "pci-stub"; }

std::vector<const PciDevice*> group_blockers(const std::vector<const PciDevice*>& members,
                                             const std::function<bool(const PciDevice&)>& ours) {
    std::vector<const PciDevice*> out;
    for (const PciDevice* m : members)
        if (!ours(*m) && !m->is_bridge() && !held_by_vfio(*m)) out.push_back(m);
    return out;
}

} // namespace vb
