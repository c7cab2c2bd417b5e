// Deciding what to claim: config entries resolved against the devices sysfs
// shows, with every refusal explained. Pure: reads nothing, writes nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "boot/config.h"
#include "boot/pci.h"

namespace vb {

struct Target {
    PciDevice device;
    std::string why; // "[gpu] by address", "[any] by id", "same card as 0000:01:00.0"
};

struct Refusal {
    std::string subject;              // the address, or the config entry when no device is involved
    std::string reason;               // what is wrong and how to fix it
    std::optional<PciAddress> device; // the device refused, when there is one
};

struct Plan {
    std::vector<Target> targets;
    std::vector<Refusal> refused;
    std::vector<std::string> warnings; // non-viable IOMMU groups, ids dropped from ids=
    std::string module_options;        // vfio-pci options: ids= (safe ones only) + vfio_pci_options
};

Plan make_plan(const Config& config, const std::vector<PciDevice>& devices);

// Why the host must keep `d` whatever the config's entries say (the boot
// console GPU unless boot_vga = yes), or "" when nothing speaks against
// giving it to vfio-pci.
std::string host_keeps_reason(const Config& config, const PciDevice& d);

} // namespace vb
