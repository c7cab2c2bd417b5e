#include "boot/scan.h"

#include <algorithm>
#include <set>

#include "boot/iommu.h"

namespace vb {

Result<std::vector<PciDevice>> scan_for_config(const Fs& fs, const Config& config, std::vector<std::string>* skipped) {
    // "0000:01:00.0", or with group = yes the card's prefix "0000:01:00."
    std::set<std::string> wanted;
    for (const auto& e : config.devices) {
        if (!e.address) return scan_pci_devices(fs, skipped);
        std::string a = e.address->str();
        wanted.insert(config.group ? a.substr(0, a.size() - 1) : a);
    }
    auto devices = scan_pci_devices(fs, skipped, [&](const std::string& name) {
        return name.size() == 12 && (wanted.count(name) || wanted.count(name.substr(0, 11)));
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
