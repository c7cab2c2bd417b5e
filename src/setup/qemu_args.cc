#include "setup/qemu_args.h"

#include <algorithm>
#include <cstdio>

namespace vb {

namespace {

std::string hex(uint32_t v, int width) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%0*x", width, v);
    return buf;
}

std::string qemu_device(const PciDevice& d, int slot, int function, bool multifunction, bool x_vga) {
    std::string s = "vfio-pci,host=" + d.address.str() + ",bus=pcie.0,addr=" + hex(slot, 0) + "." + hex(function, 0);
    if (multifunction) s += ",multifunction=on";
    if (x_vga) s += ",x-vga=on";
    return s;
}

std::string hostdev(const PciDevice& d, int slot, int function, bool multifunction) {
    const PciAddress& a = d.address;
    return "<hostdev mode='subsystem' type='pci' managed='yes'>\n"
           "  <source>\n"
           "    <address domain='" +
           hex(a.domain, 4) + "' bus='" + hex(a.bus, 2) + "' slot='" + hex(a.slot, 2) + "' function='" +
           hex(a.function, 1) +
           "'/>\n"
           "  </source>\n"
           "  <address type='pci' domain='0x0000' bus='0x00' slot='" +
           hex(slot, 2) + "' function='" + hex(function, 1) + "'" + (multifunction ? " multifunction='on'" : "") +
           "/>\n"
           "</hostdev>";
}

} // namespace

Result<QemuArgs> qemu_args(const Plan& plan, const QemuOptions& options) {
    QemuArgs out;
    for (const auto& r : plan.refused) out.notes.push_back("not included: " + r.subject + " " + r.reason);
    for (const auto& w : plan.warnings) out.notes.push_back("warning: " + w);
    if (plan.targets.empty())
        return make_error(ENOENT, "no configured device would be claimed ('vfio-setup status' says why)");

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

    int slot = options.first_slot - 1;
    for (size_t i = 0; i < targets.size(); i++) {
        const bool new_card = i == 0 || !targets[i]->address.same_slot(targets[i - 1]->address);
        if (new_card) slot++;
        if (slot > 0x1e) // 0x1f holds q35's ICH9 functions
            return make_error(E2BIG, "more cards than free guest slots on pcie.0 from " + hex(options.first_slot, 0));
        size_t first = i;
        while (first > 0 && targets[first - 1]->address.same_slot(targets[i]->address)) first--;
        size_t count = 0;
        for (const PciDevice* d : targets) count += d->address.same_slot(targets[i]->address);
        const int function = static_cast<int>(i - first);
        const bool multi = function == 0 && count > 1;
        out.devices.push_back(options.libvirt ? hostdev(*targets[i], slot, function, multi)
                                              : qemu_device(*targets[i], slot, function, multi, targets[i] == vga));
    }
    return out;
}

std::string format_qemu_args(const QemuArgs& args, const QemuOptions& options) {
    std::string out;
    for (size_t i = 0; i < args.devices.size(); i++) {
        if (options.libvirt) out += args.devices[i] + "\n";
        else out += "-device " + args.devices[i] + (i + 1 < args.devices.size() ? " \\\n" : "\n");
    }
    return out;
}

} // namespace vb
