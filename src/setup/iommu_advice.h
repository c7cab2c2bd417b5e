// The one next step when the IOMMU is not active, the same in `list`,
// `status`, `add` and `cmdline status`: a kernel parameter is of no use when
// the firmware exposes no IOMMU (no ACPI DMAR/IVRS table), and inside a
// virtual machine the firmware is the host's: it must give the guest a vIOMMU.
#pragma once

#include <string>

#include "basic/fs.h"
#include "bootloader/cpu_info.h"

namespace vb {

// From what the CPU and firmware say; "" when the IOMMU is active.
std::string iommu_next_step(const CpuInfo& cpu, const IommuState& iommu);
// The same for this machine (/proc/cpuinfo, /sys/firmware/acpi/tables, /sys/kernel/iommu_groups);
// what of the firmware's cannot be read is said so, never taken for "no IOMMU".
std::string iommu_next_step(const Fs& fs);

} // namespace vb
