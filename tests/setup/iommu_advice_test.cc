#include <doctest/doctest.h>

#include "setup/iommu_advice.h"

using namespace vb;

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
} // namespace

TEST_CASE("iommu_next_step: one next step, from what the CPU and firmware say") {
    CpuInfo amd;
    amd.vendor = CpuVendor::Amd;
    IommuState none;
    // AMD without IVRS: a kernel parameter cannot help, the firmware setup can.
    std::string s = iommu_next_step(amd, none);
    CHECK(contains(s, "no ACPI DMAR/IVRS table"));
    CHECK(contains(s, "turn on AMD-Vi"));
    CHECK_FALSE(contains(s, "cmdline enable"));
    // Inside a VM the firmware is the host's: it must expose a vIOMMU.
    CpuInfo guest = amd;
    guest.hypervisor = true;
    s = iommu_next_step(guest, none);
    CHECK(contains(s, "virtual machine has no virtual IOMMU"));
    CHECK(contains(s, "intel-iommu"));
    CHECK_FALSE(contains(s, "firmware setup"));
    // The table is there, the IOMMU is not on: the command line.
    CpuInfo intel;
    intel.vendor = CpuVendor::Intel;
    IommuState dmar;
    dmar.dmar_table = true;
    CHECK(iommu_next_step(intel, dmar) == "'vfio-setup cmdline enable', then reboot");
    // Active: nothing to do.
    dmar.iommu_groups = 3;
    CHECK(iommu_next_step(intel, dmar).empty());
}

TEST_CASE("parse_cpuinfo: the hypervisor flag marks a virtual machine") {
    CHECK(parse_cpuinfo("vendor_id : AuthenticAMD\nflags : fpu svm hypervisor\n").hypervisor);
    CHECK_FALSE(parse_cpuinfo("vendor_id : AuthenticAMD\nflags : fpu svm\n").hypervisor);
}
