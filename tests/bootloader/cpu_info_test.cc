#include <doctest/doctest.h>

#include "bootloader/cpu_info.h"

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
