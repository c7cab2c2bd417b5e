#include <doctest/doctest.h>

#include "bootloader/bootloader.h"
#include "bootloader/cmdline_plan.h"
#include "bootloader/select.h"
#include "lib/bootloader_fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

TEST_CASE("rEFInd: every line's options field") {
    TempDir root;
    copy_fixture("refind", root);
    DiskFs fs(root.path());
    auto c = make_refind_bootloader()->plan(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(c);
    REQUIRE(c->size() == 1);
    CHECK((*c)[0].after ==
          "\"Boot with standard options\"  \"root=UUID=9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d rw quiet intel_iommu=on\"\n"
          "\"Boot to single-user mode\"    \"root=UUID=9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d rw quiet single "
          "intel_iommu=on\"\n"
          "\"Boot with minimal options\"   \"ro root=UUID=9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d intel_iommu=on\"\n");
    CHECK_FALSE(in_use(fs, BootContext{"systemd-boot 255", ""}, make_refind_bootloader()->name()));
    CHECK(in_use(fs, BootContext{"", "rEFInd Boot Manager"}, make_refind_bootloader()->name()));
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(fs, *plan, true));
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(same_as_fixture("refind", root));
}

TEST_CASE("extlinux: APPEND lines, any case") {
    TempDir root;
    copy_fixture("extlinux", root);
    auto c = make_extlinux_bootloader()->plan(DiskFs(root.path()), ParamEdit{{"iommu=pt"}, {}});
    REQUIRE_OK(c);
    REQUIRE(c->size() == 1);
    CHECK((*c)[0].after.find("    APPEND root=/dev/sda2 rw iommu=pt\n") != std::string::npos);
    CHECK((*c)[0].after.find("    append root=/dev/sda2 rw iommu=pt\n") != std::string::npos);
}

TEST_CASE("Limine: cmdline: lines") {
    TempDir root;
    write_file(root / "boot/limine.conf", "/Arch Linux\n    protocol: linux\n    path: boot():/vmlinuz-linux\n"
                                          "    cmdline: root=UUID=1 rw\n");
    auto c = make_limine_bootloader()->plan(DiskFs(root.path()), ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(c);
    REQUIRE(c->size() == 1);
    CHECK((*c)[0].after.find("    cmdline: root=UUID=1 rw intel_iommu=on\n") != std::string::npos);
}
