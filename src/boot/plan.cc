#include "boot/plan.h"

#include <map>
#include <set>

#include "boot/iommu.h"

namespace vb {

namespace {

std::string describe(const PciDevice& d) {
    return d.address.str() + " (" + d.id_str() + ", " + pci_class_name(d.class_code) +
           (d.driver.empty() ? "" : ", driver " + d.driver) + ")";
}

// Why a device must not be claimed, or "" when it may be.
std::string refusal_reason(const Config& config, const PciDevice& d, bool allowed) {
    if (d.is_bridge()) return "is a PCI bridge; only endpoints can be passed to a guest";
    if (!d.iommu_group)
        return "has no IOMMU group: the IOMMU is off. Enable it on the kernel command line "
               "(intel_iommu=on on Intel; run 'vfio-setup cmdline enable') and reboot";
    return host_keeps_reason(config, d, allowed);
}

} // namespace

std::string host_need_reason(const Config& config, const PciDevice& d, bool allowed) {
    const std::string fix = "; if that is meant, set 'allow_host_device = yes' in the entry";
    if (allowed) return "";
    for (const auto& n : config.host_needs) {
        if (n.console() && config.boot_vga) continue;
        if (n.address == d.address) return "is needed by the host (" + n.kind + ": " + n.what + ")" + fix;
        // allow_host_device cannot help here: a group goes to a guest only
        // whole, and the whole group holds what the host needs.
        if (n.iommu_group && d.iommu_group == n.iommu_group)
            return "shares IOMMU group " + std::to_string(*n.iommu_group) + " with " + n.str() +
                   ", which the host needs; a group goes to a guest only whole: move the card to a slot whose "
                   "IOMMU group holds nothing the host needs";
    }
    return "";
}

std::string host_keeps_reason(const Config& config, const PciDevice& d, bool allowed) {
    if (std::string r = host_need_reason(config, d, allowed); !r.empty()) return r;
    if (d.boot_vga && !config.boot_vga && !allowed)
        return "is the boot VGA device (the host console); set 'boot_vga = yes' in [options] to claim it anyway";
    return "";
}

namespace {

// One plan being made: the devices by address, card slot and IOMMU group,
// and what was decided so far. Each phase is one method, in the order
// make_plan runs them.
class Planner {
public:
    Planner(const Config& config, const std::vector<PciDevice>& devices) : config_(config), devices_(devices) {
        for (const auto& d : devices) {
            by_address_[d.address.str()] = &d;
            by_slot_[{d.address.domain, d.address.bus, d.address.slot}].push_back(&d);
            if (d.iommu_group) by_group_[*d.iommu_group].push_back(&d);
        }
    }

    // Explicit entries first, so a device is named after the entry that asked for it.
    void resolve_entries() {
        for (const auto& e : config_.devices) {
            if (e.address) resolve_address(e);
            else if (e.id) resolve_id(e);
        }
    }

    // The other functions of each claimed card (HDMI audio, USB-C controller),
    // not every function of its slot: what shares an APU's slot (the PSP with
    // the fTPM, the SoC's USB) is named and left to the host.
    void add_card_functions() {
        if (!config_.group) return;
        const size_t n = plan_.targets.size();
        std::set<std::string> warned;
        for (size_t i = 0; i < n; i++) {
            const PciDevice d = plan_.targets[i].device;
            const PciAddress a = d.address;
            const SlotSplit split = split_slot(d, by_slot_[{a.domain, a.bus, a.slot}]);
            for (const PciDevice* f : split.card) consider(*f, "same card as " + a.str(), plan_.targets[i].allow_host);
            for (const PciDevice* f : split.left_out)
                if (warned.insert(f->address.str()).second && !chosen_.count(f->address.str()))
                    plan_.warnings.push_back(
                        describe(*f) + " shares the slot of GPU " + split.gpu->address.str() +
                        " but is not part of the card (not an audio, USB or UCSI function of the GPU's vendor, "
                        "nor a consumer device link of the GPU): not claimed with it; name it in the config "
                        "if it is meant");
        }
    }

    // A group can go to a guest only whole: name what else is in it, never claim it.
    void warn_unviable_groups() {
        std::set<int> reported;
        auto ours = [&](const PciDevice& m) { return chosen_.count(m.address.str()) > 0; };
        for (const auto& t : plan_.targets) {
            int g = *t.device.iommu_group;
            if (!reported.insert(g).second) continue;
            std::string others;
            for (const PciDevice* m : group_blockers(by_group_[g], ours))
                others += (others.empty() ? "" : ", ") + describe(*m);
            if (!others.empty())
                plan_.warnings.push_back("IOMMU group " + std::to_string(g) + " is not viable: it also holds " +
                                         others +
                                         ", not claimed; the group cannot be given to a guest until they are "
                                         "added to the config or the card is moved to another slot");
        }
    }

    Plan take() { return std::move(plan_); }

private:
    // True when `d` became a target.
    bool consider(const PciDevice& d, const std::string& why, bool allow_host) {
        const std::string a = d.address.str();
        if (chosen_.count(a) || refused_.count(a)) return false;
        if (std::string r = refusal_reason(config_, d, allow_host); !r.empty()) {
            refused_.insert(a);
            plan_.refused.push_back(
                {a, d.id_str() + " " + r, d.address, !host_need_reason(config_, d, allow_host).empty()});
            return false;
        }
        chosen_.insert(a);
        plan_.targets.push_back({d, why, allow_host});
        return true;
    }

    void resolve_address(const DeviceEntry& e) {
        auto it = by_address_.find(e.address->str());
        if (it == by_address_.end()) {
            plan_.refused.push_back(
                {e.address->str(), "[" + e.name + "]: no device at this address" + elsewhere(*e.address, e.id)});
            return;
        }
        const PciDevice& d = *it->second;
        if (std::string why = entry_refusal(e); !why.empty())
            plan_.refused.push_back({d.address.str(), why + " (here: id = " + d.id_str() + ")", d.address});
        else if (!d.matches(*e.id))
            plan_.refused.push_back({d.address.str(),
                                     "[" + e.name + "]: the device here is " + d.id_str() + ", not " + e.id->str() +
                                         " as configured; not claiming it (cards moved? fix the address or id)",
                                     d.address});
        else consider(d, "[" + e.name + "] by address", e.allow_host_device);
    }

    // Why an address is empty: the device with the entry's id at the same
    // bus address in another domain (an address without a domain means
    // 0000), or else a card moved or removed.
    std::string elsewhere(const PciAddress& a, const std::optional<PciId>& id) const {
        for (const auto& d : devices_)
            if (d.address.domain != a.domain && d.address.bus == a.bus && d.address.slot == a.slot &&
                d.address.function == a.function && id && d.matches(*id))
                return "; the device with id " + id->str() + " at this bus address is " + d.address.str() +
                       ", in PCI domain " + d.address.str().substr(0, d.address.str().find(':')) +
                       " (an address without a domain means 0000): write address = " + d.address.str() +
                       " if it is meant";
        return " (was the card moved or removed? 'vfio-setup list' shows what is there)";
    }

    // Every device with the id the host does not keep: the ones it keeps are
    // expected refusals while the entry claims another (two identical cards,
    // one the console), errors when the entry claims nothing at all.
    void resolve_id(const DeviceEntry& e) {
        bool any = false, claimed = false;
        std::vector<size_t> kept; // this entry's refusals for what the host keeps
        for (const auto& d : devices_) {
            if (!d.matches(*e.id)) continue;
            any = true;
            const size_t before = plan_.refused.size();
            if (consider(d, "[" + e.name + "] by id " + e.id->str(), e.allow_host_device)) claimed = true;
            else if (plan_.refused.size() > before && !host_keeps_reason(config_, d, e.allow_host_device).empty())
                kept.push_back(before);
        }
        if (!any)
            plan_.warnings.push_back("[" + e.name + "]: no device with id " + e.id->str() +
                                     " is present; one that appears later is left to its host driver");
        if (!claimed) return;
        for (size_t i : kept) {
            plan_.refused[i].expected = true;
            plan_.refused[i].reason +=
                " (expected: [" + e.name + "] claims the other devices with id " + e.id->str() + ", nothing to fix)";
        }
    }

    const Config& config_;
    const std::vector<PciDevice>& devices_;
    std::map<std::string, const PciDevice*> by_address_;
    std::map<std::tuple<uint32_t, int, int>, std::vector<const PciDevice*>> by_slot_;
    std::map<int, std::vector<const PciDevice*>> by_group_;
    std::set<std::string> chosen_, refused_; // addresses already targeted or refused
    Plan plan_;
};

} // namespace

Plan make_plan(const Config& config, const std::vector<PciDevice>& devices) {
    Planner p(config, devices);
    p.resolve_entries();
    p.add_card_functions();
    p.warn_unviable_groups();
    Plan plan = p.take();
    // Never ids= (nor new_id): vfio-pci would take every device with the id,
    // also one that appears after this plan (NVMe behind Intel VMD once vmd
    // loads, hotplug, Thunderbolt) without the checks above. Every target is
    // claimed through its driver_override; a later device stays its host driver's.
    plan.module_options = config.vfio_pci_options;
    return plan;
}

} // namespace vb
