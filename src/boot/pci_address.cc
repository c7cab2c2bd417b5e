#include "boot/pci_address.h"

#include <cstdio>
#include <vector>

#include "basic/text.h"

namespace vb {

namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Exactly `digits` hex digits (min..max when max > min).
bool parse_hex_field(std::string_view s, size_t min_digits, size_t max_digits, uint32_t& out) {
    if (s.size() < min_digits || s.size() > max_digits) return false;
    uint32_t v = 0;
    for (char c : s) {
        if (!is_hex(c)) return false;
        v = v * 16 + static_cast<uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    out = v;
    return true;
}

} // namespace

std::string PciAddress::str() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04x:%02x:%02x.%x", domain, bus, slot, function);
    return buf;
}

std::string PciAddress::slot_str() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04x:%02x:%02x", domain, bus, slot);
    return buf;
}

Result<PciAddress> parse_pci_address(std::string_view text) {
    auto bad = [&] {
        return make_error(
            EINVAL,
            "'" + std::string(text) +
                "' is not a PCI address (expected DDDD:BB:SS.F or BB:SS.F, e.g. 0000:01:00.0 or 10000:e1:00.0)");
    };
    size_t dot = text.rfind('.');
    if (dot == std::string_view::npos) return bad();
    auto parts = split(text.substr(0, dot), ':');
    uint32_t domain = 0, bus, slot, function;
    size_t i = 0;
    if (parts.size() == 3) {
        if (!parse_hex_field(parts[0], 4, 8, domain)) return bad();
        i = 1;
    } else if (parts.size() != 2) {
        return bad();
    }
    if (!parse_hex_field(parts[i], 2, 2, bus) || !parse_hex_field(parts[i + 1], 2, 2, slot) ||
        !parse_hex_field(text.substr(dot + 1), 1, 1, function) || slot > 0x1f || function > 7)
        return bad();
    PciAddress a;
    a.domain = domain;
    a.bus = static_cast<uint8_t>(bus);
    a.slot = static_cast<uint8_t>(slot);
    a.function = static_cast<uint8_t>(function);
    return a;
}

std::optional<PciAddress> parse_pci_sysfs_name(std::string_view name) {
    auto a = parse_pci_address(name);
    if (!a || a->str() != name) return std::nullopt;
    return *a;
}

std::string PciId::str() const {
    char buf[32];
    if (has_subsystem) std::snprintf(buf, sizeof buf, "%04x:%04x:%04x:%04x", vendor, device, subvendor, subdevice);
    else std::snprintf(buf, sizeof buf, "%04x:%04x", vendor, device);
    return buf;
}

Result<PciId> parse_pci_id(std::string_view text) {
    auto parts = split(text, ':');
    uint32_t f[4] = {0, 0, 0, 0};
    bool good = parts.size() == 2 || parts.size() == 4;
    for (size_t i = 0; good && i < parts.size(); i++) good = parse_hex_field(parts[i], 4, 4, f[i]);
    if (!good)
        return make_error(EINVAL, "'" + std::string(text) +
                                      "' is not a PCI id (expected vendor:device or vendor:device:subvendor:subdevice, "
                                      "4 hex digits each, e.g. 1002:6818)");
    PciId id;
    id.vendor = static_cast<uint16_t>(f[0]);
    id.device = static_cast<uint16_t>(f[1]);
    id.has_subsystem = parts.size() == 4;
    id.subvendor = static_cast<uint16_t>(f[2]);
    id.subdevice = static_cast<uint16_t>(f[3]);
    return id;
}

Result<uint32_t> parse_sysfs_hex(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
    uint32_t v;
    if (!parse_hex_field(text, 1, 8, v)) return make_error(EINVAL, "'" + std::string(text) + "' is not a hex value");
    return v;
}

} // namespace vb
