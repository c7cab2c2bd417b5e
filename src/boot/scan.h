// Reading only the sysfs a config can involve. At boot every sysfs read is
// time before coldplug; a config that names addresses needs just those
// cards and their IOMMU groups, not every function on the machine.
#pragma once

#include <string>
#include <vector>

#include "basic/fs.h"
#include "boot/config.h"
#include "boot/pci.h"

namespace vb {

// With id-only entries: every function (any of them may match). Otherwise the
// configured addresses, the other functions of their cards, and the other
// members of their IOMMU groups. Sorted by address.
Result<std::vector<PciDevice>> scan_for_config(const Fs& fs, const Config& config,
                                               std::vector<std::string>* skipped = nullptr);

} // namespace vb
