// PCI addresses (domain:bus:slot.function) and ids (vendor:device[:subvendor:subdevice]).
// Both are validated strictly before any path is built from them, so a config
// value such as "../../../etc" can never reach the filesystem.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "basic/result.h"

namespace vb {

// The domain is as wide as the kernel makes it: up to 32 bits, printed with
// at least four hex digits ("%04x"), so Intel VMD's domain is "10000:e1:00.0".
struct PciAddress {
    uint32_t domain = 0;
    uint8_t bus = 0, slot = 0, function = 0;

    // "0000:01:00.0", "10000:e1:00.0" (the sysfs name)
    std::string str() const;
    // "0000:01:00": the slot, without the function
    std::string slot_str() const;
    // Same slot: same domain, bus and slot (all functions of one PCI device).
    bool same_slot(const PciAddress& o) const { return domain == o.domain && bus == o.bus && slot == o.slot; }
    bool operator==(const PciAddress& o) const { return same_slot(o) && function == o.function; }
    bool operator!=(const PciAddress& o) const { return !(*this == o); }
    // Numeric order (domain, bus, slot, function); "ffff:..." sorts before "10000:...".
    bool operator<(const PciAddress& o) const { return key() < o.key(); }

private:
    uint64_t key() const { return (uint64_t{domain} << 16) | (uint64_t{bus} << 8) | (uint64_t{slot} << 3) | function; }
};

// Accepts "DDDD:BB:SS.F" (domain 4 to 8 hex digits) and "BB:SS.F" (domain 0);
// hex, slot < 0x20, function < 8.
Result<PciAddress> parse_pci_address(std::string_view text);
// A name exactly as the kernel gives a PCI function (sysfs, a device path
// component): the domain present and everything in str()'s form, or nothing.
std::optional<PciAddress> parse_pci_sysfs_name(std::string_view name);

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
