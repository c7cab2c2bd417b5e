#include <doctest/doctest.h>

#include "bootloader/cmdline_plan.h"
#include "bootloader/iommu_off.h"
#include "lib/bootloader_fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

namespace {

// The Debian 12 fixture with `params` on GRUB_CMDLINE_LINUX_DEFAULT.
void grub_with(const TempDir& root, const std::string& params, const char* vendor) {
    copy_fixture("debian12", root, vendor);
    write_file(root / "etc/default/grub",
               "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet " + params + "\"\nGRUB_CMDLINE_LINUX=\"\"\n");
}

Result<CmdlinePlan> enable_on(const TempDir& root, CpuVendor v) {
    auto e = enable_edit(v, {}, nullptr);
    REQUIRE_OK(e);
    return plan_enable(DiskFs(root.path()), *e);
}

// What the plan writes to /etc/default/grub (Intel's intel_iommu=on goes
// into a drop-in of its own on Debian).
std::string default_grub_after(const CmdlinePlan& plan) {
    for (const auto& f : plan.files)
        if (f.path == "/etc/default/grub") return f.after;
    return "(unchanged)";
}

} // namespace

TEST_CASE("iommu_off: every switch of the IOMMU or interrupt remapping, alone or among other options") {
    for (const char* p : {"iommu=off", "intel_iommu=off", "amd_iommu=off", "intremap=off", "nointremap",
                          "\"iommu=off\"", "intel-iommu=off"}) {
        CAPTURE(p);
        auto o = iommu_off(p);
        REQUIRE(o);
        CHECK(o->plain);
    }
    CHECK(iommu_off("iommu=off")->what == "turns off AMD-Vi and VT-d both");
    CHECK_FALSE(iommu_off("intremap=nosid,off")->plain);
    CHECK_FALSE(iommu_off("intel_iommu=off,sm_on")->plain);
    for (const char* p : {"iommu=pt", "iommu=soft", "intel_iommu=on", "intel_iommu=igfx_off", "intremap=nosid",
                          "amd_iommu=fullflush", "iommu.passthrough=0", "video=efifb:off", "offiommu=off"}) {
        CAPTURE(p);
        CHECK_FALSE(iommu_off(p));
    }
    CHECK(iommu_offs("quiet iommu=off splash nointremap").size() == 2);
}

TEST_CASE("iommu=off on AMD: removed (it was 'nothing to change'), and disable puts it back") {
    TempDir root;
    grub_with(root, "iommu=off", "AuthenticAMD");
    const std::string before = read_file(root / "etc/default/grub");
    auto plan = enable_on(root, CpuVendor::Amd);
    REQUIRE_OK(plan);
    REQUIRE(plan->files.size() == 1);
    CHECK(plan->files[0].after.find("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"") != std::string::npos);
    CHECK(plan->notes == std::vector<std::string>{"removing iommu=off from /etc/default/grub (it turns off AMD-Vi and "
                                                  "VT-d both)"});
    DiskFs fs(root.path());
    REQUIRE_OK(apply_plan(fs, *plan, true));
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(read_file(root / "etc/default/grub") == before);
}

TEST_CASE("iommu=off on Intel: removed, not left beside intel_iommu=on") {
    TempDir root;
    grub_with(root, "iommu=off intremap=off", "GenuineIntel");
    auto plan = enable_on(root, CpuVendor::Intel);
    REQUIRE_OK(plan);
    CHECK(default_grub_after(*plan).find("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"") != std::string::npos);
    REQUIRE(plan->files.size() == 2);
    CHECK(plan->files[1].path == "/etc/default/grub.d/vfio-bind.cfg");
}

TEST_CASE("interrupt remapping switched off: removed on either vendor; amd_iommu=off is left on Intel") {
    for (CpuVendor v : {CpuVendor::Amd, CpuVendor::Intel, CpuVendor::Unknown}) {
        CAPTURE(vendor_name(v));
        TempDir root;
        grub_with(root, "nointremap intremap=off", "AuthenticAMD");
        auto plan = enable_on(root, v);
        REQUIRE_OK(plan);
        CHECK(default_grub_after(*plan).find("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"") != std::string::npos);
    }
    TempDir root;
    grub_with(root, "amd_iommu=off", "GenuineIntel");
    auto plan = enable_on(root, CpuVendor::Intel);
    REQUIRE_OK(plan);
    CHECK(default_grub_after(*plan) == "(unchanged)");
}

TEST_CASE("a switch that shares its parameter with other options is refused, with the reason") {
    for (CpuVendor v : {CpuVendor::Amd, CpuVendor::Intel}) {
        CAPTURE(vendor_name(v));
        TempDir root;
        grub_with(root, "intremap=nosid,off", v == CpuVendor::Amd ? "AuthenticAMD" : "GenuineIntel");
        auto plan = enable_on(root, v);
        REQUIRE_FALSE(plan.ok());
        CHECK(plan.error().code == kIommuOffLeft);
        CHECK(plan.error().message.find("intremap=nosid,off turns off interrupt remapping") != std::string::npos);
        CHECK(plan.error().message.find("shares its parameter with other options") != std::string::npos);
    }
}
