#include <doctest/doctest.h>

#include <filesystem>

#include "bootloader/bootloader.h"
#include "bootloader/cmdline_plan.h"
#include "bootloader/select.h"
#include "lib/bootloader_fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

namespace {
const char* kFixture = "opensuse-tumbleweed-sdboot";
const char* kEntry = "boot/efi/loader/entries/4f1c2b7a9e3d4c58b6a0e2f1d3c5b7a9-6.8.1-1-default-2.conf";
} // namespace

TEST_CASE("openSUSE sdbootutil: only /etc/kernel/cmdline is edited, sdbootutil rewrites the entries") {
    TempDir root;
    copy_fixture(kFixture, root);
    DiskFs fs(root.path());
    CHECK(in_use(fs, BootContext{}, make_sdbootutil_bootloader()->name()));
    CHECK(make_bls_bootloader()->present(fs)); // the ESP entries are there...
    CHECK_FALSE(in_use(fs, BootContext{"systemd-boot 255.4", ""}, make_bls_bootloader()->name())); // ...but not ours
    CHECK_FALSE(make_grub_bootloader()->present(fs));
    CHECK_FALSE(make_rpm_ostree_bootloader()->present(fs));

    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on", "iommu=pt"}, {}});
    REQUIRE_OK(plan);
    CHECK(plan->backends == std::vector<std::string>{"sdbootutil"});
    REQUIRE(plan->files.size() == 1);
    CHECK(plan->files[0].path == "/etc/kernel/cmdline");
    CHECK_FALSE(plan->files[0].by_command);
    CHECK(plan->files[0].after == "root=UUID=2b3f4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d splash=silent quiet "
                                  "security=selinux selinux=1 mitigations=auto intel_iommu=on iommu=pt\n");
    REQUIRE(plan->commands.size() == 1);
    CHECK(plan->commands[0].first == "sdbootutil");
    CHECK(plan->commands[0].second == Command{"sdbootutil", "update-all-entries"});

    REQUIRE_OK(apply_plan(fs, *plan, true));
    CHECK(read_file(root / "etc/kernel/cmdline") == plan->files[0].after);
    CHECK(read_file(root / kEntry) == read_file(fixture_dir(kFixture) + "/" + kEntry)); // left to sdbootutil
    auto e = make_sdbootutil_bootloader()->entries(fs);
    REQUIRE_OK(e);
    REQUIRE(e->size() == 3);
    CHECK(e->back().cmdline == "root=UUID=2b3f4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d splash=silent quiet "
                               "security=selinux selinux=1 mitigations=auto intel_iommu=on iommu=pt");

    auto again = plan_enable(fs, ParamEdit{{"intel_iommu=on", "iommu=pt"}, {}});
    REQUIRE_OK(again);
    CHECK(again->empty());
    CHECK(again->commands.empty());

    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE(undo->files.size() == 1);
    CHECK(undo->commands.size() == 1);
    CHECK(undo->commands[0].second == Command{"sdbootutil", "update-all-entries"});
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(same_as_fixture(kFixture, root));
    CHECK_FALSE(fs.exists(kCmdlineStatePath));
}

TEST_CASE("sdbootutil: AMD removes amd_iommu=off and disable puts it back byte for byte") {
    TempDir root;
    copy_fixture(kFixture, root, "AuthenticAMD");
    write_file(root / "etc/kernel/cmdline", "root=UUID=2b3f4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d amd_iommu=off quiet\n");
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, ParamEdit{{}, {"amd_iommu=off", "intel_iommu=off"}});
    REQUIRE_OK(plan);
    REQUIRE(plan->files.size() == 1);
    CHECK(plan->files[0].after == "root=UUID=2b3f4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d quiet\n");
    REQUIRE_OK(apply_plan(fs, *plan, true));
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(read_file(root / "etc/kernel/cmdline") ==
          "root=UUID=2b3f4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d amd_iommu=off quiet\n");
}

TEST_CASE("sdbootutil: detection needs the tool, openSUSE and a loader sdbootutil installs") {
    TempDir root;
    copy_fixture(kFixture, root);
    DiskFs fs(root.path());
    SUBCASE("not openSUSE: the plain BLS backend takes the entries") {
        write_file(root / "usr/lib/os-release", "NAME=\"Arch Linux\"\nID=arch\n");
        CHECK_FALSE(make_sdbootutil_bootloader()->present(fs));
        CHECK(in_use(fs, BootContext{}, make_bls_bootloader()->name()));
    }
    SUBCASE("/etc/os-release wins over /usr/lib/os-release") {
        write_file(root / "etc/os-release", "NAME=\"Fedora Linux\"\nID=fedora\n");
        CHECK_FALSE(make_sdbootutil_bootloader()->present(fs));
    }
    SUBCASE("no sdbootutil") {
        std::filesystem::remove(root / "usr/bin/sdbootutil");
        CHECK_FALSE(make_sdbootutil_bootloader()->present(fs));
    }
    SUBCASE("no systemd-boot, but grub2-bls") {
        std::filesystem::remove(root / "usr/lib/systemd/boot/efi/systemd-bootx64.efi");
        CHECK_FALSE(make_sdbootutil_bootloader()->present(fs));
        write_file(root / "usr/share/grub2/x86_64-efi/grubbls.efi", "");
        CHECK(make_sdbootutil_bootloader()->present(fs));
    }
}

TEST_CASE("sdbootutil: an unbalanced quote in /etc/kernel/cmdline is refused, nothing written") {
    TempDir root;
    copy_fixture(kFixture, root);
    write_file(root / "etc/kernel/cmdline", "root=UUID=x quiet acpi_osi=\"Windows 2020\n");
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().message.find("/etc/kernel/cmdline") != std::string::npos);
    CHECK(plan.error().message.find("sdbootutil") != std::string::npos);
    CHECK(read_file(root / "etc/kernel/cmdline") == "root=UUID=x quiet acpi_osi=\"Windows 2020\n");
}
