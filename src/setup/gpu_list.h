// vfio-setup list: every GPU with its sibling functions and IOMMU groups, and
// whether each group could go to a guest as it is.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "basic/fs.h"
#include "boot/pci.h"
#include "setup/existing_ids.h"

namespace vb {

struct ListedFunction {
    PciDevice device;
    std::string vendor_name, device_name; // from pci.ids; empty when unknown
    std::string host_need;                // why vfio-bind refuses it for the host, or ""
};

struct ListedGroup {
    int number = 0;
    std::vector<ListedFunction> others; // members that are not functions of the card
    std::vector<std::string> blockers;  // addresses of those that make it not viable
    bool viable() const { return blockers.empty(); }
};

struct ListedCard {
    std::vector<ListedFunction> functions; // the GPU's slot: function 0 first
    std::vector<ListedGroup> groups;       // usually one; empty when the IOMMU is off
    bool boot_vga = false;                 // one of its functions is the boot GPU
    // Viable: every group it is in holds only its functions, bridges and
    // devices already held by vfio-pci/pci-stub. Unknown without IOMMU groups.
    std::optional<bool> viable;
};

struct GpuList {
    bool iommu_active = false;
    std::string iommu_advice; // the next step when it is not (iommu_next_step)
    std::vector<ListedCard> cards;
    std::vector<std::string> skipped; // sysfs entries that could not be read
};

Result<GpuList> list_gpus(const Fs& fs);

// Human-readable text and JSON (one document) of the list.
std::string format_list(const GpuList& list);
// The JSON also names each vfio-pci ids= set outside vfio-bind
// (find_existing_ids) and the entries that replace it: "existing_ids".
std::string format_list_json(const GpuList& list, const std::vector<ExistingIds>& existing = {});

} // namespace vb
