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
    std::string why;         // "[gpu] by address", "[any] by id", "same card as 0000:01:00.0"
    bool allow_host = false; // its entry says allow_host_device = yes
};

struct Refusal {
    std::string subject;              // the address, or the config entry when no device is involved
    std::string reason;               // what is wrong and how to fix it
    std::optional<PciAddress> device; // the device refused, when there is one
    bool host_need = false;           // refused because the host needs it (or its IOMMU group)
    // An id-only entry's match the host keeps (boot VGA, a host need) while the
    // entry claims another device with the id: what the entry means, reported as
    // information, not as an error (vfio-bind exits 0, status stays all good).
    bool expected = false;
};

struct Plan {
    std::vector<Target> targets;
    std::vector<Refusal> refused;
    std::vector<std::string> warnings; // non-viable IOMMU groups, absent ids
    std::string module_options;        // vfio-pci options: vfio_pci_options, never ids=

    // A refusal that is not what an entry means (Refusal::expected).
    bool has_unexpected_refusal() const {
        for (const auto& r : refused)
            if (!r.expected) return true;
        return false;
    }
};

Plan make_plan(const Config& config, const std::vector<PciDevice>& devices);

// Why the host must keep `d` whatever the config's entries say, or "" when
// nothing speaks against giving it to vfio-pci: a device the host needs
// (config.host_needs) or one in its IOMMU group, unless the entry that asks
// for it allows that (`allowed`); the boot console GPU unless boot_vga = yes
// (or the entry allows it).
std::string host_keeps_reason(const Config& config, const PciDevice& d, bool allowed = false);
// The host-needs part of that alone.
std::string host_need_reason(const Config& config, const PciDevice& d, bool allowed);

} // namespace vb
