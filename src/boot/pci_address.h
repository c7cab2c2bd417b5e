// PCI addresses (domain:bus:slot.function) and ids (vendor:device[:subvendor:subdevice]).
// Both are validated strictly before any path is built from them, so a config
// value such as "../../../etc" can never reach the filesystem.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "basic/result.h"

namespace vb {

struct PciAddress {
    uint32_t domain = 0;
    uint8_t bus = 0, slot = 0, function = 0;

    // "0000:01:00.0" (the sysfs name)
    std::string str() const;
    // Same card: same domain, bus and slot (the functions of one GPU).
    bool same_slot(const PciAddress& o) const { return domain == o.domain && bus == o.bus && slot == o.slot; }
    bool operator==(const PciAddress& o) const { return same_slot(o) && function == o.function; }
    bool operator!=(const PciAddress& o) const { return !(*this == o); }
    bool operator<(const PciAddress& o) const { return str() < o.str(); }
};

// Accepts "DDDD:BB:SS.F" and "BB:SS.F" (hex, slot < 0x20, function < 8).
Result<PciAddress> parse_pci_address(std::string_view text);

struct PciId {
    uint16_t vendor = 0, device = 0;
    bool has_subsystem = false;
    uint16_t subvendor = 0, subdevice = 0;

    // "1002:6818" or "1002:6818:1458:22d9"
    std::string str() const;
    // vfio-pci's ids= / new_id form: "1002:6818" or "1002:6818:1458:22d9"
    bool matches(uint16_t v, uint16_t d, uint16_t sv, uint16_t sd) const {
        return v == vendor && d == device && (!has_subsystem || (sv == subvendor && sd == subdevice));
    }
};

Result<PciId> parse_pci_id(std::string_view text);

// Parses a sysfs hex attribute such as "0x1002\n".
Result<uint32_t> parse_sysfs_hex(std::string_view text);

} // namespace vb
