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
const char* kFixture = "fedora-silverblue";
const char* kDefault = "/boot/loader/entries/ostree-2-fedora.conf";
const std::string kOptions =
    "options rhgb quiet root=UUID=8e2f1c3a-5b7d-4e9f-a1c3-5e7f9b1d3f5a rootflags=subvol=root rw "
    "ostree=/ostree/boot.1/fedora/9c2e4a6b8d0f1e3c5a7b9d1f3e5c7a9b1d3f5e7c9a1b3d5f7e9c1a3b5d7f9e1c/0";

// What rpm-ostree does once rebooted: the default entry carries the new options line.
void reboot_with(const TempDir& root, const std::string& options_line) {
    std::string p = root / std::string(kDefault).substr(1);
    std::string t = read_file(p);
    size_t b = t.find("\noptions ") + 1;
    t.replace(b, t.find('\n', b) - b, options_line);
    write_file(p, t);
}
} // namespace

TEST_CASE("Silverblue: rpm-ostree kargs appends, no file is written, disable deletes exactly that") {
    TempDir root;
    copy_fixture(kFixture, root);
    DiskFs fs(root.path());
    CHECK(in_use(fs, BootContext{"GRUB 2.06", ""}, make_rpm_ostree_bootloader()->name()));
    CHECK(make_bls_bootloader()->present(fs));
    CHECK_FALSE(in_use(fs, BootContext{}, make_bls_bootloader()->name()));
    CHECK_FALSE(make_sdbootutil_bootloader()->present(fs));

    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on", "iommu=pt"}, {}});
    REQUIRE_OK(plan);
    CHECK(plan->backends == std::vector<std::string>{"rpm-ostree"});
    REQUIRE(plan->files.size() == 1);
    CHECK(plan->files[0].path == kDefault);
    CHECK(plan->files[0].by_command);
    CHECK(plan->files[0].after.find("\n" + kOptions + " intel_iommu=on iommu=pt\nlinux ") != std::string::npos);
    REQUIRE(plan->commands.size() == 1);
    CHECK(plan->commands[0].first == "rpm-ostree");
    CHECK(plan->commands[0].second == Command{"rpm-ostree", "kargs", "--append=intel_iommu=on", "--append=iommu=pt"});

    REQUIRE_OK(apply_plan(fs, *plan, true));
    CHECK(same_as_fixture(kFixture, root)); // ostree's files untouched
    CHECK(fs.exists(kCmdlineStatePath));

    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE(undo->files.size() == 1);
    CHECK(undo->files[0].by_command);
    REQUIRE(undo->commands.size() == 1);
    CHECK(undo->commands[0].second == Command{"rpm-ostree", "kargs", "--delete=intel_iommu=on", "--delete=iommu=pt"});
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(same_as_fixture(kFixture, root));
    CHECK_FALSE(fs.exists(kCmdlineStatePath));
}

TEST_CASE("rpm-ostree: after the reboot enable changes nothing; disable still deletes what it appended") {
    TempDir root;
    copy_fixture(kFixture, root);
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(fs, *plan, true));
    reboot_with(root, kOptions + " intel_iommu=on");
    auto again = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(again);
    CHECK(again->empty());
    CHECK(again->commands.empty());
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE(undo->commands.size() == 1);
    CHECK(undo->commands[0].second == Command{"rpm-ostree", "kargs", "--delete=intel_iommu=on"});
    CHECK(undo->files[0].after.find("\n" + kOptions + "\n") != std::string::npos); // as it will read
}

TEST_CASE("rpm-ostree: another value is replaced in place, and put back by disable") {
    TempDir root;
    copy_fixture(kFixture, root);
    reboot_with(root, "options rhgb intel_iommu=off quiet rw");
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on", "video=efifb:off"}, {}});
    REQUIRE_OK(plan);
    REQUIRE(plan->commands.size() == 1);
    CHECK(plan->commands[0].second ==
          Command{"rpm-ostree", "kargs", "--replace=intel_iommu=off=on", "--append=video=efifb:off"});
    CHECK(plan->files[0].after.find("\noptions rhgb intel_iommu=on quiet rw video=efifb:off\n") != std::string::npos);
    REQUIRE_OK(apply_plan(fs, *plan, true));
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE(undo->commands.size() == 1);
    CHECK(undo->commands[0].second ==
          Command{"rpm-ostree", "kargs", "--replace=intel_iommu=on=off", "--delete=video=efifb:off"});
}

TEST_CASE("rpm-ostree: AMD deletes amd_iommu=off and disable appends it again") {
    TempDir root;
    copy_fixture(kFixture, root, "AuthenticAMD");
    reboot_with(root, "options rhgb quiet amd_iommu=off rw");
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, ParamEdit{{}, {"amd_iommu=off", "intel_iommu=off"}});
    REQUIRE_OK(plan);
    REQUIRE(plan->commands.size() == 1);
    CHECK(plan->commands[0].second == Command{"rpm-ostree", "kargs", "--delete=amd_iommu=off"});
    REQUIRE_OK(apply_plan(fs, *plan, true));
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE(undo->commands.size() == 1);
    CHECK(undo->commands[0].second == Command{"rpm-ostree", "kargs", "--append=amd_iommu=off"});
}

TEST_CASE("rpm-ostree: detection, the default entry, and GRUB's files left alone") {
    TempDir root;
    copy_fixture(kFixture, root);
    DiskFs fs(root.path());
    SUBCASE("/ostree and rpm-ostree without /run/ostree-booted (an image under --root)") {
        std::filesystem::remove(root / "run/ostree-booted");
        CHECK(make_rpm_ostree_bootloader()->present(fs));
        std::filesystem::remove(root / "usr/bin/rpm-ostree");
        CHECK_FALSE(make_rpm_ostree_bootloader()->present(fs));
    }
    SUBCASE("GRUB's /etc/default/grub is not GRUB's to regenerate here") {
        write_file(root / "etc/default/grub", "GRUB_CMDLINE_LINUX=\"rhgb quiet\"\nGRUB_ENABLE_BLSCFG=true\n");
        write_file(root / "boot/grub2/grub.cfg", "blscfg\n");
        CHECK(make_grub_bootloader()->present(fs));
        CHECK_FALSE(in_use(fs, BootContext{"GRUB 2.06", ""}, make_grub_bootloader()->name()));
        CHECK_FALSE(in_use(fs, BootContext{"GRUB 2.06", ""}, make_bls_bootloader()->name()));
        auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
        REQUIRE_OK(plan);
        CHECK(plan->backends == std::vector<std::string>{"rpm-ostree"});
    }
    SUBCASE("the highest N is the default, numerically; the newer ostree-N.conf naming too") {
        write_file(root / "boot/loader/entries/ostree-10.conf", "title x\noptions quiet\n");
        auto e = make_rpm_ostree_bootloader()->entries(fs);
        REQUIRE_OK(e);
        REQUIRE(e->size() == 3);
        CHECK((*e)[0].source == "/boot/loader/entries/ostree-10.conf");
        CHECK((*e)[1].source == kDefault);
        auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
        REQUIRE_OK(plan);
        CHECK(plan->files[0].path == "/boot/loader/entries/ostree-10.conf");
    }
}

TEST_CASE("rpm-ostree: refused with a staged deployment or without rpm-ostree") {
    TempDir root;
    copy_fixture(kFixture, root);
    DiskFs fs(root.path());
    SUBCASE("staged") {
        write_file(root / "run/ostree/staged-deployment", "x");
        auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
        REQUIRE_FALSE(plan.ok());
        CHECK(plan.error().message.find("staged") != std::string::npos);
    }
    SUBCASE("no rpm-ostree") {
        std::filesystem::remove(root / "usr/bin/rpm-ostree");
        auto plan = make_rpm_ostree_bootloader()->plan(fs, ParamEdit{{"intel_iommu=on"}, {}});
        REQUIRE_FALSE(plan.ok());
        CHECK(plan.error().message.find("without rpm-ostree") != std::string::npos);
    }
    SUBCASE("no entries") {
        for (const char* n : {"ostree-1-fedora.conf", "ostree-2-fedora.conf"})
            std::filesystem::remove(root / (std::string("boot/loader/entries/") + n));
        auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
        REQUIRE_FALSE(plan.ok());
        CHECK(plan.error().message.find("no ostree-*.conf") != std::string::npos);
    }
}
