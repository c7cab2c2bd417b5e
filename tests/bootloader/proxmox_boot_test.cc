#include <doctest/doctest.h>

#include <filesystem>

#include "bootloader/bootloader.h"
#include "bootloader/cmdline_plan.h"
#include "bootloader/proxmox_boot.h"
#include "bootloader/select.h"
#include "bootloader/trial.h"
#include "check/initrd_locate.h"
#include "lib/bootloader_fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;
namespace fsys = std::filesystem;

namespace {

const char* kSdboot = "proxmox8-zfs-sdboot";
const char* kGrubFixture = "proxmox8-grub";
const ParamEdit kIntel{{"intel_iommu=on", "iommu=pt"}, {}};
const std::string kEsp = "var/tmp/espmounts/6A3C-21F0";

void efivar(const TempDir& t, const std::string& name, const std::string& value) {
    write_file(t / efi_variable_path(name, EfiVendor::LoaderInterface),
               std::string("\x07\0\0\0", 4) + ascii_to_utf16(value));
}

// Booted by systemd-boot from the first ESP's entry of the newest kernel.
void booted_by_systemd_boot(const TempDir& t) {
    efivar(t, "LoaderInfo", "systemd-boot 252.31-1~deb12u1");
    efivar(t, "LoaderEntrySelected", "proxmox-6.8.12-4-pve.conf");
    efivar(t, "LoaderDevicePartUUID", "0D5E7A61-3C2B-4F7A-9E1D-2B8C4A6F0E13");
}

// The first ESP mounted on /boot/efi, as the user does for a trial.
void mount_first_esp(const TempDir& t) {
    fsys::create_directories(t / "boot/efi");
    fsys::copy(t / kEsp, t / "boot/efi", fsys::copy_options::recursive);
}

} // namespace

TEST_CASE("proxmox-boot-tool: found by its ESP list and its tool or hook; GRUB and BLS are its own") {
    TempDir root;
    copy_fixture(kSdboot, root);
    DiskFs fs(root.path());
    auto pbt = make_proxmox_boot_bootloader();
    CHECK(pbt->present(fs));
    CHECK(in_use(fs, BootContext{}, kProxmoxBootName));
    CHECK(make_grub_bootloader()->present(fs));     // /etc/default/grub and grub-mkconfig are there...
    CHECK_FALSE(in_use(fs, BootContext{}, "GRUB")); // ...but update-grub does not write what boots
    mount_first_esp(root);
    CHECK(make_bls_bootloader()->present(fs));                                      // a mounted ESP's entries...
    CHECK_FALSE(in_use(fs, BootContext{"systemd-boot 252.31", ""}, "BLS entries")); // ...are the tool's

    SUBCASE("the kernel hook alone is enough") {
        fsys::remove(root / "usr/sbin/proxmox-boot-tool");
        CHECK(pbt->present(fs));
    }
    SUBCASE("an ESP list nothing refreshes is not proxmox-boot-tool") {
        fsys::remove(root / "usr/sbin/proxmox-boot-tool");
        fsys::remove(root / "etc/kernel/postinst.d/zz-proxmox-boot");
        CHECK_FALSE(pbt->present(fs));
        CHECK(in_use(fs, BootContext{}, "GRUB"));
    }
    SUBCASE("no ESP list: a plain Debian with GRUB") {
        fsys::remove(root / "etc/kernel/proxmox-boot-uuids");
        CHECK_FALSE(pbt->present(fs));
        CHECK(in_use(fs, BootContext{}, "GRUB"));
    }
}

TEST_CASE("proxmox-boot-tool with systemd-boot: /etc/kernel/cmdline edited, refresh writes the ESPs, exact undo") {
    TempDir root;
    copy_fixture(kSdboot, root);
    DiskFs fs(root.path());
    CHECK(*proxmox_boot_mode(fs) == ProxmoxBootMode::SystemdBoot);
    auto plan = plan_enable(fs, kIntel);
    REQUIRE_OK(plan);
    CHECK(plan->backends == std::vector<std::string>{kProxmoxBootName});
    REQUIRE(plan->files.size() == 1);
    CHECK(plan->files[0].path == "/etc/kernel/cmdline");
    CHECK(plan->files[0].after == "root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on iommu=pt\n");
    REQUIRE(plan->commands.size() == 1);
    CHECK(plan->commands[0].second == Command{"proxmox-boot-tool", "refresh"});

    REQUIRE_OK(apply_plan(fs, *plan, true));
    CHECK(read_file(root / "etc/kernel/cmdline") == plan->files[0].after);
    // No ESP written by hand: the entries still have the old options until refresh.
    CHECK(read_file(root / (kEsp + "/loader/entries/proxmox-6.8.12-4-pve.conf")) ==
          read_file(fixture_dir(kSdboot) + "/" + kEsp + "/loader/entries/proxmox-6.8.12-4-pve.conf"));
    auto e = make_proxmox_boot_bootloader()->entries(fs);
    REQUIRE_OK(e);
    REQUIRE(e->size() == 1);
    CHECK(e->at(0).cmdline == "root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on iommu=pt");
    CHECK(e->at(0).source.find("6A3C-21F0, 6A3C-8E17") != std::string::npos);

    auto again = plan_enable(fs, kIntel);
    REQUIRE_OK(again);
    CHECK(again->empty());

    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE(undo->commands.size() == 1);
    CHECK(undo->commands[0].second == Command{"proxmox-boot-tool", "refresh"});
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(same_as_fixture(kSdboot, root));
}

TEST_CASE("proxmox-boot-tool with GRUB: GRUB's files edited, refresh (not update-grub) applies them, exact undo") {
    TempDir root;
    copy_fixture(kGrubFixture, root);
    DiskFs fs(root.path());
    CHECK(*proxmox_boot_mode(fs) == ProxmoxBootMode::Grub);
    auto plan = plan_enable(fs, kIntel);
    REQUIRE_OK(plan);
    CHECK(plan->backends == std::vector<std::string>{kProxmoxBootName});
    REQUIRE(plan->files.size() == 1);
    CHECK(plan->files[0].path.rfind("/etc/default/grub", 0) == 0);
    CHECK(plan->files[0].after.find("intel_iommu=on iommu=pt") != std::string::npos);
    REQUIRE(plan->commands.size() == 1);
    CHECK(plan->commands[0].second == Command{"proxmox-boot-tool", "refresh"});
    REQUIRE_OK(apply_plan(fs, *plan, true));
    auto e = make_proxmox_boot_bootloader()->entries(fs);
    REQUIRE_OK(e);
    REQUIRE(e->size() == 1);
    CHECK(e->at(0).cmdline.find("root=ZFS=rpool/ROOT/pve-1 boot=zfs") != std::string::npos);
    CHECK(e->at(0).cmdline.find("intel_iommu=on iommu=pt") != std::string::npos);

    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(same_as_fixture(kGrubFixture, root));
}

TEST_CASE("proxmox-boot-tool: what decides where to write must be readable and sound, else nothing is written") {
    TempDir root;
    copy_fixture(kSdboot, root);
    DiskFs fs(root.path());
    std::string what;
    SUBCASE("/etc/kernel/cmdline missing: the tool would take /proc/cmdline") {
        fsys::remove(root / "etc/kernel/cmdline");
        write_file(root / "proc/cmdline", "initrd=\\EFI\\proxmox\\x root=ZFS=rpool/ROOT/pve-1 boot=zfs\n");
        efivar(root, "LoaderInfo", "systemd-boot 252.31-1~deb12u1"); // so the mode is systemd-boot's
        what = "/etc/kernel/cmdline is missing";
    }
    SUBCASE("/etc/kernel/cmdline unreadable") {
        fsys::remove(root / "etc/kernel/cmdline");
        fsys::create_directories(root / "etc/kernel/cmdline");
        what = "/etc/kernel/cmdline";
    }
    SUBCASE("/etc/kernel/cmdline of two lines: the tool reads only the first") {
        write_file(root / "etc/kernel/cmdline", "root=ZFS=rpool/ROOT/pve-1 boot=zfs\nquiet\n");
        what = "only the first";
    }
    SUBCASE("/etc/kernel/cmdline without root=: refresh would fail") {
        write_file(root / "etc/kernel/cmdline", "boot=zfs quiet\n");
        what = "no root=";
    }
    SUBCASE("an empty ESP list") {
        write_file(root / "etc/kernel/proxmox-boot-uuids", "\n");
        what = "lists no ESP";
    }
    SUBCASE("an unreadable ESP list") {
        fsys::remove(root / "etc/kernel/proxmox-boot-uuids");
        fsys::create_directories(root / "etc/kernel/proxmox-boot-uuids");
        what = "proxmox-boot-uuids";
    }
    auto plan = plan_enable(fs, kIntel);
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().message.find(what) != std::string::npos);
    CHECK(plan.error().message.find("proxmox-boot-tool") != std::string::npos);
    auto st = cmdline_status(fs);
    REQUIRE_OK(st);
    bool listed = false;
    for (const auto& b : st->bootloaders)
        if (b.name == kProxmoxBootName) {
            listed = true;
            CHECK(b.in_use);
            CHECK(b.error.find(what) != std::string::npos);
        }
    CHECK(listed);
    CHECK_FALSE(fs.exists(kCmdlineStatePath));
}

TEST_CASE("proxmox-boot-tool: the mode follows the firmware") {
    TempDir root;
    copy_fixture(kSdboot, root);
    DiskFs fs(root.path());
    CHECK(*proxmox_boot_mode(fs) == ProxmoxBootMode::SystemdBoot); // no firmware here: /etc/kernel/cmdline decides
    SUBCASE("UEFI without LoaderInfo (shim and GRUB, Secure Boot)") {
        write_file(root / "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d0-aae4-00a0c93ec93b", "x");
        CHECK(*proxmox_boot_mode(fs) == ProxmoxBootMode::Grub);
    }
    SUBCASE("systemd-boot says so") {
        booted_by_systemd_boot(root);
        CHECK(*proxmox_boot_mode(fs) == ProxmoxBootMode::SystemdBoot);
    }
    SUBCASE("no /etc/kernel/cmdline, no firmware: GRUB") {
        fsys::remove(root / "etc/kernel/cmdline");
        CHECK(*proxmox_boot_mode(fs) == ProxmoxBootMode::Grub);
    }
}

TEST_CASE("proxmox-boot-tool trial: systemd-boot's one-shot on the ESP it booted from, once that is mounted") {
    TempDir root;
    copy_fixture(kSdboot, root);
    booted_by_systemd_boot(root);
    DiskFs fs(root.path());

    SUBCASE("no ESP mounted: which to mount, and how") {
        auto tp = plan_trial(fs, kIntel, false);
        REQUIRE_FALSE(tp.ok());
        CHECK(tp.error().message.find("mount /dev/disk/by-partuuid/0d5e7a61-3c2b-4f7a-9e1d-2b8c4a6f0e13 /boot/efi") !=
              std::string::npos);
    }
    SUBCASE("the booted ESP mounted: a trial entry there, booted once") {
        mount_first_esp(root);
        auto tp = plan_trial(fs, kIntel, false);
        REQUIRE_OK(tp);
        REQUIRE(tp->state.files.size() == 1);
        CHECK(tp->state.files[0].path == "/boot/efi/loader/entries/vfio-bind-trial.conf");
        CHECK(tp->state.files[0].after.find(
                  "options  root=ZFS=rpool/ROOT/pve-1 boot=zfs intel_iommu=on iommu=pt vfio_bind.trial=1") !=
              std::string::npos);
        CHECK(tp->state.files[0].after.find("linux    /EFI/proxmox/6.8.12-4-pve/vmlinuz-6.8.12-4-pve") !=
              std::string::npos);
        // "default proxmox-*" cannot pick the trial entry: no default pinned.
        REQUIRE(tp->state.efivars.size() == 1);
        CHECK(tp->state.efivars[0].first == "LoaderEntryOneShot");
        CHECK(tp->commands.empty());
    }
    SUBCASE("another ESP mounted: its one-shot would never be read") {
        mount_first_esp(root);
        write_file(root / "proc/self/mountinfo", "36 25 8:18 / /boot/efi rw,relatime shared:1 - vfat /dev/sdb2 rw\n");
        fsys::create_directories(root / "dev/disk/by-partuuid");
        fsys::create_symlink("../../sda2", root / "dev/disk/by-partuuid/0d5e7a61-3c2b-4f7a-9e1d-2b8c4a6f0e13");
        write_file(root / "sys/class/block/sda2/dev", "8:2\n");
        auto tp = plan_trial(fs, kIntel, false);
        REQUIRE_FALSE(tp.ok());
        CHECK(tp.error().message.find("/boot/efi holds /dev/sdb2") != std::string::npos);
        write_file(root / "proc/self/mountinfo", "36 25 8:2 / /boot/efi rw,relatime shared:1 - vfat /dev/sda2 rw\n");
        CHECK(plan_trial(fs, kIntel, false).ok());
    }
}

TEST_CASE("proxmox-boot-tool trial with GRUB on the ESPs: refused, with why") {
    TempDir root;
    copy_fixture(kGrubFixture, root);
    auto tp = plan_trial(DiskFs(root.path()), kIntel, false);
    REQUIRE_FALSE(tp.ok());
    CHECK(tp.error().message.find("proxmox-boot-tool with GRUB") != std::string::npos);
    CHECK(tp.error().message.find("enable without --trial") != std::string::npos);
}

TEST_CASE("proxmox-boot-tool: the images to rebuild are /boot's, which refresh copies onto the ESPs") {
    TempDir root;
    copy_fixture(kSdboot, root);
    mount_first_esp(root); // its copies are checked as copies of these (tests/check/esp_copies_test.cc)
    DiskFs fs(root.path());
    for (const char* kver : {"6.8.12-4-pve", "6.5.13-6-pve"})
        write_file(root / ("lib/modules/" + std::string(kver) + "/modules.dep"), "");
    CHECK(installed_kernels(fs) == std::vector<std::string>{"6.5.13-6-pve", "6.8.12-4-pve"});
    auto images = find_images(fs, "6.8.12-4-pve");
    REQUIRE(images.size() == 1);
    CHECK(images[0].path == "/boot/initrd.img-6.8.12-4-pve");
}
