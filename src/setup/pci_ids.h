// Vendor and device names from the pci.ids database (Debian's pci.ids
// package, hwdata elsewhere). The file is over a megabyte: it is streamed
// once and only the names asked for are kept, never the whole table.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "basic/fs.h"

namespace vb {

// Where distributions install it, tried in this order (under the Fs root).
inline constexpr const char* kPciIdsPaths[] = {"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"};

using VendorDevice = std::pair<uint16_t, uint16_t>;

struct PciNames {
    std::map<uint16_t, std::string> vendors;
    std::map<VendorDevice, std::string> devices;

    // Empty when unknown.
    std::string vendor(uint16_t v) const;
    std::string device(uint16_t v, uint16_t d) const;
};

// Names of the vendors and devices in `wanted`, from pci.ids text read
// through `in` line by line. Unknown ids simply have no name.
PciNames parse_pci_ids(std::istream& in, const std::set<VendorDevice>& wanted);

// The same from the first pci.ids found under the root. No file: no names
// (lspci degrades the same way), not an error.
PciNames lookup_pci_names(const Fs& fs, const std::set<VendorDevice>& wanted);

} // namespace vb
