#include "setup/qemu_args.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "boot/iommu.h"

namespace vb {

namespace {

std::string hex(uint32_t v, int width) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%0*x", width, v);
    return buf;
}

std::string port_id(int card) { return "vfio-rp" + std::to_string(card); }

std::string qemu_port(int card, int slot) {
    // chassis numbers from 16 on stay clear of the ones libvirt and most
    // hand-written command lines give their own root ports (1, 2, ...).
    return "pcie-root-port,id=" + port_id(card) + ",bus=pcie.0,addr=" + hex(slot, 0) +
           ",chassis=" + std::to_string(slot);
}

std::string qemu_device(const PciDevice& d, int card, int function, bool multifunction, bool x_vga) {
    std::string s = "vfio-pci,host=" + d.address.str() + ",bus=" + port_id(card) + ",addr=0x0." + hex(function, 0);
    if (multifunction) s += ",multifunction=on";
    if (x_vga) s += ",x-vga=on";
    return s;
}

std::string libvirt_port(int slot) {
    return "<controller type='pci' model='pcie-root-port' index='" + std::to_string(slot) +
           "'>\n"
           "  <address type='pci' domain='0x0000' bus='0x00' slot='" +
           hex(slot, 2) +
           "' function='0x0'/>\n"
           "</controller>";
}

// managed='no': the device stays on vfio-pci, where vfio-bind put it at boot;
// 'yes' would make libvirt hand it to its host driver when the guest stops.
std::string hostdev(const PciDevice& d, int port_index, int function, bool multifunction) {
    const PciAddress& a = d.address;
    return "<hostdev mode='subsystem' type='pci' managed='no'>\n"
           "  <source>\n"
           "    <address domain='" +
           hex(a.domain, 4) + "' bus='" + hex(a.bus, 2) + "' slot='" + hex(a.slot, 2) + "' function='" +
           hex(a.function, 1) +
           "'/>\n"
           "  </source>\n"
           "  <address type='pci' domain='0x0000' bus='" +
           hex(port_index, 2) + "' slot='0x00' function='" + hex(function, 1) + "'" +
           (multifunction ? " multifunction='on'" : "") +
           "/>\n"
           "</hostdev>";
}

// The targets' IOMMU groups that also hold devices left on the host.
std::string unviable_groups(const Plan& plan, const std::vector<PciDevice>& devices) {
    std::set<std::string> ours;
    std::set<int> groups;
    for (const auto& t : plan.targets) {
        ours.insert(t.device.address.str());
        if (t.device.iommu_group) groups.insert(*t.device.iommu_group);
    }
    std::map<int, std::vector<const PciDevice*>> members;
    for (const auto& d : devices)
        if (d.iommu_group && groups.count(*d.iommu_group)) members[*d.iommu_group].push_back(&d);
    std::string out;
    for (const auto& [g, ms] : members) {
        auto blockers = group_blockers(ms, [&](const PciDevice& m) { return ours.count(m.address.str()) > 0; });
        if (blockers.empty()) continue;
        out += (out.empty() ? "" : "; ") + std::string("IOMMU group ") + std::to_string(g) + " also holds";
        for (const PciDevice* b : blockers)
            out += " " + b->address.str() + " (" + b->id_str() + ", " + pci_class_name(b->class_code) + ", driver " +
                   (b->driver.empty() ? std::string("none") : b->driver) + ")";
    }
    return out;
}

} // namespace

Result<QemuArgs> qemu_args(const Plan& plan, const std::vector<PciDevice>& devices, const QemuOptions& options) {
    QemuArgs out;
    for (const auto& r : plan.refused) out.notes.push_back("not included: " + r.subject + " " + r.reason);
    for (const auto& w : plan.warnings) out.notes.push_back("warning: " + w);
    if (plan.targets.empty())
        return make_error(ENOENT, "no configured device would be claimed ('vfio-setup status' says why)");
    if (std::string unviable = unviable_groups(plan, devices); !unviable.empty())
        return make_error(EINVAL, unviable +
                                      ": QEMU opens a group only when all of it is on vfio-pci, so it would refuse "
                                      "these arguments; add those devices to the config ('vfio-setup add ADDRESS') "
                                      "or move the card to a slot with a group of its own ('vfio-setup list')");

    std::vector<const PciDevice*> targets;
    for (const auto& t : plan.targets) targets.push_back(&t.device);
    std::sort(targets.begin(), targets.end(), [](auto* a, auto* b) { return a->address < b->address; });

    // x-vga: QEMU allows one legacy VGA device, and only a VGA-class function can be it.
    const PciDevice* vga = nullptr;
    if (options.x_vga) {
        for (const PciDevice* d : targets)
            if ((d->class_code >> 8) == 0x0300) {
                vga = d;
                break;
            }
        if (options.libvirt)
            out.notes.push_back("--x-vga: libvirt has no attribute for it; add x-vga=on through <qemu:commandline>");
        else if (vga) out.notes.push_back("x-vga=on on " + vga->address.str() + " (the first VGA controller)");
        else out.notes.push_back("--x-vga: no VGA controller among the devices; x-vga left out");
    }

    int card = -1;
    for (size_t i = 0; i < targets.size(); i++) {
        const bool new_card = i == 0 || !targets[i]->address.same_slot(targets[i - 1]->address);
        if (new_card) {
            card++;
            const int slot = options.first_slot + card;
            if (slot > 0x1e) // 0x1f holds q35's ICH9 functions
                return make_error(E2BIG,
                                  "more cards than free guest slots on pcie.0 from " + hex(options.first_slot, 0));
            out.ports.push_back(options.libvirt ? libvirt_port(slot) : qemu_port(card, slot));
        }
        size_t first = i;
        while (first > 0 && targets[first - 1]->address.same_slot(targets[i]->address)) first--;
        size_t count = 0;
        for (const PciDevice* d : targets) count += d->address.same_slot(targets[i]->address);
        const int function = static_cast<int>(i - first);
        const bool multi = function == 0 && count > 1;
        out.devices.push_back(options.libvirt ? hostdev(*targets[i], options.first_slot + card, function, multi)
                                              : qemu_device(*targets[i], card, function, multi, targets[i] == vga));
    }
    if (options.libvirt)
        out.notes.push_back("libvirt: paste the <devices> content into the domain's <devices> (virsh edit); "
                            "managed='no' keeps the devices on vfio-pci when the guest stops; the controller "
                            "indexes must not clash with the domain's own");
    return out;
}

std::string format_qemu_args(const QemuArgs& args, const QemuOptions& options) {
    std::string out;
    if (options.libvirt) {
        auto indent = [](const std::string& element) {
            std::string s = "  ";
            for (char c : element) s += c == '\n' ? std::string("\n  ") : std::string(1, c);
            return s + "\n";
        };
        out = "<devices>\n";
        for (const auto& p : args.ports) out += indent(p);
        for (const auto& d : args.devices) out += indent(d);
        return out + "</devices>\n";
    }
    std::vector<std::string> lines;
    for (const auto& p : args.ports) lines.push_back("-device " + p);
    for (const auto& d : args.devices) lines.push_back("-device " + d);
    for (size_t i = 0; i < lines.size(); i++) out += lines[i] + (i + 1 < lines.size() ? " \\\n" : "\n");
    return out;
}

} // namespace vb
