#include "setup/live_status.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "basic/read_limits.h"
#include "basic/text.h"
#include "boot/iommu.h"
#include "boot/scan.h"
#include "setup/config_change.h"
#include "setup/initramfs_setup.h"
#include "setup/iommu_advice.h"

namespace vb {

namespace {

bool parse_hex64(std::string_view s, uint64_t& out) {
    std::string t = trim(s);
    if (starts_with(t, "0x")) t = t.substr(2);
    if (t.empty() || t.size() > 16 || t.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) return false;
    out = std::strtoull(t.c_str(), nullptr, 16);
    return true;
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
    return buf;
}

constexpr uint64_t kResourceMem = 0x200; // IORESOURCE_MEM

} // namespace

std::vector<MemRange> parse_iomem(std::string_view text) {
    std::vector<MemRange> out;
    for (const std::string& line : split(text, '\n')) {
        size_t dash = line.find('-'), colon = line.find(" : ");
        if (dash == std::string::npos || colon == std::string::npos || dash > colon) continue;
        MemRange r;
        if (!parse_hex64(std::string_view(line).substr(0, dash), r.start) ||
            !parse_hex64(std::string_view(line).substr(dash + 1, colon - dash - 1), r.end))
            continue;
        r.name = trim(std::string_view(line).substr(colon + 3));
        out.push_back(r);
    }
    return out;
}

std::vector<MemRange> parse_resource(std::string_view text) {
    std::vector<MemRange> out;
    int index = 0;
    for (const std::string& line : split(text, '\n')) {
        auto f = split(trim(line), ' ');
        MemRange r;
        uint64_t flags = 0;
        if (f.size() != 3 || !parse_hex64(f[0], r.start) || !parse_hex64(f[1], r.end) || !parse_hex64(f[2], flags))
            continue;
        r.name = "BAR " + std::to_string(index++);
        if ((flags & kResourceMem) && r.end > r.start) out.push_back(r);
    }
    return out;
}

bool interrupts_remapped(std::string_view text) { return text.find("IR-") != std::string_view::npos; }

std::string framebuffer_param(const std::string& name) {
    if (name == "efifb") return "video=efifb:off";
    if (name == "vesafb") return "video=vesafb:off";
    return "initcall_blacklist=sysfb_init"; // simpledrm, simplefb, BOOTFB
}

std::vector<std::string> SetupStatus::problems() const {
    std::vector<std::string> p;
    if (!config_error.empty()) p.push_back("the config is invalid");
    if (!iommu_active) p.push_back("the IOMMU is not active");
    if (interrupt_remapping && !*interrupt_remapping) p.push_back("interrupt remapping is not active");
    for (const auto& d : devices) {
        const std::string a = d.device.address.str();
        if (d.device.driver != "vfio-pci") p.push_back(a + " is not bound to vfio-pci");
        if (!d.blockers.empty()) p.push_back(a + ": IOMMU group not viable");
        else if (d.device.driver == "vfio-pci" && !d.dev_vfio)
            p.push_back(a + ": no /dev/vfio/" + std::to_string(*d.device.iommu_group));
    }
    for (const auto& r : refused)
        if (!r.expected) p.push_back(r.subject + " refused");
    for (const auto& f : framebuffers) p.push_back(f.framebuffer.name + " sits in " + f.device + "'s memory");
    return p;
}

Result<SetupStatus> read_setup_status(const Fs& fs, const std::string& path) {
    auto cp = configured_plan(fs, path);
    // An invalid config (EINVAL) is one problem among the live state, not instead of it.
    if (!cp && cp.error().code != EINVAL) return cp.error();
    SetupStatus st;
    st.iommu_active = iommu_active(fs);
    if (!st.iommu_active) st.iommu_advice = iommu_next_step(fs);
    st.rebuild = rebuild_advice(fs);
    if (auto irq = fs.read("/proc/interrupts", kMaxProcTable)) st.interrupt_remapping = interrupts_remapped(*irq);
    std::vector<Target> targets;
    std::vector<PciDevice> devices;
    if (cp) {
        st.config_exists = cp->loaded.exists;
        st.entries = cp->loaded.config.devices.size();
        st.refused = cp->plan.refused;
        st.warnings = cp->plan.warnings;
        targets = cp->plan.targets;
        devices = cp->devices;
    } else {
        st.config_exists = true;
        st.config_error = cp.error().message;
        // What vfio-pci holds now, whatever the config meant.
        auto all = scan_pci_devices(fs);
        if (!all) return all.error();
        devices = std::move(*all);
        for (const auto& d : devices)
            if (d.driver == "vfio-pci" && d.iommu_group) targets.push_back({d, "bound to vfio-pci now"});
    }

    std::set<std::string> chosen;
    for (const auto& t : targets) chosen.insert(t.device.address.str());
    std::map<int, std::vector<const PciDevice*>> by_group;
    for (const auto& d : devices)
        if (d.iommu_group) by_group[*d.iommu_group].push_back(&d);
    auto ours = [&](const PciDevice& m) { return chosen.count(m.address.str()) > 0; };

    std::vector<MemRange> iomem;
    if (auto text = fs.read("/proc/iomem", kMaxProcTable)) iomem = parse_iomem(*text);
    for (const auto& t : targets) {
        DeviceState ds{t.device, t.why, {}, false};
        const int g = *t.device.iommu_group; // the plan claims only devices with a group
        for (const PciDevice* b : group_blockers(by_group[g], ours)) ds.blockers.push_back(b->address.str());
        ds.dev_vfio = fs.exists("/dev/vfio/" + std::to_string(g));
        st.devices.push_back(ds);
        if (!t.device.is_display()) continue;
        auto res = fs.read_attribute(t.device.sysfs_dir() + "/resource");
        if (!res) continue;
        for (const MemRange& bar : parse_resource(*res))
            for (const MemRange& m : iomem)
                if ((m.name == "efifb" || m.name == "vesafb" || m.name == "simpledrm" || m.name == "simplefb" ||
                     m.name == "BOOTFB" || m.name == "simple-framebuffer") &&
                    m.overlaps(bar))
                    st.framebuffers.push_back({t.device.address.str(), m, framebuffer_param(m.name)});
    }
    return st;
}

std::string format_status(const SetupStatus& st) {
    std::string out;
    out +=
        std::string("IOMMU:                ") + (st.iommu_active ? "active" : "NOT active: " + st.iommu_advice) + "\n";
    out += "Interrupt remapping:  ";
    if (!st.interrupt_remapping) out += "unknown (/proc/interrupts unreadable)\n";
    else if (*st.interrupt_remapping) out += "active\n";
    else out += "NOT active: vfio refuses devices unless vfio_iommu_type1 allow_unsafe_interrupts=1 (unsafe)\n";
    if (!st.config_error.empty())
        out += "Config:               INVALID, vfio-bind claims nothing at boot (what vfio-pci holds now is "
               "below):\n  " +
               st.config_error + "\n";
    else if (!st.config_exists)
        out += "Config:               none (" + std::string(kDefaultConfigPath) +
               " does not exist; 'vfio-setup add ADDRESS')\n";
    else
        out += "Config:               " + std::to_string(st.entries) + " device entr" +
               (st.entries == 1 ? "y" : "ies") + "\n";
    for (const auto& d : st.devices) {
        const PciDevice& dev = d.device;
        const std::string g = std::to_string(*dev.iommu_group);
        out +=
            "\n" + dev.address.str() + " " + dev.id_str() + " " + pci_class_name(dev.class_code) + " (" + d.why + ")\n";
        out += "  driver:   " + (dev.driver.empty() ? std::string("none") : dev.driver) +
               (dev.driver == "vfio-pci"
                    ? ""
                    : "  <- not claimed (rebuild the initramfs: " + st.rebuild + "; reboot; vfio-initrd-check)") +
               "\n";
        out += "  group " + g + ": " +
               (d.blockers.empty() ? std::string("viable")
                                   : "NOT viable, also holds " +
                                         [&] {
                                             std::string s;
                                             for (const auto& b : d.blockers) s += (s.empty() ? "" : ", ") + b;
                                             return s;
                                         }()) +
               "\n";
        out += "  /dev/vfio/" + g + ": " + (d.dev_vfio ? "present" : "absent") + "\n";
    }
    for (const auto& r : st.refused) out += "\nrefused: " + r.subject + " " + r.reason + "\n";
    for (const auto& w : st.warnings) out += "warning: " + w + "\n";
    for (const auto& f : st.framebuffers) {
        out += "\nwarning: the boot framebuffer " + f.framebuffer.name + " (" + hex(f.framebuffer.start) + "-" +
               hex(f.framebuffer.end) + ") sits in " + f.device + "'s memory; the guest driver cannot map it.\n";
        out += "  Free it with the kernel parameter " + f.param +
               (f.param == "initcall_blacklist=sysfb_init" ? " (simpledrm/sysfb, kernels 5.15 and later)"
                                                           : " (efifb/vesafb driver)") +
               ":\n  vfio-setup cmdline enable --add " + f.param + "\n";
    }
    auto p = st.problems();
    out += p.empty() ? "\nall good\n" : "\n" + std::to_string(p.size()) + " problem(s)\n";
    return out;
}

} // namespace vb
