#include <doctest/doctest.h>

#include <cstdio>

#include "bootloader/bls.h"
#include "bootloader/bootloader.h"
#include "bootloader/cmdline_plan.h"
#include "bootloader/select.h"
#include "lib/bootloader_fixture.h"
#include "lib/faulty_fs.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

TEST_CASE("Fedora 39: every BLS entry, /etc/kernel/cmdline and GRUB_CMDLINE_LINUX; no grub2-mkconfig") {
    TempDir root;
    copy_fixture("fedora39", root);
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE(plan->files.size() == 4);
    CHECK(plan->files[0].path == "/etc/default/grub");
    CHECK(plan->files[0].after.find("GRUB_CMDLINE_LINUX=\"rhgb quiet intel_iommu=on\"\n") != std::string::npos);
    CHECK(plan->files[3].path == "/etc/kernel/cmdline");
    CHECK(plan->files[3].after ==
          "root=UUID=5c1b2a3e-8f0d-4e6a-9b7c-2d4f6a8b0c1e ro rootflags=subvol=root rhgb quiet intel_iommu=on\n");
    CHECK(plan->files[1].after.find("\noptions root=UUID=5c1b2a3e-8f0d-4e6a-9b7c-2d4f6a8b0c1e ro rootflags=subvol=root "
                                    "rhgb quiet intel_iommu=on\ngrub_users") != std::string::npos);
    CHECK(plan->commands.empty());
    REQUIRE_OK(apply_plan(fs, *plan, true));
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(same_as_fixture("fedora39", root));
}

TEST_CASE("Arch systemd-boot: options of every entry") {
    TempDir root;
    copy_fixture("arch-systemd-boot", root);
    DiskFs fs(root.path());
    auto bls = make_bls_bootloader();
    CHECK(in_use(fs, BootContext{}, bls->name()));
    CHECK_FALSE(in_use(fs, BootContext{"GRUB 2.12", ""}, bls->name()));
    auto c = bls->plan(fs, ParamEdit{{"intel_iommu=on", "iommu=pt"}, {}});
    REQUIRE_OK(c);
    REQUIRE(c->size() == 2);
    CHECK((*c)[1].after == "title   Arch Linux\nlinux   /vmlinuz-linux\ninitrd  /initramfs-linux.img\n"
                           "options root=PARTUUID=6f1a5e2c-3b4d-4c8e-9a7f-1e2d3c4b5a69 rw intel_iommu=on iommu=pt\n");
}

TEST_CASE("BLS: several options lines form one command line; a missing one is added") {
    TempDir root;
    write_file(root / "boot/loader/entries/a.conf",
               "title A\nlinux /vmlinuz\noptions root=/dev/sda1 iommu=soft\noptions quiet\n");
    write_file(root / "boot/loader/entries/b.conf", "title B\nlinux /vmlinuz");
    DiskFs fs(root.path());
    auto c = make_bls_bootloader()->plan(fs, ParamEdit{{"iommu=pt", "intel_iommu=on"}, {}});
    REQUIRE_OK(c);
    REQUIRE(c->size() == 2);
    CHECK((*c)[0].after == "title A\nlinux /vmlinuz\noptions root=/dev/sda1 iommu=pt\noptions quiet intel_iommu=on\n");
    CHECK((*c)[1].after == "title B\nlinux /vmlinuz\noptions iommu=pt intel_iommu=on\n");
}

TEST_CASE("BLS entry changed after enable: disable removes only what it added") {
    TempDir root;
    copy_fixture("arch-systemd-boot", root);
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(fs, *plan, true));
    std::string p = root / "boot/loader/entries/arch.conf";
    std::string t = read_file(p);
    t.replace(t.find(" rw"), 3, " rw nowatchdog");
    write_file(p, t);
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    CHECK(undo->notes.size() == 1);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(read_file(p).find("options root=PARTUUID=6f1a5e2c-3b4d-4c8e-9a7f-1e2d3c4b5a69 rw nowatchdog\n") !=
          std::string::npos);
    CHECK(read_file(root / "boot/loader/entries/arch-fallback.conf") ==
          read_file(fixture_dir("arch-systemd-boot") + "/boot/loader/entries/arch-fallback.conf"));
}

TEST_CASE("BLS: entries that boot no Linux kernel are left alone and not listed") {
    TempDir root;
    write_file(root / "boot/loader/loader.conf", "default arch.conf\n");
    write_file(root / "boot/loader/entries/arch.conf",
               "title Arch Linux\nlinux /vmlinuz-linux\ninitrd /initramfs-linux.img\noptions root=/dev/sda2 rw\n");
    const std::string refind = "title rEFInd\nefi /EFI/refind/refind_x64.efi\n";
    const std::string windows = "title Windows\nefi \\EFI\\Microsoft\\Boot\\Bootmgfw.efi\noptions -v\n";
    const std::string memtest = "title Memtest86+\nlinux /memtest86+/memtest.efi\noptions keyboard=both\n";
    write_file(root / "boot/loader/entries/refind.conf", refind);
    write_file(root / "boot/loader/entries/windows.conf", windows);
    write_file(root / "boot/loader/entries/memtest.conf", memtest);
    write_file(root / "boot/loader/entries/uki.conf", "title UKI\nuki /EFI/Linux/arch.efi\n");
    DiskFs fs(root.path());
    CHECK(*bls_entry_files(fs) ==
          std::vector<std::string>{"/boot/loader/entries/arch.conf", "/boot/loader/entries/uki.conf"});
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE(plan->files.size() == 2);
    CHECK(plan->files[1].after == "title UKI\nuki /EFI/Linux/arch.efi\noptions intel_iommu=on\n");
    REQUIRE_OK(apply_plan(fs, *plan, true));
    CHECK(read_file(root / "boot/loader/entries/refind.conf") == refind);
    CHECK(read_file(root / "boot/loader/entries/windows.conf") == windows);
    CHECK(read_file(root / "boot/loader/entries/memtest.conf") == memtest);
}

TEST_CASE("BLS: an options line the edit empties is dropped, and restored by disable") {
    TempDir root;
    const std::string entry = "title Gentoo\nlinux /vmlinuz\noptions root=/dev/sda2\noptions amd_iommu=off\r\n"
                              "options quiet\n";
    write_file(root / "boot/loader/entries/gentoo.conf", entry);
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, ParamEdit{{"iommu=pt"}, {"amd_iommu=off"}});
    REQUIRE_OK(plan);
    REQUIRE(plan->files.size() == 1);
    CHECK(plan->files[0].after == "title Gentoo\nlinux /vmlinuz\noptions root=/dev/sda2\noptions quiet iommu=pt\n");
    REQUIRE_OK(apply_plan(fs, *plan, true));
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(read_file(root / "boot/loader/entries/gentoo.conf") == entry);
}

TEST_CASE("BLS: a bare options line gets a blank before what is added (found by bls_fuzz)") {
    const std::string path = "/boot/loader/entries/a.conf";
    const ParamEdit enable{{"intel_iommu=on", "iommu=pt"}, {}};
    auto e = bls_edit(path, "title A\nlinux /vmlinuz\noptions\n", enable);
    REQUIRE_OK(e);
    CHECK(*e == "title A\nlinux /vmlinuz\noptions intel_iommu=on iommu=pt\n");
    auto last = bls_edit(path, "linux /vmlinuz\noptions", enable);
    REQUIRE_OK(last);
    CHECK(*last == "linux /vmlinuz\noptions intel_iommu=on iommu=pt");
    auto c = bls_cmdline(path, *last);
    REQUIRE_OK(c);
    CHECK(*c == "intel_iommu=on iommu=pt");
    // Nothing to do: the entry stays as it was, not even a blank added.
    auto same = bls_edit(path, "linux /vmlinuz\noptions\n", ParamEdit{{}, {"quiet"}});
    REQUIRE_OK(same);
    CHECK(*same == "linux /vmlinuz\noptions\n");
}

TEST_CASE("BLS: an entry made after enable from /etc/kernel/cmdline is cleaned by disable, and named") {
    TempDir root;
    copy_fixture("fedora39", root);
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(fs, *plan, true));
    // A kernel update: kernel-install writes its entry from /etc/kernel/cmdline.
    const std::string entries = "boot/loader/entries/";
    const std::string fresh = entries + "0f3a7c2e9b8d4e1f8a6b5c4d3e2f1a0b-6.8.4-200.fc39.x86_64.conf";
    const std::string fresh_text = "title Fedora Linux (6.8.4-200.fc39.x86_64) 39 (Workstation Edition)\n"
                                   "version 6.8.4-200.fc39.x86_64\nlinux /vmlinuz-6.8.4-200.fc39.x86_64\n"
                                   "initrd /initramfs-6.8.4-200.fc39.x86_64.img\noptions ";
    write_file(root / fresh, fresh_text + read_file(root / "etc/kernel/cmdline"));
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    bool listed = false;
    for (const auto& c : undo->files) listed |= c.path == "/" + fresh;
    CHECK(listed);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(read_file(root / fresh) == fresh_text + read_file(root / "etc/kernel/cmdline"));
    CHECK(read_file(root / fresh).find("intel_iommu") == std::string::npos);
    CHECK(same_tree(fixture_dir("fedora39"), root, {fresh})); // the new entry is the kernel update's
}

TEST_CASE("BLS: an entry deleted after enable (its kernel removed) is not brought back") {
    TempDir root;
    copy_fixture("fedora39", root);
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(fs, *plan, true));
    const std::string gone = "boot/loader/entries/0f3a7c2e9b8d4e1f8a6b5c4d3e2f1a0b-6.5.6-300.fc39.x86_64.conf";
    REQUIRE(std::remove((root / gone).c_str()) == 0);
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    bool said = false;
    for (const auto& n : undo->notes) said |= n.find("/" + gone + " was deleted since enable") == 0;
    CHECK(said);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK_FALSE(fs.exists("/" + gone));
    CHECK(read_file(root / "etc/kernel/cmdline") == read_file(fixture_dir("fedora39") + "/etc/kernel/cmdline"));
}

TEST_CASE("BLS: a new entry keeps a parameter that /etc/kernel/cmdline had before enable") {
    TempDir root;
    copy_fixture("fedora39", root);
    const std::string own = "root=UUID=5c1b2a3e-8f0d-4e6a-9b7c-2d4f6a8b0c1e ro rhgb quiet intel_iommu=on\n";
    write_file(root / "etc/kernel/cmdline", own); // the user's own, before vfio-setup
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(fs, *plan, true));
    const std::string fresh = "boot/loader/entries/new-6.8.4.conf";
    write_file(root / fresh, "title New\nlinux /vmlinuz-6.8.4\noptions " + own);
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(read_file(root / fresh) == "title New\nlinux /vmlinuz-6.8.4\noptions " + own);
    CHECK(read_file(root / "etc/kernel/cmdline") == own);
}

TEST_CASE("bls_without_boot_counter: +N and +N-M only, the extension kept") {
    CHECK(vb::bls_without_boot_counter("arch+3-0.conf") == "arch.conf");
    CHECK(vb::bls_without_boot_counter("os-6.8.1+2.efi") == "os-6.8.1.efi");
    CHECK(vb::bls_without_boot_counter("linux+lts.conf") == "linux+lts.conf");
    CHECK(vb::bls_without_boot_counter("a+1-x.conf") == "a+1-x.conf");
    CHECK(vb::bls_without_boot_counter("plain.conf") == "plain.conf");
    CHECK(vb::bls_without_boot_counter("noext+3") == "noext+3");
}

TEST_CASE("BLS entries that cannot be listed (EIO) are an error, never edits of the other files only") {
    TempDir root;
    copy_fixture("fedora39", root);
    FaultyFs fs(root.path(), {"/boot/loader/entries"});
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().code == EIO);
    CHECK(plan.error().message.find("/boot/loader/entries") != std::string::npos);
    CHECK_FALSE(bls_entry_files(fs).ok());
    CHECK(make_bls_bootloader()->present(fs)); // present, so its error is heard
}

TEST_CASE("an /etc/kernel/cmdline that cannot be looked at (EIO) is an error, never absent") {
    TempDir root;
    copy_fixture("fedora39", root);
    FaultyFs fs(root.path(), {"/etc/kernel/cmdline"});
    auto plan = make_bls_bootloader()->plan(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().message.find("/etc/kernel/cmdline") != std::string::npos);
}

TEST_CASE("disable with BLS entries that cannot be listed is an error: a new entry would keep our parameters") {
    TempDir root;
    copy_fixture("fedora39", root);
    DiskFs disk(root.path());
    auto plan = plan_enable(disk, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(disk, *plan, true));
    FaultyFs fs(root.path(), {"/boot/loader/entries"});
    auto undo = plan_disable(fs);
    REQUIRE_FALSE(undo.ok());
    CHECK(undo.error().message.find("/boot/loader/entries") != std::string::npos);
}

TEST_CASE("Fedora: a GRUB config that cannot be read once (EIO) never leaves the BLS entries out") {
    TempDir root;
    copy_fixture("fedora39", root);
    FaultyFs fs(root.path(), {}, {"/etc/default/grub"});
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    if (plan.ok()) CHECK(plan->files.size() == 4); // never /etc/default/grub alone
}

TEST_CASE("a disable cut short after putting a file back, before removing its backup, is finished by the next") {
    TempDir root;
    copy_fixture("fedora39", root);
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(fs, *plan, true));
    // The first disable put /etc/kernel/cmdline back and was killed there.
    REQUIRE_OK(fs.replace_file("/etc/kernel/cmdline", read_file(fixture_dir("fedora39") + "/etc/kernel/cmdline")));
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(same_as_fixture("fedora39", root)); // no cmdline.vfio-bind.bak left
}

TEST_CASE("BLS: options that come from GRUB's $kernelopts are refused wherever it stands, and only it") {
    const std::string entry = "/boot/loader/entries/f.conf";
    const ParamEdit enable{{"intel_iommu=on", "iommu=pt"}, {}};
    for (const char* options : {"$kernelopts", "root=/dev/vda1 ${kernelopts} quiet", "iommu=soft $kernelopts"}) {
        CAPTURE(options);
        auto r = bls_edit(entry, "title F\nlinux /vmlinuz\noptions " + std::string(options) + "\n", enable);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("$kernelopts in grubenv") != std::string::npos);
    }
    // Found by bls_fuzz: the edit removed iommu=soft, $kernelopts became the
    // first word, and a second enable refused what the first had written.
    // $kerneloptsX is another variable: edited, and the same edit again changes nothing.
    auto once = bls_edit(entry, "title F\nlinux /vmlinuz\noptions iommu=soft $kerneloptsX\n", enable);
    REQUIRE_OK(once);
    CHECK(*once == "title F\nlinux /vmlinuz\noptions iommu=pt $kerneloptsX intel_iommu=on\n");
    auto twice = bls_edit(entry, *once, enable);
    REQUIRE_OK(twice);
    CHECK(*twice == *once);
    // /etc/kernel/cmdline is no GRUB entry: a $ there is a plain character.
    CHECK(bls_edit(kKernelCmdlinePath, "root=/dev/vda1 $kernelopts\n", enable).ok());
}
