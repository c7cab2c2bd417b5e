#include "setup/gpu_list.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "basic/json.h"
#include "boot/iommu.h"
#include "boot/plan.h"
#include "host/host_scan.h"
#include "setup/iommu_advice.h"
#include "setup/pci_ids.h"

namespace vb {

namespace {

std::string hex4(uint32_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04x", v & 0xffff);
    return buf;
}

// "Advanced Micro Devices, Inc. [AMD/ATI] Pitcairn XT [1002:6818]", like lspci -nn.
std::string name_of(const ListedFunction& f) {
    std::string n = f.vendor_name;
    if (!f.device_name.empty()) n += (n.empty() ? "" : " ") + f.device_name;
    return n + (n.empty() ? "" : " ") + "[" + f.device.id_str() + "]";
}

// One function; `tail` (its group, what it does to the group's viability)
// follows the driver, before what only some functions have.
std::string line_of(const ListedFunction& f, const std::string& tail) {
    const PciDevice& d = f.device;
    std::string s = d.address.str() + " " + pci_class_name(d.class_code) + " [" + hex4(d.class_code >> 8) +
                    "]: " + name_of(f) + " (driver: " + (d.driver.empty() ? "none" : d.driver) + ")" + tail;
    if (d.boot_vga) s += ", boot VGA: the host console";
    if (!f.host_need.empty()) s += "\n      vfio-bind refuses it: it " + f.host_need.substr(0, f.host_need.find(';'));
    return s;
}

void function_json(JsonWriter& j, const ListedFunction& f) {
    const PciDevice& d = f.device;
    j.begin_object();
    j.key("address").value(d.address.str());
    j.key("class").value(hex4(d.class_code >> 8));
    j.key("class_name").value(pci_class_name(d.class_code));
    j.key("id").value(d.id_str());
    j.key("vendor_name").value(f.vendor_name);
    j.key("device_name").value(f.device_name);
    j.key("driver");
    if (d.driver.empty()) j.null();
    else j.value(d.driver);
    j.key("iommu_group");
    if (d.iommu_group) j.value(*d.iommu_group);
    else j.null();
    j.key("boot_vga").value(d.boot_vga);
    j.key("host_need");
    if (f.host_need.empty()) j.null();
    else j.value(f.host_need);
    j.end_object();
}

} // namespace

Result<GpuList> list_gpus(const Fs& fs) {
    GpuList list;
    list.iommu_active = iommu_active(fs);
    if (!list.iommu_active) list.iommu_advice = iommu_next_step(fs);
    auto devices = scan_pci_devices(fs, &list.skipped);
    if (!devices) return devices.error();

    std::set<VendorDevice> ids;
    for (const auto& d : *devices) ids.insert({d.vendor, d.device});
    const PciNames names = lookup_pci_names(fs, ids);
    Config host; // only what the host needs: vfio-bind refuses that whatever the config says
    host.host_needs = needs_kept(fs, scan_host_needs(fs));
    auto listed = [&](const PciDevice& d) {
        return ListedFunction{d, names.vendor(d.vendor), names.device(d.vendor, d.device),
                              host_need_reason(host, d, false)};
    };
    std::map<int, std::vector<const PciDevice*>> by_group;
    for (const auto& d : *devices)
        if (d.iommu_group) by_group[*d.iommu_group].push_back(&d);

    std::set<std::string> done; // slots already listed ("0000:01:00")
    for (const auto& gpu : *devices) {
        if (!gpu.is_display() || !done.insert(gpu.address.slot_str()).second) continue;
        ListedCard card;
        std::set<int> groups;
        for (const auto& d : *devices) {
            if (!d.address.same_slot(gpu.address)) continue;
            card.functions.push_back(listed(d));
            card.boot_vga = card.boot_vga || d.boot_vga;
            if (d.iommu_group) groups.insert(*d.iommu_group);
        }
        auto on_card = [&](const PciDevice& m) { return m.address.same_slot(gpu.address); };
        for (int g : groups) {
            ListedGroup lg;
            lg.number = g;
            for (const PciDevice* m : by_group[g])
                if (!on_card(*m)) lg.others.push_back(listed(*m));
            for (const PciDevice* m : group_blockers(by_group[g], on_card)) lg.blockers.push_back(m->address.str());
            card.groups.push_back(std::move(lg));
        }
        if (!card.groups.empty()) {
            card.viable = true;
            for (const auto& g : card.groups) card.viable = *card.viable && g.viable();
        }
        list.cards.push_back(std::move(card));
    }
    return list;
}

std::string format_list(const GpuList& list) {
    std::string out;
    if (!list.iommu_active) out += "IOMMU not active: no IOMMU groups (" + list.iommu_advice + ")\n";
    if (list.cards.empty()) out += "no GPU found\n";
    for (const auto& c : list.cards) {
        out += std::string(out.empty() ? "" : "\n") + "GPU " + c.functions.front().device.address.slot_str();
        if (!c.viable) out += ": IOMMU groups unknown (IOMMU off)";
        else out += *c.viable ? ": viable" : ": NOT viable";
        if (c.boot_vga) out += ", boot VGA";
        out += "\n";
        for (const auto& f : c.functions)
            out +=
                "  " + line_of(f, f.device.iommu_group ? " group " + std::to_string(*f.device.iommu_group) : "") + "\n";
        for (const auto& g : c.groups) {
            out += "  IOMMU group " + std::to_string(g.number) + (g.viable() ? " (viable)" : " (NOT viable)");
            out += g.others.empty() ? ": only this card\n" : " also holds:\n";
            for (const auto& o : g.others) {
                const PciDevice& d = o.device;
                const bool blocks =
                    std::find(g.blockers.begin(), g.blockers.end(), d.address.str()) != g.blockers.end();
                out += "    " +
                       line_of(o, blocks && !o.host_need.empty()
                                      ? " <- blocks passthrough; the host needs it: move the card to another slot"
                                  : blocks        ? " <- blocks passthrough: bind it to vfio-pci too or move the card"
                                  : d.is_bridge() ? " (bridge: fine)"
                                                  : " (held by " + d.driver + ": fine)") +
                       "\n";
            }
        }
    }
    for (const auto& s : list.skipped) out += "skipped " + s + "\n";
    return out;
}

std::string format_list_json(const GpuList& list, const std::vector<ExistingIds>& existing) {
    JsonWriter j;
    j.begin_object();
    j.key("version").value(1); // the shape: conf/schema/list.json
    j.key("iommu_active").value(list.iommu_active);
    j.key("gpus").begin_array();
    for (const auto& c : list.cards) {
        j.begin_object();
        j.key("slot").value(c.functions.front().device.address.slot_str());
        j.key("boot_vga").value(c.boot_vga);
        j.key("viable");
        if (c.viable) j.value(*c.viable);
        else j.null();
        j.key("functions").begin_array();
        for (const auto& f : c.functions) function_json(j, f);
        j.end_array();
        j.key("groups").begin_array();
        for (const auto& g : c.groups) {
            j.begin_object();
            j.key("group").value(g.number);
            j.key("viable").value(g.viable());
            j.key("others").begin_array();
            for (const auto& o : g.others) function_json(j, o);
            j.end_array();
            j.key("blockers").begin_array();
            for (const auto& b : g.blockers) j.value(b);
            j.end_array();
            j.end_object();
        }
        j.end_array();
        j.end_object();
    }
    j.end_array();
    j.key("skipped").begin_array();
    for (const auto& s : list.skipped) j.value(s);
    j.end_array();
    j.key("existing_ids");
    existing_ids_json(j, existing);
    j.end_object();
    return j.str() + "\n";
}

} // namespace vb
