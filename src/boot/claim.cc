#include "boot/claim.h"

namespace vb {

namespace {

constexpr const char* kVfioPci = "vfio-pci";

std::string current_driver(const Fs& fs, const PciDevice& d) {
    auto link = fs.read_link(d.sysfs_dir() + "/driver");
    return link ? basename_of(*link) : "";
}

} // namespace

ClaimReport claim(Fs& fs, ModuleLoader& loader, const Plan& plan) {
    ClaimReport report;
    std::vector<bool> overridden(plan.targets.size(), false);

    // 1. From here on only vfio-pci may bind the targets.
    for (size_t i = 0; i < plan.targets.size(); i++) {
        const PciDevice& d = plan.targets[i].device;
        report.devices.push_back({d, Outcome::Failed, ""});
        // Read here, not by the scan: only targets need it.
        auto ov = fs.read_attribute(d.sysfs_dir() + "/driver_override");
        if (ov && trim(*ov) == kVfioPci) {
            overridden[i] = true;
            continue;
        }
        Status st = fs.write(d.sysfs_dir() + "/driver_override", kVfioPci);
        if (!st) report.devices[i].detail = "cannot set driver_override: " + st.error().message;
        else overridden[i] = true;
    }

    // 2. vfio-pci itself. Without it, give the devices back to the host.
    report.module = loader.load(kVfioPci, plan.module_options);
    if (!report.module) {
        for (size_t i = 0; i < plan.targets.size(); i++) {
            if (overridden[i]) (void)fs.write(plan.targets[i].device.sysfs_dir() + "/driver_override", "\n");
            report.devices[i].detail = report.module.error().message;
        }
        return report;
    }
    if (report.module->outcome != LoadOutcome::Inserted && !plan.module_options.empty())
        report.warnings.push_back(std::string("vfio-pci was ") + to_string(report.module->outcome) + ": options '" +
                                  plan.module_options +
                                  "' not applied; present devices are claimed through driver_override");

    // 3. Move each target to vfio-pci and check that it really is there.
    for (size_t i = 0; i < plan.targets.size(); i++) {
        if (!overridden[i]) continue;
        DeviceResult& r = report.devices[i];
        const PciDevice& d = r.device;
        std::string drv = current_driver(fs, d);
        if (drv == kVfioPci) {
            // Either it was ours before we ran, or loading vfio-pci just bound it.
            r.outcome = d.driver == kVfioPci ? Outcome::AlreadyClaimed : Outcome::Claimed;
            continue;
        }
        if (!drv.empty()) {
            Status st = fs.write_bounded(std::string(kPciDriversDir) + "/" + drv + "/unbind", d.address.str(),
                                         kSysfsWriteTimeoutMs);
            if (!st) {
                r.detail = "cannot unbind it from " + drv + ": " + st.error().message;
                continue;
            }
            r.detail = "taken from " + drv;
        }
        Status st = fs.write_bounded(kDriversProbe, d.address.str(), kSysfsWriteTimeoutMs);
        drv = current_driver(fs, d);
        if (drv == kVfioPci) {
            r.outcome = Outcome::Claimed;
        } else {
            r.detail = (r.detail.empty() ? "" : r.detail + "; ") +
                       "not bound to vfio-pci after probing (driver: " + (drv.empty() ? "none" : drv) + ")" +
                       (st ? "" : ": " + st.error().message);
        }
    }
    return report;
}

} // namespace vb
