#include <doctest/doctest.h>

#include "bootloader/cpu_info.h"
#include "lib/faulty_fs.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;

TEST_CASE("parse_cpuinfo: vendor and virtualization flag of the first CPU") {
    auto i = parse_cpuinfo("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Core(TM) i7-8700\n"
                           "flags\t\t: fpu vme vmx smx\n\nprocessor\t: 1\nflags\t\t: svm\n");
    CHECK(i.vendor == CpuVendor::Intel);
    CHECK(i.vmx);
    CHECK_FALSE(i.svm);
    CHECK(i.model_name == "Intel(R) Core(TM) i7-8700");
    CHECK(parse_cpuinfo("vendor_id : AuthenticAMD\nflags : svm\n").vendor == CpuVendor::Amd);
    CHECK(parse_cpuinfo("vendor_id : HygonGenuine\n").vendor == CpuVendor::Amd);
    CHECK(parse_cpuinfo("").vendor == CpuVendor::Unknown);
}

TEST_CASE("read_iommu_state: an ACPI table that cannot be read is an error, never 'no IOMMU'") {
    vbtest::TempDir t;
    vbtest::write_file(t / "sys/firmware/acpi/tables/DMAR", "DMAR");
    for (const char* broken :
         {"/sys/firmware/acpi/tables/DMAR", "/sys/firmware/acpi/tables/IVRS", "/sys/kernel/iommu_groups"}) {
        CAPTURE(broken);
        auto st = vb::read_iommu_state(vbtest::FaultyFs(t.path(), {broken}));
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().message.find(broken) != std::string::npos);
    }
    auto st = vb::read_iommu_state(vb::DiskFs(t.path()));
    REQUIRE_OK(st);
    CHECK(st->dmar_table);
    CHECK_FALSE(st->ivrs_table);
    CHECK(st->iommu_groups == 0); // absent: none
}
