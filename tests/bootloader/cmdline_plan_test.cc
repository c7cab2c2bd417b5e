#include <doctest/doctest.h>

#include <sys/file.h>
#include <sys/stat.h>

#include "bootloader/cmdline_plan.h"
#include "bootloader/cmdline_state.h"
#include "lib/bootloader_fixture.h"
#include "lib/faulty_fs.h"
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
    s.seen = {"/boot/loader/entries/a.conf", "/etc/kernel/cmdline"};
    s.made_dirs = {"/etc/default/grub.d"};
    auto back = parse_state(format_state(s), "st");
    REQUIRE_OK(back);
    REQUIRE(back->files.size() == 2);
    CHECK(back->seen == s.seen);
    CHECK(back->made_dirs == s.made_dirs);
    CHECK_FALSE(back->legacy);
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
    auto status = cmdline_status(DiskFs(root.path()));
    REQUIRE_OK(status);
    const CmdlineStatus& st = *status;
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

TEST_CASE("a 0600 file keeps its mode in the backup; the state file is 0600") {
    TempDir root;
    copy_fixture("arch-grub", root);
    REQUIRE(chmod((root / "etc/default/grub").c_str(), 0600) == 0);
    DiskFs fs(root.path());
    auto p = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(p);
    REQUIRE_OK(apply_plan(fs, *p, true));
    auto mode = [&](const std::string& rel) {
        struct stat st {};
        REQUIRE(stat((root / rel).c_str(), &st) == 0);
        return st.st_mode & 07777;
    };
    CHECK(mode("etc/default/grub") == 0600);
    CHECK(mode("etc/default/grub.vfio-bind.bak") == 0600);
    CHECK(mode("var/lib/vfio-bind/cmdline.state") == 0600);
}

TEST_CASE("an edit between two enables survives disable (GRUB_TIMEOUT, root=)") {
    TempDir root;
    copy_fixture("arch-grub", root);
    DiskFs fs(root.path());
    const std::string grub = root / "etc/default/grub";
    auto p1 = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(p1);
    REQUIRE_OK(apply_plan(fs, *p1, true));
    // The admin's own changes, between the two enables.
    std::string t = read_file(grub);
    t.replace(t.find("GRUB_TIMEOUT=5"), 14, "GRUB_TIMEOUT=1");
    t.replace(t.find("loglevel=3"), 10, "root=/dev/sdb2 loglevel=3");
    write_file(grub, t);
    auto p2 = plan_enable(fs, ParamEdit{{"intel_iommu=on", "video=efifb:off"}, {}});
    REQUIRE_OK(p2);
    REQUIRE(p2->files.size() == 1);
    REQUIRE_OK(apply_plan(fs, *p2, true));
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    std::string want = read_file(fixture_dir("arch-grub") + "/etc/default/grub");
    want.replace(want.find("GRUB_TIMEOUT=5"), 14, "GRUB_TIMEOUT=1");
    want.replace(want.find("loglevel=3"), 10, "root=/dev/sdb2 loglevel=3");
    CHECK(read_file(grub) == want);
}

TEST_CASE("a state of the previous format with an outdated copy: the file now, without our parameters") {
    TempDir root;
    copy_fixture("arch-grub", root);
    DiskFs fs(root.path());
    const std::string original = read_file(root / "etc/default/grub");
    std::string written = original;
    written.replace(written.find("GRUB_TIMEOUT=5"), 14, "GRUB_TIMEOUT=1"); // the admin's, between two enables
    written.replace(written.find("loglevel=3 quiet"), 16, "loglevel=3 quiet intel_iommu=on iommu=pt");
    write_file(root / "etc/default/grub", written);
    // What the previous vfio-setup recorded: the first original, the last written.
    std::string state = "vfio-setup cmdline state 1\n";
    put_line(state, "file", "/etc/default/grub");
    put_line(state, "backend", "GRUB");
    put_line(state, "existed", "1");
    put_line(state, "added", "intel_iommu=on iommu=pt");
    put_line(state, "removed", "");
    put_blob(state, "original", original);
    put_blob(state, "written", written);
    write_file(root / "var/lib/vfio-bind/cmdline.state", state);
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    REQUIRE_OK(apply_plan(fs, *undo, false));
    std::string want = original;
    want.replace(want.find("GRUB_TIMEOUT=5"), 14, "GRUB_TIMEOUT=1");
    CHECK(read_file(root / "etc/default/grub") == want);
    CHECK_FALSE(fs.exists(kCmdlineStatePath));
}

TEST_CASE("our drop-in changed by someone else: disable refuses with the diff and keeps the state") {
    TempDir root;
    copy_fixture("debian12", root);
    DiskFs fs(root.path());
    auto p = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(p);
    REQUIRE_OK(apply_plan(fs, *p, true));
    const std::string ours = root / "etc/default/grub.d/vfio-bind.cfg";
    write_file(ours, read_file(ours) + "GRUB_TIMEOUT=1\n");
    auto undo = plan_disable(fs);
    REQUIRE_FALSE(undo.ok());
    CHECK(undo.error().message.find("/etc/default/grub.d/vfio-bind.cfg was changed since vfio-setup wrote it") == 0);
    CHECK(undo.error().message.find("+GRUB_TIMEOUT=1") != std::string::npos);
    CHECK(fs.exists(kCmdlineStatePath));
}

TEST_CASE("the grub.d that enable made goes with disable; one that was there, or holds more, stays") {
    TempDir root;
    copy_fixture("debian12", root);
    DiskFs fs(root.path());
    REQUIRE_FALSE(fs.exists("/etc/default/grub.d"));
    auto on = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(on);
    REQUIRE_OK(apply_plan(fs, *on, true));
    CHECK(fs.exists("/etc/default/grub.d/vfio-bind.cfg"));
    auto off = plan_disable(fs);
    REQUIRE_OK(off);
    REQUIRE_OK(apply_plan(fs, *off, false));
    CHECK_FALSE(fs.exists("/etc/default/grub.d"));

    // Someone else's drop-in put there meanwhile: the directory is theirs too.
    on = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(on);
    REQUIRE_OK(apply_plan(fs, *on, true));
    write_file(root / "etc/default/grub.d/50-theirs.cfg", "GRUB_TIMEOUT=1\n");
    off = plan_disable(fs);
    REQUIRE_OK(off);
    REQUIRE_OK(apply_plan(fs, *off, false));
    CHECK(read_file(root / "etc/default/grub.d/50-theirs.cfg") == "GRUB_TIMEOUT=1\n");

    // There before enable (even empty): it stays.
    std::remove((root / "etc/default/grub.d/50-theirs.cfg").c_str());
    on = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(on);
    REQUIRE_OK(apply_plan(fs, *on, true));
    off = plan_disable(fs);
    REQUIRE_OK(off);
    REQUIRE_OK(apply_plan(fs, *off, false));
    CHECK(fs.is_dir("/etc/default/grub.d"));
}

TEST_CASE("a state that cannot be looked at (EIO) is an error: never \"not enabled\", never a second first enable") {
    TempDir root;
    copy_fixture("debian12", root);
    DiskFs disk(root.path());
    auto plan = plan_enable(disk, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(disk, *plan, true));
    FaultyFs fs(root.path(), {kCmdlineStatePath});
    auto undo = plan_disable(fs);
    REQUIRE_FALSE(undo.ok());
    CHECK(undo.error().message.find(kCmdlineStatePath) != std::string::npos);
    CHECK_FALSE(read_state(fs, kCmdlineStatePath).ok());
}

TEST_CASE("disable: a file enable changed that cannot be looked at (EIO) is an error, not \"deleted since\"") {
    TempDir root;
    copy_fixture("debian12", root);
    DiskFs disk(root.path());
    auto plan = plan_enable(disk, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(disk, *plan, true));
    REQUIRE(plan->files.size() == 1);
    auto undo = plan_disable(FaultyFs(root.path(), {plan->files[0].path}));
    REQUIRE_FALSE(undo.ok());
    CHECK(undo.error().message.find(plan->files[0].path) != std::string::npos);
}

TEST_CASE("a disable cut short after its files (kill, power cut) is finished by the next disable") {
    TempDir root;
    copy_fixture("debian12", root);
    DiskFs fs(root.path());
    auto plan = plan_enable(fs, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(fs, *plan, true));
    // The drop-in is gone, the directory enable made and the state are left.
    REQUIRE_OK(fs.remove("/etc/default/grub.d/vfio-bind.cfg"));
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    CHECK(undo->files.empty());
    CHECK_FALSE(undo->empty()); // not "nothing to change"
    REQUIRE_OK(apply_plan(fs, *undo, false));
    CHECK(same_as_fixture("debian12", root));
    CHECK_FALSE(fs.exists(kCmdlineStatePath));
}

TEST_CASE("disable: a directory enable made that cannot be listed (EIO) is an error, not left silently") {
    TempDir root;
    copy_fixture("debian12", root);
    DiskFs disk(root.path());
    auto plan = plan_enable(disk, ParamEdit{{"intel_iommu=on"}, {}});
    REQUIRE_OK(plan);
    REQUIRE_OK(apply_plan(disk, *plan, true));
    FaultyFs fs(root.path(), {"/etc/default/grub.d"});
    auto undo = plan_disable(fs);
    REQUIRE_OK(undo);
    auto applied = apply_plan(fs, *undo, false);
    REQUIRE_FALSE(applied.ok());
    CHECK(applied.error().message.find("/etc/default/grub.d") != std::string::npos);
    CHECK(fs.exists(kCmdlineStatePath)); // the next disable finishes the job
}

TEST_CASE("enable and cmdline status: an EFI variable that says which boot loader boots, unreadable, is an error") {
    TempDir root;
    copy_fixture("arch-systemd-boot", root);
    const std::string info = efi_variable_path("LoaderInfo", EfiVendor::LoaderInterface);
    write_file(root / info, std::string("\x07\0\0\0", 4) + ascii_to_utf16("systemd-boot 252.30-1~deb12u2"));
    const ParamEdit edit{{"intel_iommu=on"}, {}};
    REQUIRE_OK(plan_enable(DiskFs(root.path()), edit));
    FaultyFs fs(root.path(), {info});
    auto plan = plan_enable(fs, edit);
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().message.find(info) != std::string::npos);
    auto st = cmdline_status(fs);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find(info) != std::string::npos);
}
