#include <doctest/doctest.h>

#include <filesystem>

#include "bootloader/boot_context.h"
#include "bootloader/cmdline_plan.h"
#include "bootloader/grub_cfg.h"
#include "bootloader/trial.h"
#include "lib/bootloader_fixture.h"
#include "lib/faulty_fs.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"
#include "setup/trial_setup.h"

using namespace vb;
using namespace vbtest;
namespace fs = std::filesystem;

namespace {

const ParamEdit kIntel{{"intel_iommu=on", "iommu=pt"}, {}};

void efivar(const TempDir& t, const std::string& name, const std::string& value) {
    write_file(t / efi_variable_path(name, EfiVendor::LoaderInterface),
               std::string("\x07\0\0\0", 4) + ascii_to_utf16(value));
}
std::string efivar_of(const TempDir& t, const std::string& name) {
    auto v = read_efi_variable(DiskFs(t.path()), name, EfiVendor::LoaderInterface);
    REQUIRE_OK(v);
    return utf16_to_ascii(*v);
}

// Arch with systemd-boot, booted by it from arch.conf.
void systemd_boot_machine(const TempDir& t) {
    copy_fixture("arch-systemd-boot", t);
    efivar(t, "LoaderInfo", "systemd-boot 252.30-1~deb12u2");
    efivar(t, "LoaderEntrySelected", "arch.conf");
}

// The real Debian grub.cfg and /etc/default/grub of one machine (tests/fixtures/real).
void grub_machine(const TempDir& t) {
    fs::copy("tests/fixtures/real/grub/pointlinux-axdoomer/etc", t / "etc", fs::copy_options::recursive);
    fs::copy("tests/fixtures/real/grubcfg/pointlinux-axdoomer/boot", t / "boot", fs::copy_options::recursive);
    write_file(t / "etc/debian_version", "9.1\n");
    write_file(t / "proc/cpuinfo", "vendor_id\t: GenuineIntel\n");
    write_file(t / "boot/grub/grubenv", "# GRUB Environment Block\n" + std::string(1024 - 25, '#'));
}

// The trial boot: systemd-boot took (and cleared) the one-shot, the marker is
// on the command line.
void boot_the_trial(const TempDir& t) {
    std::remove((t / efi_variable_path("LoaderEntryOneShot", EfiVendor::LoaderInterface)).c_str());
    write_file(t / "proc/cmdline", "root=PARTUUID=6f1a5e2c rw intel_iommu=on iommu=pt vfio_bind.trial=1\n");
    write_file(t / kBootIdPath, "2b9c3f4e-1111-4d5e-8f00-000000000002\n");
}

// The calls that may fail, where the test expects them not to.
template <class T>
T ok(Result<T> r) {
    REQUIRE_OK(r);
    return std::move(*r);
}

} // namespace

TEST_CASE("grub.cfg: entries in menu order, and the one GRUB_DEFAULT names") {
    std::string cfg = read_file("tests/fixtures/real/grubcfg/pointlinux-axdoomer/boot/grub/grub.cfg");
    auto entries = grub_menu_entries(cfg);
    REQUIRE_OK(entries);
    REQUIRE(entries->size() == 3);
    CHECK((*entries)[0].title == "Debian GNU/Linux");
    CHECK((*entries)[0].id == "gnulinux-simple-3378f75a-e05c-4372-88dd-b98c02822c90");
    CHECK((*entries)[2].path == std::vector<std::string>{"Advanced options for Debian GNU/Linux"});
    CHECK((*entries)[2].position == std::vector<size_t>{1, 1});
    CHECK(grub_default_entry(*entries, "0", "")->title == "Debian GNU/Linux");
    CHECK(grub_default_entry(*entries, "1>1", "")->title ==
          "Debian GNU/Linux, with Linux 4.9.0-3-amd64 (recovery mode)");
    // savedefault stores an entry in a submenu as submenu-id>entry-id.
    auto saved = grub_default_entry(*entries, "saved",
                                    "gnulinux-advanced-3378f75a-e05c-4372-88dd-b98c02822c90>"
                                    "gnulinux-4.9.0-3-amd64-advanced-3378f75a-e05c-4372-88dd-b98c02822c90");
    REQUIRE_OK(saved);
    CHECK(saved->position == std::vector<size_t>{1, 0});
    CHECK(grub_default_entry(*entries,
                             "Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 4.9.0-3-amd64", "")
              ->position == std::vector<size_t>{1, 0});
    CHECK_FALSE(grub_default_entry(*entries, "7", "").ok());
}

TEST_CASE("trial on systemd-boot: a copy of the booted entry, booted once; confirm makes it permanent") {
    TempDir t;
    systemd_boot_machine(t);
    DiskFs fs(t.path());
    const std::string arch = read_file(t / "boot/loader/entries/arch.conf");
    auto plan = plan_trial(fs, kIntel, false);
    REQUIRE_OK(plan);
    CHECK(plan->state.backend == "systemd-boot");
    REQUIRE(plan->state.files.size() == 1);
    CHECK(plan->state.files[0].path == "/boot/loader/entries/vfio-bind-trial.conf");
    CHECK(plan->state.files[0].after ==
          "title   Arch Linux (vfio-bind trial)\nlinux   /vmlinuz-linux\ninitrd  /initramfs-linux.img\n"
          "options root=PARTUUID=6f1a5e2c-3b4d-4c8e-9a7f-1e2d3c4b5a69 rw intel_iommu=on iommu=pt vfio_bind.trial=1\n");
    REQUIRE_OK(write_trial(fs, *plan));
    CHECK(efivar_of(t, "LoaderEntryOneShot") == "vfio-bind-trial.conf");
    CHECK(efivar_of(t, "LoaderEntryDefault").empty()); // loader.conf says default arch.conf
    CHECK(read_file(t / "boot/loader/entries/arch.conf") == arch);
    auto pending = read_trial(fs);
    REQUIRE_OK(pending);
    REQUIRE(pending->has_value());
    CHECK((*pending)->edit.set == kIntel.set);
    CHECK(ok(trial_armed(fs, **pending)));
    CHECK_FALSE(plan_trial(fs, kIntel, false).ok()); // one at a time

    // The trial boot: the one-shot is gone, its marker is on the command line.
    std::remove((t / efi_variable_path("LoaderEntryOneShot", EfiVendor::LoaderInterface)).c_str());
    write_file(t / "proc/cmdline", "root=PARTUUID=6f1a5e2c rw intel_iommu=on iommu=pt vfio_bind.trial=1\n");
    CHECK(booted_as_trial(fs));
    auto confirm = plan_confirm(fs, false);
    REQUIRE_OK(confirm);
    REQUIRE_OK(apply_confirm(fs, *confirm));
    CHECK(read_file(t / "boot/loader/entries/arch.conf").find("rw intel_iommu=on iommu=pt\n") != std::string::npos);
    CHECK_FALSE(fs.exists("/boot/loader/entries/vfio-bind-trial.conf"));
    CHECK_FALSE(fs.exists(kTrialStatePath));
    CHECK(fs.exists(kCmdlineStatePath)); // a permanent enable, undone by disable
}

TEST_CASE("trial on systemd-boot: boot counters are no part of an entry's id, a '+' in its name is") {
    for (const auto& [file, id] :
         {std::pair<std::string, std::string>{"arch+3-1.conf", "arch.conf"}, {"arch+lts.conf", "arch+lts.conf"}}) {
        CAPTURE(file);
        TempDir t;
        systemd_boot_machine(t);
        fs::rename(t / "boot/loader/entries/arch.conf", t / ("boot/loader/entries/" + file));
        write_file(t / "boot/loader/loader.conf", "default " + id + "\n");
        auto plan = plan_trial(DiskFs(t.path()), kIntel, false);
        REQUIRE_OK(plan);
        CHECK(plan->notes.back() == "trial entry /boot/loader/entries/vfio-bind-trial.conf, a copy of "
                                    "/boot/loader/entries/" +
                                        file + ", booted once (EFI LoaderEntryOneShot)");
    }
}

TEST_CASE("trial on systemd-boot without a set default: the default is pinned; cancel undoes it all") {
    TempDir t;
    systemd_boot_machine(t);
    write_file(t / "boot/loader/loader.conf", "timeout 4\n");
    DiskFs fs(t.path());
    auto plan = plan_trial(fs, kIntel, true);
    REQUIRE_OK(plan);
    REQUIRE_OK(write_trial(fs, *plan));
    CHECK(efivar_of(t, "LoaderEntryDefault") == "arch.conf");
    CHECK(efivar_of(t, "LoaderEntryOneShot") == "vfio-bind-trial.conf");
    auto st = read_trial(fs);
    REQUIRE_OK(st);
    REQUIRE(st->has_value());
    CHECK((*st)->auto_confirm);
    // What the pin holds back is said (status, the kernel hook's check).
    CHECK(pinned_default_warning(**st).find(
              "systemd-boot's default entry is pinned to arch.conf (EFI LoaderEntryDefault) while "
              "the trial boot is pending: a newly installed kernel does not become "
              "the default") == 0);
    REQUIRE_OK(finish_trial(fs, ok(plan_trial_end(fs, **st))));
    CHECK(efivar_of(t, "LoaderEntryDefault").empty());
    CHECK(efivar_of(t, "LoaderEntryOneShot").empty());
    CHECK(read_file(t / "boot/loader/entries/arch.conf") ==
          read_file(fixture_dir("arch-systemd-boot") + "/boot/loader/entries/arch.conf"));
    CHECK_FALSE(fs.exists("/boot/loader/entries/vfio-bind-trial.conf"));
    CHECK_FALSE(fs.exists(kTrialStatePath));
}

TEST_CASE("trial on systemd-boot: an EFI variable that cannot be read is an error, never an absence") {
    TempDir t;
    systemd_boot_machine(t);
    efivar(t, "LoaderEntryDefault", "arch.conf");
    for (const char* name : {"LoaderInfo", "LoaderEntryDefault", "LoaderEntrySelected"}) {
        CAPTURE(name);
        const std::string path = efi_variable_path(name, EfiVendor::LoaderInterface);
        FaultyFs fs(t.path(), {path});
        auto plan = plan_trial(fs, kIntel, true);
        REQUIRE_FALSE(plan.ok());
        CHECK(plan.error().code == EIO);
        CHECK(plan.error().message.find(path) != std::string::npos);
    }
    // Absent stays absent: no LoaderEntryDefault, the default is pinned.
    std::remove((t / efi_variable_path("LoaderEntryDefault", EfiVendor::LoaderInterface)).c_str());
    REQUIRE_OK(plan_trial(DiskFs(t.path()), kIntel, true));
}

TEST_CASE("trial on systemd-boot: an unreadable loader.conf or GRUB config is an error, never pins a default") {
    TempDir t;
    systemd_boot_machine(t);
    for (const char* broken : {"/boot/loader/loader.conf", "/etc/default/grub"}) {
        CAPTURE(broken);
        write_file(t / broken, "# exists\n");
        auto plan = plan_trial(FaultyFs(t.path(), {broken}), kIntel, false);
        REQUIRE_FALSE(plan.ok());
        CHECK(plan.error().code == EIO);
        CHECK(plan.error().message.find(broken) != std::string::npos);
    }
}

TEST_CASE("ending a trial: an unreadable trial entry is an error, an unreadable EFI variable a note and left alone") {
    TempDir t;
    systemd_boot_machine(t);
    write_file(t / "boot/loader/loader.conf", "timeout 4\n"); // the default is pinned too
    write_file(t / kBootIdPath, "2b9c3f4e-1111-4d5e-8f00-000000000001\n");
    DiskFs disk(t.path());
    auto plan = plan_trial(disk, kIntel, false);
    REQUIRE_OK(plan);
    REQUIRE_OK(write_trial(disk, *plan));
    auto st = read_trial(disk);
    REQUIRE_OK(st);
    REQUIRE(st->has_value());
    const std::string entry = "/boot/loader/entries/vfio-bind-trial.conf";
    {
        FaultyFs fs(t.path(), {entry});
        auto end = plan_trial_end(fs, **st);
        REQUIRE_FALSE(end.ok()); // never "gone already"
        CHECK(end.error().message.find(entry) != std::string::npos);
        CHECK_FALSE(plan_cancel(fs, **st).ok());
    }
    const std::string pin = efi_variable_path("LoaderEntryDefault", EfiVendor::LoaderInterface);
    FaultyFs fs(t.path(), {pin});
    auto end = plan_trial_end(fs, **st);
    REQUIRE_OK(end);
    CHECK(end->efivars == std::vector<std::string>{"LoaderEntryOneShot"});
    REQUIRE(end->notes.size() == 1);
    CHECK(end->notes[0].find("EFI variable LoaderEntryDefault cannot be read") == 0);
    CHECK(end->notes[0].find("left alone") != std::string::npos);
}

TEST_CASE("where a trial stands: what cannot be read is an error, never 'the trial is over'") {
    TempDir t;
    systemd_boot_machine(t);
    write_file(t / kBootIdPath, "2b9c3f4e-1111-4d5e-8f00-000000000001\n");
    write_file(t / "proc/cmdline", "root=PARTUUID=6f1a5e2c rw\n");
    DiskFs disk(t.path());
    auto plan = plan_trial(disk, kIntel, false);
    REQUIRE_OK(plan);
    REQUIRE_OK(write_trial(disk, *plan));
    auto st = read_trial(disk);
    REQUIRE_OK(st);
    REQUIRE(st->has_value());
    std::remove((t / efi_variable_path("LoaderEntryOneShot", EfiVendor::LoaderInterface)).c_str());
    for (const std::string& broken : {std::string(kBootIdPath), std::string("/proc/cmdline"),
                                      efi_variable_path("LoaderEntrySelected", EfiVendor::LoaderInterface)}) {
        CAPTURE(broken);
        FaultyFs fs(t.path(), {broken});
        auto phase = trial_phase(fs, **st);
        REQUIRE_FALSE(phase.ok());
        CHECK(phase.error().message.find(broken) != std::string::npos);
        CHECK_FALSE(trial_to_take_back(fs, **st).ok());
        auto c = plan_confirm(fs, false);
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().message.find(broken) != std::string::npos);
    }
    // The one-shot that cannot be read neither arms nor disarms.
    write_file(t / kBootIdPath, "2b9c3f4e-1111-4d5e-8f00-000000000002\n");
    const std::string one_shot = efi_variable_path("LoaderEntryOneShot", EfiVendor::LoaderInterface);
    efivar(t, "LoaderEntryOneShot", "vfio-bind-trial.conf");
    CHECK_FALSE(trial_armed(FaultyFs(t.path(), {one_shot}), **st).ok());
    CHECK_FALSE(trial_phase(FaultyFs(t.path(), {one_shot}), **st).ok());
}

TEST_CASE("a trial starts only where this boot's id can be read") {
    TempDir t;
    systemd_boot_machine(t);
    write_file(t / kBootIdPath, "2b9c3f4e-1111-4d5e-8f00-000000000001\n");
    auto plan = plan_trial(FaultyFs(t.path(), {kBootIdPath}), kIntel, false);
    REQUIRE_FALSE(plan.ok());
    CHECK(plan.error().code == EIO);
    CHECK(plan.error().message.find(kBootIdPath) != std::string::npos);
}

TEST_CASE("a trial cut short before its one-shot was set is taken back by the next --trial; an armed one stands") {
    TempDir t;
    systemd_boot_machine(t);
    write_file(t / kBootIdPath, "2b9c3f4e-1111-4d5e-8f00-000000000001\n");
    DiskFs fs(t.path());
    auto plan = plan_trial(fs, kIntel, false);
    REQUIRE_OK(plan);
    REQUIRE_OK(write_trial(fs, *plan));
    auto st = read_trial(fs);
    REQUIRE_OK(st);
    REQUIRE(st->has_value());
    CHECK(ok(trial_to_take_back(fs, **st)).empty()); // armed, this boot: the next boot takes it
    std::remove((t / efi_variable_path("LoaderEntryOneShot", EfiVendor::LoaderInterface)).c_str());
    CHECK(ok(trial_to_take_back(fs, **st)).find("was never armed") == 0);
    write_file(t / kBootIdPath, "2b9c3f4e-1111-4d5e-8f00-000000000002\n");
    CHECK(ok(trial_to_take_back(fs, **st)).find("was booted and never confirmed") == 0);
}

TEST_CASE("trial on GRUB: the default entry copied into custom.cfg, next_entry set by grub-editenv") {
    TempDir t;
    grub_machine(t);
    DiskFs fs(t.path());
    auto plan = plan_trial(fs, ParamEdit{{"intel_iommu=on"}, {}}, false);
    REQUIRE_OK(plan);
    CHECK(plan->state.backend == "GRUB");
    REQUIRE(plan->state.files.size() == 1);
    const auto& f = plan->state.files[0];
    CHECK(f.path == "/boot/grub/custom.cfg");
    CHECK_FALSE(f.existed);
    CHECK(f.after.find("menuentry 'Debian GNU/Linux (vfio-bind trial)' --class debian --class gnu-linux --class gnu "
                       "--class os --id vfio-bind-trial {\n\tload_video\n") != std::string::npos);
    CHECK(f.after.find("\tlinux\t/vmlinuz-4.9.0-3-amd64 root=/dev/mapper/debian--vg-root ro  quiet intel_iommu=on "
                       "vfio_bind.trial=1\n\techo") != std::string::npos);
    REQUIRE(plan->commands.size() == 1);
    CHECK(plan->commands[0] == Command{"grub-editenv", "/boot/grub/grubenv", "set", "next_entry=vfio-bind-trial"});
    // The copy is itself a menu entry GRUB can read.
    auto again = grub_menu_entries(f.after);
    REQUIRE_OK(again);
    REQUIRE(again->size() == 1);
    CHECK((*again)[0].id == "vfio-bind-trial");

    REQUIRE_OK(write_trial(fs, *plan));
    auto st = read_trial(fs);
    REQUIRE_OK(st);
    REQUIRE(st->has_value());
    // As GRUB's own tool leaves it once set; cancelling unsets it.
    write_file(t / "boot/grub/grubenv",
               "# GRUB Environment Block\nnext_entry=vfio-bind-trial\n" + std::string(1024 - 51, '#'));
    CHECK(ok(trial_armed(fs, **st)));
    TrialEnd end = ok(plan_trial_end(fs, **st));
    REQUIRE(end.commands.size() == 1);
    CHECK(end.commands[0] == Command{"grub-editenv", "/boot/grub/grubenv", "unset", "next_entry"});
    REQUIRE_OK(finish_trial(fs, end));
    CHECK_FALSE(fs.exists("/boot/grub/custom.cfg"));
}

TEST_CASE("trial on GRUB: the entry's options kept (--unrestricted), a quote in its title written so GRUB reads it") {
    TempDir t;
    grub_machine(t);
    std::string cfg = read_file(t / "boot/grub/grub.cfg");
    const std::string from = "menuentry 'Debian GNU/Linux' --class debian";
    cfg.replace(cfg.find(from), from.size(), "menuentry 'Debian'\\''s GNU/Linux' --unrestricted --class debian");
    write_file(t / "boot/grub/grub.cfg", cfg);
    auto plan = plan_trial(DiskFs(t.path()), kIntel, false);
    REQUIRE_OK(plan);
    const std::string& after = plan->state.files[0].after;
    CHECK(after.find("menuentry 'Debian'\\''s GNU/Linux (vfio-bind trial)' --unrestricted --class debian") !=
          std::string::npos);
    auto again = grub_menu_entries(after);
    REQUIRE_OK(again);
    REQUIRE(again->size() == 1);
    CHECK((*again)[0].title == "Debian's GNU/Linux (vfio-bind trial)");
    CHECK((*again)[0].id == "vfio-bind-trial");
    CHECK((*again)[0].options[0] == "--unrestricted");
}

TEST_CASE("trial on GRUB keeps a user's custom.cfg byte for byte") {
    TempDir t;
    grub_machine(t);
    const std::string mine = "menuentry 'Memtest' {\n\tlinux16 /memtest86+.bin\n}\n";
    write_file(t / "boot/grub/custom.cfg", mine);
    DiskFs fs(t.path());
    auto plan = plan_trial(fs, kIntel, false);
    REQUIRE_OK(plan);
    CHECK(plan->state.files[0].after.compare(0, mine.size(), mine) == 0);
    REQUIRE_OK(write_trial(fs, *plan));
    auto st = read_trial(fs);
    REQUIRE_OK(st);
    REQUIRE_OK(finish_trial(fs, ok(plan_trial_end(fs, **st))));
    CHECK(read_file(t / "boot/grub/custom.cfg") == mine);
}

TEST_CASE("trial where kernelstub or sdbootutil write the entries and systemd-boot boots them") {
    SUBCASE("Pop!_OS: kernelstub") {
        TempDir t;
        copy_fixture("popos", t);
        write_file(t / "proc/cpuinfo", "vendor_id\t: GenuineIntel\n");
        efivar(t, "LoaderInfo", "systemd-boot 251.4-1ubuntu7");
        efivar(t, "LoaderEntrySelected", "Pop_OS-current.conf");
        DiskFs fs(t.path());
        const std::string stub = read_file(t / "etc/kernelstub/configuration");
        auto plan = plan_trial(fs, kIntel, false);
        REQUIRE_OK(plan);
        CHECK(plan->state.backend == "systemd-boot");
        REQUIRE(plan->state.files.size() == 1);
        CHECK(plan->state.files[0].path == "/boot/efi/loader/entries/vfio-bind-trial.conf");
        CHECK(plan->state.files[0].after.find("title Pop!_OS (vfio-bind trial)\n") == 0);
        CHECK(plan->state.files[0].after.find(" splash intel_iommu=on iommu=pt vfio_bind.trial=1\n") !=
              std::string::npos);
        REQUIRE_OK(write_trial(fs, *plan));
        CHECK(efivar_of(t, "LoaderEntryOneShot") == "vfio-bind-trial.conf");
        // No loader.conf default: the default is pinned to the booted entry meanwhile.
        CHECK(efivar_of(t, "LoaderEntryDefault") == "Pop_OS-current.conf");
        CHECK(read_file(t / "etc/kernelstub/configuration") == stub);

        // The confirm goes through kernelstub, as a plain enable would.
        boot_the_trial(t);
        auto confirm = plan_confirm(fs, false);
        REQUIRE_OK(confirm);
        REQUIRE(confirm->enable.files.size() == 1);
        CHECK(confirm->enable.files[0].path == "/etc/kernelstub/configuration");
        REQUIRE_OK(apply_confirm(fs, *confirm));
        CHECK(read_file(t / "etc/kernelstub/configuration").find("\"intel_iommu=on\"") != std::string::npos);
        CHECK_FALSE(fs.exists("/boot/efi/loader/entries/vfio-bind-trial.conf"));
        CHECK(efivar_of(t, "LoaderEntryDefault").empty());
        CHECK_FALSE(fs.exists(kTrialStatePath));
    }
    SUBCASE("openSUSE Tumbleweed: sdbootutil; its update-all-entries may take the trial entry first") {
        TempDir t;
        copy_fixture("opensuse-tumbleweed-sdboot", t);
        write_file(t / "proc/cpuinfo", "vendor_id\t: GenuineIntel\n");
        efivar(t, "LoaderInfo", "systemd-boot 256.7+suse.1");
        const std::string entry = "4f1c2b7a9e3d4c58b6a0e2f1d3c5b7a9-6.8.1-1-default-2.conf";
        efivar(t, "LoaderEntrySelected", entry);
        DiskFs fs(t.path());
        auto plan = plan_trial(fs, kIntel, false);
        REQUIRE_OK(plan);
        CHECK(plan->state.backend == "systemd-boot");
        REQUIRE(plan->state.files.size() == 1);
        CHECK(plan->state.files[0].after.find("rootflags=subvol=@/.snapshots/2/snapshot") != std::string::npos);
        CHECK(plan->state.files[0].after.find("vfio_bind.trial=1") != std::string::npos);
        REQUIRE_OK(write_trial(fs, *plan));
        boot_the_trial(t);
        auto confirm = plan_confirm(fs, false);
        REQUIRE_OK(confirm);
        REQUIRE(confirm->enable.files.size() == 1);
        CHECK(confirm->enable.files[0].path == "/etc/kernel/cmdline");
        std::remove((t / "boot/efi/loader/entries/vfio-bind-trial.conf").c_str());
        REQUIRE_OK(apply_confirm(fs, *confirm));
        CHECK(read_file(t / "etc/kernel/cmdline").find("intel_iommu=on iommu=pt") != std::string::npos);
        CHECK_FALSE(fs.exists(kTrialStatePath));
    }
    SUBCASE("without systemd-boot saying it booted the machine: refused") {
        TempDir t;
        copy_fixture("popos", t);
        auto p = plan_trial(DiskFs(t.path()), kIntel, false);
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().message.find("kernelstub: no one-shot boot") == 0);
    }
}

TEST_CASE("trial refused where the boot loader has no one-shot vfio-setup can drive, or cannot clear it") {
    SUBCASE("rEFInd") {
        TempDir t;
        copy_fixture("refind", t);
        auto p = plan_trial(DiskFs(t.path()), kIntel, false);
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().message.find("no one-shot boot that vfio-setup can drive") != std::string::npos);
    }
    SUBCASE("GRUB with grubenv on btrfs") {
        TempDir t;
        grub_machine(t);
        write_file(t / "proc/self/mountinfo", "21 1 0:31 / / rw - btrfs /dev/nvme0n1p2 rw,subvol=/@\n");
        auto p = plan_trial(DiskFs(t.path()), kIntel, false);
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().message.find("GRUB cannot clear next_entry in /boot/grub/grubenv on btrfs") == 0);
    }
}

TEST_CASE("confirm --auto: only from the trial boot, once all is well") {
    TempDir t;
    systemd_boot_machine(t);
    make_dirs(t / "sys/bus/pci/devices");
    DiskFs fs(t.path());
    auto plan = plan_trial(fs, kIntel, true);
    REQUIRE_OK(plan);
    REQUIRE_OK(write_trial(fs, *plan));
    write_file(t / "proc/cmdline", "root=PARTUUID=6f1a5e2c rw\n");
    auto c = plan_confirm(fs, true);
    REQUIRE_OK(c);
    CHECK(c->not_now == "this boot is not the trial (no vfio_bind.trial=1)");
    write_file(t / "proc/cmdline", "root=PARTUUID=6f1a5e2c rw intel_iommu=on iommu=pt vfio_bind.trial=1\n");
    c = plan_confirm(fs, true);
    REQUIRE_OK(c);
    CHECK(c->not_now.find("the trial boot is not all good: the IOMMU is not active") == 0);
    CHECK(fs.exists(kTrialStatePath)); // still pending
}

TEST_CASE("confirm --auto of changed claims: judged by the trial's config, not the old one") {
    const std::string gpu = "[gpu]\naddress = 0000:01:00.0\nid = 1002:6818\n";
    const std::string sata = "[sata]\naddress = 0000:00:17.0\nid = 8086:a352\n"; // ahci holds it
    struct Case {
        std::string known_good, tried, not_now;
    };
    for (const Case& c :
         {Case{gpu, gpu + sata, "the trial boot is not all good: 0000:00:17.0"}, Case{gpu + sata, gpu, ""}}) {
        CAPTURE(c.tried);
        TempDir t;
        systemd_boot_machine(t);
        vfio_ready(t.path()); // the Radeon at 01:00.0 is vfio-pci's
        write_file(t / "etc/vfio-devices.ini", c.known_good);
        DiskFs fs(t.path());
        auto ct = plan_claims_trial(fs, c.tried, true);
        REQUIRE_OK(ct);
        REQUIRE_OK(write_claims_trial(fs, *ct));
        write_file(t / "proc/cmdline", "root=PARTUUID=6f1a5e2c rw vfio_bind.trial=1\n");
        auto confirm = plan_confirm(fs, true);
        REQUIRE_OK(confirm);
        if (c.not_now.empty()) CHECK(confirm->not_now.empty());
        else CHECK(confirm->not_now.find(c.not_now) == 0);
    }
}

TEST_CASE("a trial of changed claims: the trial config, confirmed into place or cancelled") {
    for (bool confirm : {true, false}) {
        CAPTURE(confirm);
        TempDir t;
        systemd_boot_machine(t);
        const std::string known_good = "[gpu]\naddress = 0000:01:00.0\nid = 1002:6818\n";
        const std::string tried = known_good + "\n[second]\naddress = 0000:02:00.0\nid = 10de:1b80\n";
        write_file(t / "etc/vfio-devices.ini", known_good);
        write_file(t / "etc/kernel/postinst.d/initramfs-tools", "");
        write_file(t / "usr/sbin/update-initramfs", "");
        DiskFs fs(t.path());
        auto ct = plan_claims_trial(fs, tried, false);
        REQUIRE_OK(ct);
        REQUIRE(ct->rebuild);
        CHECK(*ct->rebuild == Command{"update-initramfs", "-u", "-k", "all"});
        // The trial entry has today's command line and the marker only.
        CHECK(ct->trial.state.files[0].after.find("rw vfio_bind.trial=1\n") != std::string::npos);
        REQUIRE_OK(write_claims_trial(fs, *ct));
        CHECK(read_file(t / "etc/vfio-devices.trial.ini") == tried);
        CHECK(read_file(t / "etc/vfio-devices.ini") == known_good);
        auto st = read_trial(fs);
        REQUIRE_OK(st);
        REQUIRE(st->has_value());
        CHECK((*st)->config == "/etc/vfio-devices.trial.ini");
        if (confirm) {
            boot_the_trial(t);
            auto c = plan_confirm(fs, false);
            REQUIRE_OK(c);
            REQUIRE(c->config);
            REQUIRE_OK(apply_confirm(fs, *c));
            CHECK(read_file(t / "etc/vfio-devices.ini") == tried);
            CHECK(read_file(t / "etc/vfio-devices.ini.vfio-bind.bak") == known_good);
        } else {
            CancelPlan c = ok(plan_cancel(fs, **st));
            CHECK(c.config);
            REQUIRE_OK(apply_cancel(fs, c));
            CHECK(read_file(t / "etc/vfio-devices.ini") == known_good);
        }
        CHECK_FALSE(fs.exists("/etc/vfio-devices.trial.ini"));
        CHECK_FALSE(fs.exists(kTrialStatePath));
        CHECK_FALSE(fs.exists("/boot/loader/entries/vfio-bind-trial.conf"));
    }
    TempDir t;
    systemd_boot_machine(t);
    auto bad = plan_claims_trial(DiskFs(t.path()), "[gpu]\ncolour = red\n", false);
    REQUIRE_FALSE(bad.ok()); // an invalid config is never tried
    CHECK(bad.error().message.find("unknown key 'colour'") != std::string::npos);
}

TEST_CASE("trial on systemd-boot: a loader.conf default pattern that the trial entry matches pins the default") {
    for (const auto& [pattern, pinned] :
         {std::pair<std::string, bool>{"*.conf", true}, {"vfio-*", true}, {"arch*", false}, {"arch.conf", false}}) {
        CAPTURE(pattern);
        TempDir t;
        systemd_boot_machine(t);
        write_file(t / "boot/loader/loader.conf", "default " + pattern + "\n");
        DiskFs fs(t.path());
        auto plan = plan_trial(fs, kIntel, false);
        REQUIRE_OK(plan);
        REQUIRE_OK(write_trial(fs, *plan));
        CHECK(efivar_of(t, "LoaderEntryDefault") == (pinned ? "arch.conf" : ""));
        auto st = read_trial(fs);
        REQUIRE_OK(st);
        REQUIRE(st->has_value());
        CHECK(pinned_default_warning(**st).empty() == !pinned);
    }
}

TEST_CASE("confirm only from the trial boot: a trial whose boot passed unconfirmed failed, --trial starts afresh") {
    // Boot 1 starts the trial of X; boot 2 is the trial, nobody confirms
    // (it hung, the machine was power-cycled); boot 3 is the default again.
    TempDir t;
    systemd_boot_machine(t);
    DiskFs fs(t.path());
    const ParamEdit x{{"video=efifb:off"}, {}};
    write_file(t / kBootIdPath, "2b9c3f4e-1111-4d5e-8f00-000000000001\n");
    write_file(t / "proc/cmdline", "root=PARTUUID=6f1a5e2c rw\n");
    auto plan = plan_trial(fs, x, false);
    REQUIRE_OK(plan);
    REQUIRE_OK(write_trial(fs, *plan));
    auto st = read_trial(fs);
    REQUIRE_OK(st);
    REQUIRE(st->has_value());
    CHECK((*st)->boot_id == "2b9c3f4e-1111-4d5e-8f00-000000000001");
    CHECK(ok(trial_phase(fs, **st)) == TrialPhase::Ahead);
    SUBCASE("boot 1, before the reboot: not tried yet, no confirm") {
        std::remove((t / efi_variable_path("LoaderEntryOneShot", EfiVendor::LoaderInterface)).c_str());
        CHECK(ok(trial_phase(fs, **st)) == TrialPhase::Ahead); // the same boot, whatever the variables say
        auto c = plan_confirm(fs, false);
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().message.find("this boot is not the trial, which has not been booted yet") == 0);
    }
    SUBCASE("boot 2: the trial itself, known by LoaderEntrySelected too") {
        std::remove((t / efi_variable_path("LoaderEntryOneShot", EfiVendor::LoaderInterface)).c_str());
        write_file(t / kBootIdPath, "2b9c3f4e-1111-4d5e-8f00-000000000002\n");
        efivar(t, "LoaderEntrySelected", "vfio-bind-trial.conf");
        CHECK(ok(trial_phase(fs, **st)) == TrialPhase::ThisBoot);
        auto p = plan_trial(fs, x, false);
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().message.find("this boot is the trial of video=efifb:off") == 0);
        CHECK(plan_confirm(fs, false).ok());
    }
    SUBCASE("boot 3 and later: failed or abandoned; confirm refused, --force warned, a new trial starts afresh") {
        std::remove((t / efi_variable_path("LoaderEntryOneShot", EfiVendor::LoaderInterface)).c_str());
        write_file(t / kBootIdPath, "2b9c3f4e-1111-4d5e-8f00-000000000003\n");
        CHECK(ok(trial_phase(fs, **st)) == TrialPhase::Over);
        auto c = plan_confirm(fs, false);
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().message.find("the trial boot is over and was never confirmed: it failed or was abandoned") ==
              0);
        auto forced = plan_confirm(fs, false, true);
        REQUIRE_OK(forced);
        CHECK(forced->warning.find("warning: the trial boot is over") == 0);
        auto automatic = plan_confirm(fs, true);
        REQUIRE_OK(automatic);
        CHECK_FALSE(automatic->not_now.empty());
        // A new --trial: the old one taken back (as vfio-setup does), then a fresh one.
        auto p = plan_trial(fs, x, false);
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().message.find("was booted and never confirmed (failed or abandoned)") != std::string::npos);
        REQUIRE_OK(apply_cancel(fs, ok(plan_cancel(fs, **st))));
        auto fresh = plan_trial(fs, x, false);
        REQUIRE_OK(fresh);
        REQUIRE_OK(write_trial(fs, *fresh));
        auto again = read_trial(fs);
        REQUIRE_OK(again);
        CHECK(ok(trial_phase(fs, **again)) == TrialPhase::Ahead);
    }
}

TEST_CASE("a trial state written before trials knew their boot still reads") {
    TempDir t;
    systemd_boot_machine(t);
    DiskFs fs(t.path());
    auto plan = plan_trial(fs, kIntel, false);
    REQUIRE_OK(plan);
    REQUIRE_OK(write_trial(fs, *plan));
    std::string text = read_file(t / kTrialStatePath);
    const size_t at = text.find("boot-id ");
    REQUIRE(at != std::string::npos);
    text.erase(at, text.find('\n', at) + 1 - at);
    write_file(t / kTrialStatePath, text);
    auto st = read_trial(fs);
    REQUIRE_OK(st);
    REQUIRE(st->has_value());
    CHECK((*st)->boot_id.empty());
    CHECK(ok(trial_phase(fs, **st)) == TrialPhase::Ahead); // the one-shot is still set
}

TEST_CASE("trial_what: a trial that only removes parameters still says what it tries") {
    TrialState st;
    st.edit.remove = {"amd_iommu=off"};
    CHECK(trial_what(st) == "the command line without amd_iommu=off");
    st.edit.set = {"intel_iommu=on"};
    CHECK(trial_what(st) == "intel_iommu=on");
    st.config = "/etc/vfio-devices.trial.ini";
    CHECK(trial_what(st) == "the claims in /etc/vfio-devices.trial.ini");
    CHECK_FALSE(trial_what(TrialState{}).empty());
}
