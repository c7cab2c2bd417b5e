#include "boot/release.h"

#include <cstdio>
#include <map>
#include <set>

namespace vb {

namespace {

constexpr const char* kVfioPciDir = "/sys/bus/pci/drivers/vfio-pci";
constexpr int kMaxDynamicIds = 64; // remove_id takes one per write

std::string current_driver(const Fs& fs, const PciDevice& d) {
    auto link = fs.read_link(d.sysfs_dir() + "/driver");
    return link ? basename_of(*link) : "";
}

// vfio-pci's dynamic ids (from ids=) would bind the device again at the next
// probe: remove every one with its vendor:device.
void forget_dynamic_ids(Fs& fs, const PciDevice& d) {
    char id[16];
    std::snprintf(id, sizeof id, "%04x %04x", d.vendor, d.device);
    for (int i = 0; i < kMaxDynamicIds; i++)
        if (!fs.write(std::string(kVfioPciDir) + "/remove_id", id)) break; // ENODEV: none left
}

// Unbind from vfio-pci, clear the override, probe: a host driver that is
// already loaded takes it now, otherwise coldplug loads one.
DeviceResult give_back(Fs& fs, const PciDevice& d, const std::string& reason) {
    DeviceResult r{d, Outcome::Failed, ""};
    forget_dynamic_ids(fs, d);
    if (Status st = fs.write_bounded(std::string(kVfioPciDir) + "/unbind", d.address.str(), kSysfsWriteTimeoutMs);
        !st) {
        r.detail = "vfio-pci holds it but " + reason + "; cannot unbind it: " + st.error().message;
        return r;
    }
    (void)fs.write(d.sysfs_dir() + "/driver_override", "\n");
    (void)fs.write_bounded(kDriversProbe, d.address.str(), kSysfsWriteTimeoutMs);
    const std::string now = current_driver(fs, d);
    if (now == "vfio-pci") {
        r.detail = "vfio-pci holds it but " + reason + "; it bound to vfio-pci again";
        return r;
    }
    r.outcome = Outcome::Released;
    r.detail = (now.empty() ? "no driver yet" : "now " + now) + "; vfio-pci had it, but it " + reason;
    return r;
}

} // namespace

ReleaseReport release_unwanted(Fs& fs, const Config& config, const Plan& plan, bool dry_run) {
    ReleaseReport report;
    auto names = fs.list_dir(kVfioPciDir);
    if (!names) return report; // vfio-pci not registered: it holds nothing

    std::set<std::string> targets;
    for (const auto& t : plan.targets) targets.insert(t.device.address.str());
    std::map<std::string, std::string> refused;
    for (const auto& r : plan.refused)
        if (r.device) refused[r.device->str()] = r.reason;

    for (const auto& name : *names) {
        auto addr = parse_pci_address(name);
        if (!addr || name != addr->str() || targets.count(name)) continue; // bind, unbind, new_id...
        auto dev = read_pci_device(fs, *addr);
        if (!dev) continue;
        std::string reason;
        if (auto it = refused.find(name); it != refused.end()) reason = "was refused: " + it->second;
        else if (std::string why = host_keeps_reason(config, *dev); !why.empty()) reason = why;
        if (reason.empty()) {
            report.warnings.push_back(name + " " + dev->id_str() +
                                      " is bound to vfio-pci but is not in the config "
                                      "(vfio-pci.ids= on the kernel command line, or 'options vfio-pci ids=' in "
                                      "modprobe.d?); left as it is");
            continue;
        }
        if (dry_run) {
            report.devices.push_back({*dev, Outcome::Released, "vfio-pci has it, but it " + reason});
            continue;
        }
        report.devices.push_back(give_back(fs, *dev, reason));
    }
    return report;
}

} // namespace vb
