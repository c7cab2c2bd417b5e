#include "setup/iommu_advice.h"

namespace vb {

std::string iommu_next_step(const CpuInfo& cpu, const IommuState& iommu) {
    if (iommu.iommu_groups > 0) return "";
    if (!iommu.dmar_table && !iommu.ivrs_table) {
        if (cpu.hypervisor)
            return "this virtual machine has no virtual IOMMU (no ACPI DMAR/IVRS table): a kernel parameter "
                   "cannot add one; give the guest a vIOMMU on the host (QEMU: -machine q35,kernel-irqchip=split "
                   "-device intel-iommu,intremap=on; libvirt: <iommu model='intel'><driver intremap='on'/></iommu>), "
                   "then boot it again";
        const char* what = cpu.vendor == CpuVendor::Amd     ? "AMD-Vi (often called IOMMU)"
                           : cpu.vendor == CpuVendor::Intel ? "VT-d"
                                                            : "VT-d (Intel) or AMD-Vi (AMD)";
        return std::string("the firmware exposes no IOMMU (no ACPI DMAR/IVRS table): a kernel parameter cannot "
                           "add one; turn on ") +
               what + " in the firmware setup, then boot again";
    }
    return "'vfio-setup cmdline enable', then reboot";
}

std::string iommu_next_step(const Fs& fs) {
    auto cpu = read_cpu_info(fs);
    auto iommu = read_iommu_state(fs);
    if (!iommu) return "cannot tell whether the firmware exposes an IOMMU: " + iommu.error().message;
    return iommu_next_step(cpu ? *cpu : CpuInfo{}, *iommu);
}

} // namespace vb
