#include <doctest/doctest.h>

#include "bootloader/bootloader.h"
#include "bootloader/cmdline_plan.h"
#include "bootloader/select.h"
#include "lib/bootloader_fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

TEST_CASE("Pop!_OS: kernelstub's user kernel_options, entries left to kernelstub") {
    TempDir root;
    copy_fixture("popos", root);
    DiskFs fs(root.path());
    CHECK_FALSE(in_use(fs, BootContext{}, make_bls_bootloader()->name()));
    CHECK_FALSE(make_grub_bootloader()->present(fs));
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on", "iommu=pt"}, {}});
    REQUIRE_OK(plan);
    REQUIRE(plan->files.size() == 1);
    std::string before = plan->files[0].before;
    std::string want = before;
    want.replace(want.find("      \"splash\"\n    ],\n    \"esp_path\": \"/boot/efi\",\n    \"setup_loader\": false,\n "
                           "   \"manage_mode\": true"),
                 15, "      \"splash\",\n      \"intel_iommu=on\",\n      \"iommu=pt\"\n");
    CHECK(plan->files[0].after == want);
    CHECK(plan->commands.size() == 1);
    CHECK(plan->commands[0].second == Command{"kernelstub"});
    REQUIRE_OK(apply_plan(fs, *plan, true));
    auto e = make_kernelstub_bootloader()->entries(fs);
    REQUIRE_OK(e);
    CHECK((*e)[0].cmdline == "quiet loglevel=0 systemd.show_status=false splash intel_iommu=on iommu=pt");
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(same_as_fixture("popos", root));
}

TEST_CASE("kernelstub: a damaged configuration is refused") {
    TempDir root;
    write_file(root / "etc/kernelstub/configuration", "{ \"user\": { \"kernel_options\": [ \"quiet\", 3 ] } }");
    auto p = make_kernelstub_bootloader()->plan(DiskFs(root.path()), ParamEdit{{"x=1"}, {}});
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().message.find("other than strings") != std::string::npos);
}
