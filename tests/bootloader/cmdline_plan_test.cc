#include <doctest/doctest.h>

#include <sys/file.h>

#include "bootloader/cmdline_plan.h"
#include "bootloader/cmdline_state.h"
#include "lib/bootloader_fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

TEST_CASE("enable_edit per vendor") {
    std::vector<std::string> notes;
    auto i = enable_edit(CpuVendor::Intel, {}, &notes);
    REQUIRE_OK(i);
    CHECK(i->set == std::vector<std::string>{"intel_iommu=on"});
    auto a = enable_edit(CpuVendor::Amd, EnableOptions{true, {"video=efifb:off"}}, &notes);
    REQUIRE_OK(a);
    CHECK(a->set == std::vector<std::string>{"iommu=pt", "video=efifb:off"});
    CHECK(a->remove ==
          std::vector<std::string>{"amd_iommu=off", "intel_iommu=off", "iommu=off", "intremap=off", "nointremap"});
    CHECK_FALSE(enable_edit(CpuVendor::Amd, EnableOptions{false, {"amd_iommu=on"}}, nullptr).ok());
    CHECK_FALSE(enable_edit(CpuVendor::Intel, EnableOptions{false, {"a b"}}, nullptr).ok());
}

TEST_CASE("a second enable with more parameters extends the first; disable still restores all") {
    TempDir root;
    copy_fixture("debian12", root);
    DiskFs fs(root.path());
    auto p1 = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(p1);
    REQUIRE_OK(apply_plan(fs, *p1, true));
    auto p2 = plan_enable(fs, ParamEdit{{"intel_iommu=on", "iommu=pt"}, {}});
    REQUIRE_OK(p2);
    REQUIRE(p2->files.size() == 1);
    CHECK(p2->files[0].after.find("$GRUB_CMDLINE_LINUX_DEFAULT intel_iommu=on iommu=pt\"") != std::string::npos);
    REQUIRE_OK(apply_plan(fs, *p2, true));
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(same_as_fixture("debian12", root));
    CHECK_FALSE(fs.exists("/etc/default/grub.d/vfio-bind.cfg"));
}

TEST_CASE("no bootloader: an error, not a silent success") {
    TempDir root;
    auto p = plan_enable(DiskFs(root.path()), ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().code == ENOENT);
}

TEST_CASE("state round trip keeps any byte") {
    CmdlineState s;
    s.files.push_back({"/etc/x", "GRUB", true, {"a=1"}, {"b"}, std::string("x\0\ny\r\n", 6), "written\n"});
    s.files.push_back({"/etc/y", "BLS entries", false, {}, {}, "", "z"});
    auto back = parse_state(format_state(s), "st");
    REQUIRE_OK(back);
    REQUIRE(back->files.size() == 2);
    CHECK(back->files[0].original == std::string("x\0\ny\r\n", 6));
    CHECK(back->files[0].added == std::vector<std::string>{"a=1"});
    CHECK_FALSE(back->files[1].existed);
    std::string damaged = format_state(s);
    damaged.resize(damaged.size() - 3);
    CHECK_FALSE(parse_state(damaged, "st").ok());
}

TEST_CASE("cmdline_status reports CPU, IOMMU and each bootloader's command line") {
    TempDir root;
    copy_fixture("arch-systemd-boot", root, "AuthenticAMD");
    write_file(root / "sys/firmware/acpi/tables/IVRS", "");
    make_dirs(root / "sys/kernel/iommu_groups/0");
    make_dirs(root / "sys/class/iommu/ivhd0");
    write_file(root / "proc/cmdline", "initrd=x root=PARTUUID=1 rw\n");
    auto st = cmdline_status(DiskFs(root.path()));
    CHECK(st.cpu.vendor == CpuVendor::Amd);
    CHECK(st.cpu.svm);
    CHECK(st.iommu.ivrs_table);
    CHECK(st.iommu.iommu_groups == 1);
    CHECK(st.running_cmdline == "initrd=x root=PARTUUID=1 rw");
    REQUIRE(st.bootloaders.size() == 1);
    CHECK(st.bootloaders[0].in_use);
    REQUIRE(st.bootloaders[0].entries.size() == 2);
    CHECK(st.bootloaders[0].entries[1].cmdline == "root=PARTUUID=6f1a5e2c-3b4d-4c8e-9a7f-1e2d3c4b5a69 rw");
}
