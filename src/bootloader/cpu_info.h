// What the processor and firmware offer for device passthrough: the CPU
// vendor decides which kernel parameter turns the IOMMU on, the ACPI table
// (DMAR for Intel VT-d, IVRS for AMD-Vi) says whether the firmware exposes one.
#pragma once

#include <string>

#include "basic/fs.h"
#include "basic/result.h"

namespace vb {

enum class CpuVendor { Unknown, Intel, Amd };

struct CpuInfo {
    CpuVendor vendor = CpuVendor::Unknown;
    std::string vendor_id; // "GenuineIntel", "AuthenticAMD", as /proc/cpuinfo says
    std::string model_name;
    bool vmx = false, svm = false; // virtualization flags of the first CPU
    bool hypervisor = false;       // the `hypervisor` flag: this is a virtual machine
};

struct IommuState {
    bool dmar_table = false; // /sys/firmware/acpi/tables/DMAR
    bool ivrs_table = false; // /sys/firmware/acpi/tables/IVRS
    int iommu_units = 0;     // entries of /sys/class/iommu
    int iommu_groups = 0;    // entries of /sys/kernel/iommu_groups
};

const char* vendor_name(CpuVendor v);

// Parses /proc/cpuinfo text (the first processor block is enough).
CpuInfo parse_cpuinfo(std::string_view text);
Result<CpuInfo> read_cpu_info(const Fs& fs);
// What cannot be read (an EIO on an ACPI table) is an error, never "no IOMMU".
Result<IommuState> read_iommu_state(const Fs& fs);

} // namespace vb
