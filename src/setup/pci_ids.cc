#include "setup/pci_ids.h"

#include <fstream>
#include <istream>

namespace vb {

namespace {

// "1002  Advanced Micro Devices" -> 0x1002 and the name; false when the line
// does not start with four hex digits and two spaces (pci.ids' layout).
bool split_entry(const std::string& line, size_t indent, uint16_t& id, std::string& name) {
    if (line.size() < indent + 6 || line.compare(indent + 4, 2, "  ") != 0) return false;
    unsigned v = 0;
    for (size_t i = indent; i < indent + 4; i++) {
        char c = line[i];
        int digit = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
        if (digit < 0) return false;
        v = v * 16 + static_cast<unsigned>(digit);
    }
    id = static_cast<uint16_t>(v);
    name = line.substr(indent + 6);
    if (!name.empty() && name.back() == '\r') name.pop_back();
    return true;
}

} // namespace

std::string PciNames::vendor(uint16_t v) const {
    auto it = vendors.find(v);
    return it == vendors.end() ? "" : it->second;
}

std::string PciNames::device(uint16_t v, uint16_t d) const {
    auto it = devices.find({v, d});
    return it == devices.end() ? "" : it->second;
}

PciNames parse_pci_ids(std::istream& in, const std::set<VendorDevice>& wanted) {
    PciNames names;
    if (wanted.empty()) return names;
    std::set<uint16_t> vendors;
    for (const auto& [v, d] : wanted) vendors.insert(v);
    bool in_wanted_vendor = false;
    uint16_t vendor = 0;
    size_t vendors_seen = 0;
    std::string line, name;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (line[0] != '\t') {
            // The class list ("C 03  Display controller") follows the vendors.
            if (line[0] == 'C' && line.size() > 1 && line[1] == ' ') break;
            if (in_wanted_vendor && vendors_seen == vendors.size()) break; // nothing more to find
            in_wanted_vendor = split_entry(line, 0, vendor, name) && vendors.count(vendor);
            if (in_wanted_vendor) {
                names.vendors[vendor] = name;
                vendors_seen++;
            }
            continue;
        }
        uint16_t device = 0;
        // One tab: a device of the current vendor; two tabs: a subsystem (not needed).
        if (in_wanted_vendor && line.size() > 1 && line[1] != '\t' && split_entry(line, 1, device, name) &&
            wanted.count({vendor, device}))
            names.devices[{vendor, device}] = name;
    }
    return names;
}

PciNames lookup_pci_names(const Fs& fs, const std::set<VendorDevice>& wanted) {
    for (const char* path : kPciIdsPaths) {
        if (!fs.exists(path)) continue;
        // Fs reads whole files; a stream keeps just one line in memory.
        std::ifstream in(fs.host_path(path));
        if (in) return parse_pci_ids(in, wanted);
    }
    return {};
}

} // namespace vb
