#include "boot/plan.h"

#include <map>
#include <set>
#include <unordered_map>

#include "boot/iommu.h"

namespace vb {

namespace {

std::string describe(const PciDevice& d) {
    return d.address.str() + " (" + d.id_str() + ", " + pci_class_name(d.class_code) +
           (d.driver.empty() ? "" : ", driver " + d.driver) + ")";
}

// Why a device must not be claimed, or "" when it may be.
std::string refusal_reason(const Config& config, const PciDevice& d) {
    if (d.is_bridge()) return "is a PCI bridge; only endpoints can be passed to a guest";
    if (!d.iommu_group)
        return "has no IOMMU group: the IOMMU is off. Enable it on the kernel command line "
               "(intel_iommu=on on Intel; run 'vfio-setup cmdline enable') and reboot";
    return host_keeps_reason(config, d);
}

} // namespace

std::string host_keeps_reason(const Config& config, const PciDevice& d) {
    if (d.boot_vga && !config.boot_vga)
        return "is the boot VGA device (the host console); set 'boot_vga = yes' in [options] to claim it anyway";
    return "";
}

Plan make_plan(const Config& config, const std::vector<PciDevice>& devices) {
    Plan plan;
    std::unordered_map<std::string, const PciDevice*> by_address;
    std::map<std::tuple<uint32_t, int, int>, std::vector<const PciDevice*>> by_slot;
    std::map<int, std::vector<const PciDevice*>> by_group;
    for (const auto& d : devices) {
        by_address[d.address.str()] = &d;
        by_slot[{d.address.domain, d.address.bus, d.address.slot}].push_back(&d);
        if (d.iommu_group) by_group[*d.iommu_group].push_back(&d);
    }

    std::set<std::string> chosen;  // addresses already targeted
    std::set<std::string> refused; // addresses already refused
    auto consider = [&](const PciDevice& d, const std::string& why) {
        const std::string a = d.address.str();
        if (chosen.count(a) || refused.count(a)) return;
        if (std::string r = refusal_reason(config, d); !r.empty()) {
            refused.insert(a);
            plan.refused.push_back({a, d.id_str() + " " + r, d.address});
            return;
        }
        chosen.insert(a);
        plan.targets.push_back({d, why});
    };

    // Explicit entries first, so a device is named after the entry that asked for it.
    for (const auto& e : config.devices) {
        if (e.address) {
            auto it = by_address.find(e.address->str());
            if (it == by_address.end()) {
                plan.refused.push_back({e.address->str(), "[" + e.name +
                                                              "]: no device at this address (was the card moved or "
                                                              "removed? 'vfio-setup list' shows what is there)"});
                continue;
            }
            const PciDevice& d = *it->second;
            if (!e.id) {
                plan.refused.push_back({d.address.str(),
                                        "[" + e.name + "]: an address needs its id too (id = " + d.id_str() +
                                            ") so a moved card is never claimed by mistake",
                                        d.address});
                continue;
            }
            if (!d.matches(*e.id)) {
                plan.refused.push_back({d.address.str(),
                                        "[" + e.name + "]: the device here is " + d.id_str() + ", not " + e.id->str() +
                                            " as configured; not claiming it (cards moved? fix the address or id)",
                                        d.address});
                continue;
            }
            consider(d, "[" + e.name + "] by address");
        } else if (e.id) {
            bool any = false;
            for (const auto& d : devices) {
                if (!d.matches(*e.id)) continue;
                any = true;
                consider(d, "[" + e.name + "] by id " + e.id->str());
            }
            if (!any) plan.warnings.push_back("[" + e.name + "]: no device with id " + e.id->str() + " is present");
        }
    }

    // The other functions of each claimed card (HDMI audio, USB-C controller).
    if (config.group) {
        const size_t n = plan.targets.size();
        for (size_t i = 0; i < n; i++) {
            const PciAddress a = plan.targets[i].device.address;
            for (const PciDevice* sib : by_slot[{a.domain, a.bus, a.slot}])
                if (!sib->is_bridge()) consider(*sib, "same card as " + a.str());
        }
    }

    // A group can go to a guest only whole: name what else is in it, never claim it.
    std::set<int> reported;
    for (const auto& t : plan.targets) {
        int g = *t.device.iommu_group;
        if (!reported.insert(g).second) continue;
        std::string others;
        auto ours = [&](const PciDevice& m) { return chosen.count(m.address.str()) > 0; };
        for (const PciDevice* m : group_blockers(by_group[g], ours))
            others += (others.empty() ? "" : ", ") + describe(*m);
        if (!others.empty())
            plan.warnings.push_back("IOMMU group " + std::to_string(g) + " is not viable: it also holds " + others +
                                    ", not claimed; the group cannot be given to a guest until they are "
                                    "added to the config or the card is moved to another slot");
    }

    // ids= would let vfio-pci take every match, including a device we refused
    // (the boot GPU): such ids are left out and their devices handled one by one.
    Config safe = config;
    safe.devices.clear();
    for (const auto& e : config.devices) {
        bool hits_refused = false;
        if (!e.address && e.id)
            for (const auto& r : plan.refused) {
                auto it = r.device ? by_address.find(r.device->str()) : by_address.end();
                if (it != by_address.end() && it->second->matches(*e.id)) hits_refused = true;
            }
        if (hits_refused)
            plan.warnings.push_back("[" + e.name + "]: id " + e.id->str() +
                                    " left out of vfio-pci ids= because a refused device has it");
        else safe.devices.push_back(e);
    }
    plan.module_options = safe.module_options();
    return plan;
}

} // namespace vb
