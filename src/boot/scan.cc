#include "boot/scan.h"

#include <algorithm>
#include <set>

#include "boot/iommu.h"

namespace vb {

Result<std::vector<PciDevice>> scan_for_config(const Fs& fs, const Config& config, std::vector<std::string>* skipped) {
    // The configured functions, or with group = yes every function of their slots.
    std::vector<PciAddress> wanted;
    for (const auto& e : config.devices) {
        if (!e.address) return scan_pci_devices(fs, skipped);
        wanted.push_back(*e.address);
    }
    auto devices = scan_pci_devices(fs, skipped, [&](const std::string& name) {
        auto a = parse_pci_sysfs_name(name);
        if (!a) return false;
        for (const auto& w : wanted) {
            if (config.group ? w.same_slot(*a) : w == *a) return true;
            // The same bus address in another domain: the plan names it
            // when the configured one is absent (a VMD domain, a second host bridge).
            if (a->bus == w.bus && a->slot == w.slot && a->function == w.function) return true;
        }
        return false;
    });
    if (!devices) return devices;

    std::set<std::string> have;
    std::set<int> groups;
    for (const auto& d : *devices) {
        have.insert(d.address.str());
        if (d.iommu_group) groups.insert(*d.iommu_group);
    }
    for (int g : groups) {
        auto members = fs.list_dir(std::string(kIommuGroupsDir) + "/" + std::to_string(g) + "/devices");
        if (!members) continue;
        for (const auto& name : *members) {
            if (have.count(name)) continue;
            auto addr = parse_pci_address(name);
            if (!addr) continue;
            auto d = read_pci_device(fs, *addr);
            if (!d) {
                if (skipped) skipped->push_back(name + ": " + d.error().message);
                continue;
            }
            have.insert(name);
            devices->push_back(std::move(*d));
        }
    }
    std::sort(devices->begin(), devices->end(),
              [](const PciDevice& a, const PciDevice& b) { return a.address < b.address; });
    return devices;
}

} // namespace vb
