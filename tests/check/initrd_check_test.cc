#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "basic/fs.h"
#include "check/initrd_check.h"
#include "check/initrd_report.h"
#include "lib/fixture.h"
#include "lib/image_builder.h"
#include "lib/initrd_machine.h"

using vb::Severity;
using vbtest::CpioFile;
using vbtest::write_file;

using namespace vbtest;

TEST_CASE("a good image, for every compression: no problem") {
    for (vb::Compression c : vbtest::all_compressions()) {
        CAPTURE(std::string(vb::compression_name(c)));
        Machine m;
        m.image("boot/initrd.img-" + V, image_of(good_files(), c));
        auto r = m.check();
        CHECK(r.configured);
        CHECK(problems(r).empty());
        CHECK_FALSE(r.has_problems());
        REQUIRE(r.kernels.size() == 1);
        REQUIRE(r.kernels[0].images.size() == 1);
        CHECK(r.kernels[0].images[0].readable);
        CHECK(r.kernels[0].images[0].format == std::string("uncompressed + ") + vb::compression_name(c));
    }
}

TEST_CASE("a stale config is a problem whose fix rebuilds that kernel's image") {
    Machine m;
    m.image("boot/initrd.img-" + V, image_of(good_files()));
    write_file(m.dir / "etc/vfio-devices.ini", kConfig + "\n[audio]\naddress = 0000:01:00.1\n");
    auto r = m.check();
    auto p = problems(r);
    REQUIRE(p.size() == 1);
    CHECK(p[0] ==
          "problem: " + V + ": /boot/initrd.img-" + V +
              " holds a stale copy of /etc/vfio-devices.ini (the current file differs) -- fix: dracut -f --kver " + V);
    REQUIRE(r.rebuild_commands().size() == 1);
    CHECK(r.rebuild_commands()[0] == std::vector<std::string>{"dracut", "-f", "--kver", V});
}

TEST_CASE("an image built without the module is one problem, not a list") {
    Machine m;
    std::vector<CpioFile> files = {{"usr/lib/dracut/modules.txt", "base\nsystemd\n"}, {"usr/bin/sh", "sh"}};
    for (auto& f : good_files())
        if (f.name.find("modules/") != std::string::npos) files.push_back(f);
    m.image("boot/initrd.img-" + V, image_of(files, vb::Compression::gzip));
    auto p = problems(m.check());
    REQUIRE(p.size() == 1);
    CHECK(any_contains(p, "built without the vfio-bind dracut module"));
}

TEST_CASE("each missing piece is named") {
    struct Case {
        const char* remove;
        const char* says;
    } cases[] = {
        {"usr/sbin/vfio-bind", "lacks /usr/sbin/vfio-bind"},
        {"etc/vfio-devices.ini", "lacks /etc/vfio-devices.ini"},
        {"etc/modprobe.d/vfio-bind.conf", "lacks /etc/modprobe.d/vfio-bind.conf"},
        {"etc/vfio-bind/host-devices", "lacks /etc/vfio-bind/host-devices (the devices the host needs"},
        {"sysinit.target.wants", "has vfio-bind-initrd.service but nothing starts it"},
        {"vfio-pci-core.ko", "lacks the module vfio-pci-core.ko"},
        {"irqbypass.ko", "lacks the module irqbypass.ko"},
        {"vfio_iommu_type1.ko", "lacks the module vfio_iommu_type1.ko"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.remove);
        Machine m;
        m.image("boot/initrd.img-" + V, image_of(without(good_files(), c.remove)));
        auto p = problems(m.check());
        REQUIRE(p.size() == 1);
        CHECK(any_contains(p, c.says));
        CHECK(any_contains(p, "fix: dracut -f --kver " + V));
    }
    Machine m;
    m.image("boot/initrd.img-" + V,
            image_of(without(without(good_files(), "sysinit.target"), "system/vfio-bind-initrd")));
    CHECK(any_contains(problems(m.check()), "no run point for vfio-bind"));
}

TEST_CASE("a pre-udev hook is a run point too; non-usr-merged module paths count") {
    Machine m;
    auto files = without(without(good_files("lib/modules/" + V + "/"), "sysinit.target"), "system/vfio-bind-initrd");
    files.push_back({"var/lib/dracut/hooks/pre-udev/30-vfio-bind-hook.sh", "vfio-bind\n", 0100755});
    m.image("boot/initrd.img-" + V, image_of(files, vb::Compression::lz4_legacy));
    CHECK(problems(m.check()).empty());
}

TEST_CASE("built-in vfio modules need no file, per modules.builtin or CONFIG_*=y") {
    Machine m;
    write_file(m.dir / "lib/modules/" + V + "/modules.builtin",
               "kernel/drivers/vfio/vfio.ko\nkernel/drivers/vfio/vfio_iommu_type1.ko\n");
    write_file(m.dir / "boot/config-" + V, "CONFIG_VFIO=y\nCONFIG_VFIO_IOMMU_TYPE1=y\nCONFIG_VFIO_PCI=y\n");
    m.image("boot/initrd.img-" + V, image_of(without(good_files(), ".ko")));
    CHECK(problems(m.check()).empty());
}

// Ubuntu's kernels (22.04's 5.15 at least) build vfio-pci in: its lines
// are real ones of such a modules.builtin (tests/fixtures/real/modules, SOURCE
// there), modules.dep has no vfio module at all. Nothing to find in the image,
// nothing to fix; without vfio-pci's line it would be nowhere, and said.
TEST_CASE("an Ubuntu kernel's modules.builtin lists vfio-pci: no module file needed in the image") {
    const std::string builtin = read_file("tests/fixtures/real/modules/ubuntu2204-5.15.0-131-generic/modules.builtin");
    REQUIRE(builtin.find("kernel/drivers/vfio/pci/vfio-pci.ko\n") != std::string::npos);
    Machine m;
    write_file(m.dir / "lib/modules/" + V + "/modules.dep", "kernel/mm/zswap.ko:\n");
    write_file(m.dir / "lib/modules/" + V + "/modules.builtin", builtin);
    std::filesystem::remove(m.dir / ("boot/config-" + V)); // modules.builtin alone decides
    m.image("boot/initrd.img-" + V, image_of(without(good_files(), ".ko")));
    CHECK(problems(m.check()).empty());

    std::string no_pci = builtin;
    no_pci.erase(no_pci.find("kernel/drivers/vfio/pci/vfio-pci.ko\n"), 36);
    write_file(m.dir / "lib/modules/" + V + "/modules.builtin", no_pci);
    CHECK(any_contains(problems(m.check()), "has no vfio_pci module (not in modules.dep, not built in)"));
}

TEST_CASE("a kernel without vfio-pci is a problem that dracut cannot fix") {
    Machine m;
    write_file(m.dir / "boot/config-" + V, "CONFIG_VFIO=m\n# CONFIG_VFIO_PCI is not set\n");
    m.image("boot/initrd.img-" + V, image_of(good_files()));
    auto r = m.check();
    CHECK(any_contains(problems(r), "built without vfio-pci (CONFIG_VFIO_PCI is not set)"));
    CHECK(r.rebuild_commands().empty());
}

TEST_CASE("the boot framebuffer warning appears only when the boot GPU may be claimed") {
    Machine m;
    m.image("boot/initrd.img-" + V, image_of(good_files()));
    auto warnings = [&] {
        size_t n = 0;
        for (const auto& f : m.check().findings) n += f.what.find("simpledrm") != std::string::npos;
        return n;
    };
    CHECK(warnings() == 0);
    const std::string cfg = "[options]\nboot_vga = yes\n" + kConfig;
    write_file(m.dir / "etc/vfio-devices.ini", cfg);
    CHECK(warnings() == 1);
    write_file(m.dir / "boot/config-" + V,
               "CONFIG_VFIO=m\nCONFIG_VFIO_IOMMU_TYPE1=m\nCONFIG_VFIO_PCI=m\nCONFIG_DRM_SIMPLEDRM=y\n");
    CHECK(warnings() == 0);
}

TEST_CASE("a missing image is reported with the command that makes it") {
    Machine m;
    auto r = m.check();
    auto p = problems(r);
    REQUIRE(p.size() == 1);
    CHECK(p[0] == "problem: " + V + ": no initramfs found for kernel " + V + " -- fix: dracut -f --kver " + V);
}

TEST_CASE("image locations: Fedora/Arch, kernel-install, /lib/modules, UKIs; --kver and --image") {
    Machine m;
    const std::string img = image_of(good_files());
    m.image("boot/initramfs-" + V + ".img", img);
    m.image("efi/0123456789abcdef/" + V + "/initrd", img);
    m.image("lib/modules/" + V + "/initrd", img);
    m.image("boot/efi/EFI/Linux/debian-" + V + ".efi", vbtest::pe_image({{".uname", V}, {".initrd", img}}));
    m.image("boot/efi/EFI/Linux/debian-5.10.0-1-amd64.efi", "not for this kernel");
    auto r = m.check();
    CHECK(problems(r).empty());
    REQUIRE(r.kernels.size() == 1);
    std::vector<std::string> paths;
    for (const auto& i : r.kernels[0].images) paths.push_back(i.location.path);
    CHECK(paths == std::vector<std::string>{"/boot/initramfs-" + V + ".img", "/lib/modules/" + V + "/initrd",
                                            "/efi/0123456789abcdef/" + V + "/initrd",
                                            "/boot/efi/EFI/Linux/debian-" + V + ".efi"});
    CHECK(r.kernels[0].images[3].location.uki);
    CHECK(r.kernels[0].images[3].format == "UKI: uncompressed + zstd");

    // A broken UKI: its rebuild command says --uefi and names the file.
    m.image("boot/efi/EFI/Linux/debian-" + V + ".efi", vbtest::pe_image({{".uname", V}, {".linux", "k"}}));
    auto broken = m.check();
    REQUIRE(broken.rebuild_commands().size() == 1);
    CHECK(broken.rebuild_commands()[0] ==
          std::vector<std::string>{"dracut", "-f", "--uefi", "/boot/efi/EFI/Linux/debian-" + V + ".efi", V});
    // Where kernel-install makes the UKIs (ukify, signed), it rebuilds them, never dracut --uefi.
    vbtest::write_file(m.dir / "etc/kernel/install.conf", "layout=uki\n");
    auto by_ki = m.check();
    REQUIRE(by_ki.rebuild_commands().size() == 1);
    CHECK(by_ki.rebuild_commands()[0] == std::vector<std::string>{"kernel-install", "add", V, "/boot/vmlinuz-" + V});
    std::remove((m.dir / "etc/kernel/install.conf").c_str());

    // --image alone: the kernel is found in the image's module directory.
    vb::CheckOptions o;
    o.image = "/lib/modules/" + V + "/initrd";
    auto one = m.check(o);
    REQUIRE(one.kernels.size() == 1);
    CHECK(one.kernels[0].kver == V);
    CHECK(one.kernels[0].images.size() == 1);
    CHECK(problems(one).empty());

    o = {};
    o.kver = "9.9.9";
    CHECK(any_contains(problems(m.check(o)), "no initramfs found for kernel 9.9.9"));
}

TEST_CASE("garbage where the image should be is a problem, not a crash") {
    Machine m;
    m.image("boot/initrd.img-" + V, "garbage garbage garbage");
    auto p = problems(m.check());
    REQUIRE(p.size() == 1);
    CHECK(any_contains(p, "cannot read /boot/initrd.img-" + V + ": not an initramfs"));
}

TEST_CASE("reading stops once everything needed was seen") {
    Machine m;
    // Junk after the last file the verdict needs: reading on would fail.
    std::string inner = vbtest::cpio_newc(good_files(), false) + vbtest::newc_header("usr/share/zz", 0100644, 9999999);
    m.image("boot/initrd.img-" + V, vbtest::zstd(inner));
    auto r = m.check();
    CHECK(problems(r).empty());
    CHECK(r.kernels[0].images[0].stopped_early);
}

TEST_CASE("not configured: nothing to check, exit status good") {
    Machine m;
    vbtest::TempDir other;
    std::remove((m.dir / "etc/vfio-devices.ini").c_str());
    auto r = m.check();
    CHECK_FALSE(r.configured);
    CHECK(r.findings.empty());
    CHECK(vb::format_table(r).find("not configured") != std::string::npos);
}

TEST_CASE("machine-wide: invalid config, vfio-bind not installed") {
    Machine m;
    m.image("boot/initrd.img-" + V, image_of(good_files()));
    write_file(m.dir / "etc/vfio-devices.ini", "[gpu]\naddress = nonsense\n");
    std::remove((m.dir / "usr/sbin/vfio-bind").c_str());
    auto p = problems(m.check());
    CHECK(any_contains(p, "problem: invalid /etc/vfio-devices.ini: /etc/vfio-devices.ini:2"));
    CHECK(any_contains(p, "vfio-bind is not installed"));
}

TEST_CASE("the kernel command line is checked with vfio-setup's backends") {
    Machine m;
    m.image("boot/initrd.img-" + V, image_of(good_files()));
    write_file(m.dir / "proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: vmx\n\n");
    write_file(m.dir / "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n");
    write_file(m.dir / "boot/grub/grub.cfg", "linux /vmlinuz root=/dev/sda1 quiet\n");
    vb::CheckOptions o;
    auto r = vb::check_initrds(m.fs, o);
    auto p = problems(r);
    CHECK(any_contains(p, "lacks intel_iommu=on -- fix: vfio-setup cmdline enable"));
    CHECK(r.rebuild_commands().empty()); // --fix rebuilds images only
    // A UKI's own command line counts for that kernel.
    m.image(
        "boot/efi/EFI/Linux/debian-" + V + ".efi",
        vbtest::pe_image({{".cmdline", "root=/dev/sda1 quiet"}, {".uname", V}, {".initrd", image_of(good_files())}}));
    CHECK(any_contains(
        problems(vb::check_initrds(m.fs, o)),
        "the command line built into /boot/efi/EFI/Linux/debian-" + V +
            ".efi lacks intel_iommu=on (after the fix, rebuild the UKI) -- fix: vfio-setup cmdline enable"));
    // The same UKI by --image, wherever it lies: still a UKI (it was read as
    // a plain image before, and its command line went unchecked).
    m.image("srv/images/test.efi", vbtest::read_file(m.dir / ("boot/efi/EFI/Linux/debian-" + V + ".efi")));
    vb::CheckOptions only;
    only.image = "/srv/images/test.efi";
    auto by_image = vb::check_initrds(m.fs, only);
    REQUIRE(by_image.kernels.size() == 1);
    CHECK(by_image.kernels[0].images[0].location.uki);
    CHECK(any_contains(problems(by_image), "the command line built into /srv/images/test.efi lacks intel_iommu=on"));
}

TEST_CASE("the kernel command line: a switched-off IOMMU is reported, with what it turns off") {
    Machine m; // AMD
    m.image("boot/initrd.img-" + V, image_of(good_files()));
    write_file(m.dir / "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet iommu=off\"\nGRUB_CMDLINE_LINUX=\"\"\n");
    write_file(m.dir / "boot/grub/grub.cfg", "linux /vmlinuz root=/dev/sda1 quiet iommu=off\n");
    vb::CheckOptions o;
    CHECK(any_contains(problems(vb::check_initrds(m.fs, o)),
                       "the kernel command line in /etc/default/grub has iommu=off (it turns off AMD-Vi and VT-d "
                       "both) -- fix: vfio-setup cmdline enable"));
    // Not ours to remove: a problem with the reason, not silence.
    write_file(m.dir / "etc/default/grub",
               "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intremap=nosid,off\"\nGRUB_CMDLINE_LINUX=\"\"\n");
    CHECK(any_contains(problems(vb::check_initrds(m.fs, o)),
                       "intremap=nosid,off turns off interrupt remapping, without which VFIO refuses devices"));
}

TEST_CASE("outputs: table and JSON") {
    Machine m;
    m.image("boot/initrd.img-" + V, image_of(good_files()));
    write_file(m.dir / "etc/vfio-devices.ini", "[gpu]\nid = 1002:5159\n");
    auto r = m.check();
    std::string table = vb::format_table(r);
    CHECK(table.find("KERNEL") == 0);
    CHECK(table.find("/boot/initrd.img-" + V) != std::string::npos);
    CHECK(table.find("1 problem") != std::string::npos);
    std::string json = vb::format_json(r);
    CHECK(json.find("{\"version\": 1, \"ok\": false, \"configured\": true, \"kernels\": [{\"kernel\": \"" + V) == 0);
    CHECK(json.find("\"fix\": \"dracut -f --kver " + V + "\"") != std::string::npos);
    CHECK(vb::command_line({"dracut", "-f", "/boot/my image"}) == "dracut -f '/boot/my image'");
}

namespace {

// The boot display and the passthrough card are identical Radeons: an ids=
// for their id would take the console too.
void twin_radeons(Machine& m) {
    vbtest::FakeSysfs s(m.dir.path());
    s.add({"0000:00:02.0", 0x1002, 0x5159, 0x030000, 1, "radeon", true})
        .add({"0000:01:00.0", 0x1002, 0x5159, 0x030000, 3, "vfio-pci"});
}

// In name order, as every generator writes its archive (the reader stops
// once it has what it needs).
std::vector<CpioFile> with_file(std::vector<CpioFile> files, const CpioFile& f) {
    files = without(files, f.name);
    files.push_back(f);
    std::sort(files.begin(), files.end(), [](const CpioFile& a, const CpioFile& b) { return a.name < b.name; });
    return files;
}

} // namespace

TEST_CASE("an older image's snippet with a build-time ids= is a problem naming the device it would take") {
    Machine m;
    twin_radeons(m);
    m.image("boot/initrd.img-" + V,
            image_of(with_file(good_files(), {"etc/modprobe.d/vfio-bind.conf", "options vfio-pci ids=1002:5159\n"})));
    auto r = m.check();
    auto p = problems(r);
    CHECK(any_contains(p, "/etc/modprobe.d/vfio-bind.conf with ids= (made by an older vfio-bind)"));
    CHECK(any_contains(
        p, "/boot/initrd.img-" + V +
               ": /etc/modprobe.d/vfio-bind.conf gives vfio-pci ids=1002:5159, "
               "which would bind 0000:00:02.0 (1002:5159) before vfio-bind decides, which is the boot VGA device"));
    CHECK_FALSE(any_contains(p, "0000:01:00.0 (1002:5159)")); // the configured card may have it
    REQUIRE(r.rebuild_commands().size() == 1);                // rebuilding writes the new snippet
}

TEST_CASE("the recipe's modprobe.d ids= in an image: a problem whose fix is to remove it, not only to rebuild") {
    Machine m;
    twin_radeons(m);
    m.image("boot/initrd.img-" + V,
            image_of(with_file(good_files(), {"etc/modprobe.d/vfio.conf",
                                              "# recipe\noptions vfio_pci ids=1002:5159 disable_vga=1\n"})));
    auto r = m.check();
    auto p = problems(r);
    REQUIRE(p.size() == 1);
    CHECK(any_contains(p, "/etc/modprobe.d/vfio.conf gives vfio-pci ids=1002:5159, which would bind 0000:00:02.0"));
    CHECK(any_contains(p, "remove ids= from /etc/modprobe.d/vfio.conf on this machine"));
    CHECK(r.rebuild_commands().empty()); // a rebuild would copy the file in again
}

TEST_CASE("an ids= that takes only a device the config does not name is a warning") {
    Machine m;
    vbtest::FakeSysfs s(m.dir.path());
    s.add({"0000:01:00.0", 0x1002, 0x5159, 0x030000, 3, "vfio-pci"})
        .add({"0000:02:00.0", 0x10de, 0x1b80, 0x030000, 4, "vfio-pci"});
    m.image("boot/initrd.img-" + V,
            image_of(with_file(good_files(), {"etc/modprobe.d/vfio.conf", "options vfio-pci ids=10de:1b80\n"})));
    auto r = m.check();
    CHECK(problems(r).empty());
    bool warned = false;
    for (const auto& f : r.findings)
        warned = warned ||
                 (f.severity == Severity::warning &&
                  f.what.find("0000:02:00.0 (10de:1b80) before vfio-bind decides, which the config does not claim") !=
                      std::string::npos);
    CHECK(warned);
}

TEST_CASE("the devices the host needs: an image that does not record them, a config that names them") {
    Machine m;
    FakeSysfs(m.dir.path()).add({"0000:00:06.0", 0x1af4, 0x1001, 0x010000, 3, "virtio-pci"});
    add_block(m.dir.path(), "vda1", "254:1", "pci0000:00/0000:00:06.0/virtio2/block/vda/vda1");
    write_file(m.dir / "proc/self/mountinfo", "21 1 254:1 / / rw - ext4 /dev/vda1 rw\n");
    m.image("boot/initrd.img-" + V, image_of(good_files())); // its record names nothing
    auto p = problems(m.check());
    CHECK(any_contains(p, "does not record 0000:00:06.0 (storage: / (ext4 on /dev/vda1)) among the devices the host "
                          "needs (built elsewhere, or before the disks changed) -- fix: dracut -f --kver " +
                              V));
    // Recorded: good. Then a config entry for the disk is refused at boot, and said now.
    vb::HostNeed need{*vb::parse_pci_address("0000:00:06.0"), "1af4:1001", "storage", "/ (ext4 on /dev/vda1)", {}};
    m.image("boot/initrd.img-" + V, image_of(with_file(good_files(), {"etc/vfio-bind/host-devices",
                                                                      host_record_of({need}, vb::machine_id(m.fs))})));
    CHECK(problems(m.check()).empty());
    write_file(m.dir / "etc/vfio-devices.ini", kConfig + "[typo]\nid = 1af4:1001\n");
    p = problems(m.check());
    CHECK(any_contains(p, "0000:00:06.0: 1af4:1001 is needed by the host (storage: / (ext4 on /dev/vda1))"));
}

TEST_CASE("a pending trial of changed claims: the image must carry its config, and none once it is over") {
    Machine m;
    const std::string tried = kConfig + "[more]\nid = 10de:1b80\n";
    write_file(m.dir / "etc/vfio-devices.trial.ini", tried);
    m.image("boot/initrd.img-" + V, image_of(good_files()));
    CHECK(
        any_contains(problems(m.check()), "lacks /etc/vfio-devices.trial.ini (the claims of the pending trial boot)"));
    m.image("boot/initrd.img-" + V, image_of(with_file(good_files(), {"etc/vfio-devices.trial.ini", tried})));
    CHECK(problems(m.check()).empty());
    std::remove((m.dir / "etc/vfio-devices.trial.ini").c_str()); // confirmed or cancelled, not rebuilt
    CHECK(any_contains(problems(m.check()), "holds /etc/vfio-devices.trial.ini, but no trial boot is pending"));
}

TEST_CASE("a trial config in the image that differs from the pending one is stale") {
    Machine m;
    write_file(m.dir / "etc/vfio-devices.trial.ini", kConfig + "[more]\nid = 10de:1b80\n");
    m.image("boot/initrd.img-" + V,
            image_of(with_file(good_files(), {"etc/vfio-devices.trial.ini", kConfig + "[older]\nid = 10de:1b81\n"})));
    CHECK(any_contains(problems(m.check()), "holds a stale copy of /etc/vfio-devices.trial.ini"));
}

TEST_CASE("the host-needs record: the same address with another device recorded does not count") {
    Machine m;
    FakeSysfs(m.dir.path()).add({"0000:00:06.0", 0x1af4, 0x1001, 0x010000, 3, "virtio-pci"});
    add_block(m.dir.path(), "vda1", "254:1", "pci0000:00/0000:00:06.0/virtio2/block/vda/vda1");
    write_file(m.dir / "proc/self/mountinfo", "21 1 254:1 / / rw - ext4 /dev/vda1 rw\n");
    // Built on another machine: its record has another disk at that address.
    vb::HostNeed other{*vb::parse_pci_address("0000:00:06.0"), "8086:2922", "storage", "/ (ext4 on /dev/sda1)", {}};
    m.image("boot/initrd.img-" + V, image_of(with_file(good_files(), {"etc/vfio-bind/host-devices",
                                                                      host_record_of({other}, vb::machine_id(m.fs))})));
    CHECK(any_contains(problems(m.check()), "does not record 0000:00:06.0 (storage: / (ext4 on /dev/vda1))"));
}

TEST_CASE("the devices the host needs not known (a chroot, a record made there): never ok") {
    Machine m;
    FakeSysfs(m.dir.path()).add({"0000:00:06.0", 0x1af4, 0x1001, 0x010000, 3, "virtio-pci"});
    write_file(m.dir / "proc/self/mountinfo", "23 21 0:22 / /sys rw - sysfs sysfs rw\n"); // / is no mount here
    write_file(m.dir / "etc/fstab", "/dev/vda / ext4 rw 0 1\n");                          // and no /dev/vda
    vb::HostRecord chroot{
        {}, true, false, "/ (ext4 on /dev/vda, in /etc/fstab): /dev/vda is not here", vb::machine_id(m.fs)};
    m.image("boot/initrd.img-" + V,
            image_of(with_file(good_files(), {"etc/vfio-bind/host-devices", vb::format_host_record(chroot)})));
    vb::CheckReport r = m.check();
    auto p = problems(r);
    CHECK(any_contains(p, "which devices the host needs is not fully known: / (ext4 on /dev/vda, in /etc/fstab): "
                          "/dev/vda is not here: its disk is not known -- fix: vfio-bind keeps every mass-storage "
                          "controller at boot until it is"));
    CHECK(any_contains(p, "/etc/vfio-bind/host-devices is incomplete: / (ext4 on /dev/vda, in /etc/fstab): /dev/vda "
                          "is not here: at boot vfio-bind keeps every mass-storage controller instead"));
    // Booted, with / mounted: the scan is complete; the image made in the chroot is still said.
    write_file(m.dir / "proc/self/mountinfo", "21 1 0:30 / / rw - tmpfs tmpfs rw\n");
    write_file(m.dir / "etc/fstab", "");
    p = problems(m.check());
    REQUIRE(p.size() == 1);
    CHECK(p[0].find("/etc/vfio-bind/host-devices is incomplete") != std::string::npos);
    m.image("boot/initrd.img-" + V, image_of(with_file(good_files(), {"etc/vfio-bind/host-devices",
                                                                      host_record_of({}, vb::machine_id(m.fs))})));
    CHECK(problems(m.check()).empty());
}
