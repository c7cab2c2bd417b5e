// Stray ids=: vfio-pci ids that vfio-bind did not compute at boot. An
// 'options vfio-pci ids=' in a modprobe.d file (an older vfio-bind snippet,
// the passthrough recipe's vfio.conf) or vfio-pci.ids= on the kernel command
// line binds every device with the id as soon as something loads vfio-pci (or
// at once, when it is built in), whatever the config refuses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "boot/pci.h"
#include "boot/pci_address.h"
#include "boot/plan.h"

namespace vb {

// The ids an "options vfio-pci ... ids=..." line (or vfio_pci) of a
// modprobe.d file gives.
std::vector<PciId> vfio_pci_ids_in_modprobe(std::string_view text);
// The same, line by line: each such line (1-based) as written, with its ids.
struct ModprobeIdsLine {
    size_t number = 0;
    std::string text;
    std::vector<PciId> ids;
};
std::vector<ModprobeIdsLine> vfio_pci_ids_lines_in_modprobe(std::string_view text);
// The ids of vfio-pci.ids= / vfio_pci.ids= on a kernel command line.
std::vector<PciId> vfio_pci_ids_in_cmdline(std::string_view cmdline);
// Those parameters as written ("vfio-pci.ids=10de:1b80,10de:10f0").
std::vector<std::string> vfio_pci_ids_params(std::string_view cmdline);

// The devices those ids would give vfio-pci beyond the plan's targets, each
// with why that is wrong ("the boot VGA device...", "not in the config").
struct StrayClaim {
    const PciDevice* device;
    std::string why;
};
std::vector<StrayClaim> stray_claims(const std::vector<PciId>& ids, const std::vector<PciDevice>& devices,
                                     const Config& config, const Plan& plan);

// "1002:5159,10de:1b80"
std::string ids_str(const std::vector<PciId>& ids);

} // namespace vb
