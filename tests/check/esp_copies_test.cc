#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "check/esp_copies.h"
#include "check/initrd_check.h"
#include "check/initrd_report.h"
#include "lib/fixture.h"
#include "lib/initrd_machine.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;
namespace fsys = std::filesystem;

namespace {

const std::string kEsp1 = "6A3C-21F0", kEsp2 = "6A3C-8E17";
const std::vector<std::string> kRefresh = {"proxmox-boot-tool", "refresh"};

std::string esp_dir(const std::string& uuid) { return "var/tmp/espmounts/" + uuid; }

// A Proxmox VE host booting through proxmox-boot-tool, its two ESPs written
// by refresh as the tool lays them out (systemd-boot), each at the directory
// the tool mounts it on, with a copy of /boot's good image.
struct ProxmoxMachine : Machine {
    std::string good = image_of(good_files());
    ProxmoxMachine() {
        image("boot/initrd.img-" + V, good);
        write_file(dir / "etc/kernel/proxmox-boot-uuids", kEsp1 + "\n" + kEsp2 + "\n");
        write_file(dir / "usr/sbin/proxmox-boot-tool", "#!/bin/sh\n");
        write_file(dir / "etc/kernel/cmdline", "root=ZFS=rpool/ROOT/pve-1 boot=zfs\n");
        for (const auto& uuid : {kEsp1, kEsp2}) sdboot_copy(uuid, good);
    }
    void sdboot_copy(const std::string& uuid, const std::string& bytes) {
        const std::string e = dir / esp_dir(uuid);
        write_file(e + "/loader/loader.conf", "timeout 3\ndefault proxmox-*\n");
        write_file(e + "/loader/entries/proxmox-" + V + ".conf", "title Proxmox\nversion " + V + "\n");
        write_file(e + "/EFI/proxmox/" + V + "/vmlinuz-" + V, "kernel");
        write_file(e + "/EFI/proxmox/" + V + "/initrd.img-" + V, bytes);
    }
    std::string copy_path(const std::string& uuid) const {
        return "/" + esp_dir(uuid) + "/EFI/proxmox/" + V + "/initrd.img-" + V;
    }
};

// The warnings about ESPs (the fixture machine's card is absent: a warning of its own).
std::vector<std::string> warnings(const CheckReport& r) {
    std::vector<std::string> out;
    for (const auto& f : r.findings)
        if (f.severity == Severity::warning && f.what.find("ESP") != std::string::npos) out.push_back(finding_line(f));
    return out;
}

} // namespace

TEST_CASE("proxmox-boot-tool: each ESP's copy is found, named by its ESP, and one like /boot's is that image") {
    ProxmoxMachine m;
    auto r = m.check();
    CHECK(problems(r).empty());
    CHECK(warnings(r).empty());
    REQUIRE(r.kernels.size() == 1);
    const auto& images = r.kernels[0].images;
    REQUIRE(images.size() == 3);
    CHECK(images[0].location.path == "/boot/initrd.img-" + V);
    CHECK(images[0].esp.empty());
    for (size_t i : {1, 2}) {
        CAPTURE(i);
        CHECK(images[i].location.path == m.copy_path(i == 1 ? kEsp1 : kEsp2));
        CHECK(images[i].esp == (i == 1 ? kEsp1 : kEsp2));
        CHECK(images[i].same_as == "/boot/initrd.img-" + V);
        CHECK(images[i].readable);
    }
    const std::string table = format_table(r);
    CHECK(table.find(m.copy_path(kEsp2) + "  ESP 6A3C-8E17 (proxmox-boot-tool): the same as /boot/initrd.img-" + V) !=
          std::string::npos);
    CHECK(format_json(r).find("\"esp\": \"6A3C-21F0\", \"same_as\": \"/boot/initrd.img-" + V + "\"") !=
          std::string::npos);
}

TEST_CASE("proxmox-boot-tool: a stale copy on one ESP is a problem, checked for what it lacks, fixed by refresh") {
    ProxmoxMachine m;
    m.sdboot_copy(kEsp2, image_of(without(good_files(), "usr/sbin/vfio-bind")));
    auto r = m.check();
    auto p = problems(r);
    REQUIRE(p.size() == 2);
    CHECK(p[0] == "problem: " + V + ": " + m.copy_path(kEsp2) + " on ESP 6A3C-8E17 differs from /boot/initrd.img-" + V +
                      ", the image proxmox-boot-tool copies: what boots from there is a stale copy -- fix: "
                      "proxmox-boot-tool refresh");
    CHECK(p[1] ==
          "problem: " + V + ": " + m.copy_path(kEsp2) + " lacks /usr/sbin/vfio-bind -- fix: proxmox-boot-tool refresh");
    CHECK(r.rebuild_commands() == std::vector<std::vector<std::string>>{kRefresh});
    REQUIRE(r.kernels[0].images.size() == 3);
    CHECK(r.kernels[0].images[1].same_as == "/boot/initrd.img-" + V);
    CHECK(r.kernels[0].images[2].esp == kEsp2);
    CHECK(r.kernels[0].images[2].same_as.empty());
    CHECK(r.kernels[0].images[2].readable);
}

TEST_CASE("proxmox-boot-tool: a bad image in /boot is rebuilt first; refresh then copies it") {
    ProxmoxMachine m;
    const std::string bad = image_of(without(good_files(), "usr/sbin/vfio-bind"));
    m.image("boot/initrd.img-" + V, bad);
    auto r = m.check();
    // The copies still hold the good image: they differ from /boot's, which is the one to fix.
    CHECK(any_contains(problems(r), "/boot/initrd.img-" + V + " lacks /usr/sbin/vfio-bind -- fix: dracut -f --kver"));
    CHECK(any_contains(problems(r), m.copy_path(kEsp1) + " on ESP 6A3C-21F0 differs"));
    REQUIRE(r.rebuild_commands().size() == 2);
    CHECK(r.rebuild_commands()[0][0] == "dracut");
    CHECK(r.rebuild_commands()[1] == kRefresh);
}

TEST_CASE("proxmox-boot-tool: a missing copy, and the newest kernel missing from an ESP, are problems") {
    ProxmoxMachine m;
    SUBCASE("the kernel's entry is there, its image is not") {
        fsys::remove(m.dir / (esp_dir(kEsp1) + "/EFI/proxmox/" + V + "/initrd.img-" + V));
        auto p = problems(m.check());
        REQUIRE(p.size() == 1);
        CHECK(p[0] == "problem: " + V + ": " + m.copy_path(kEsp1) + " on ESP 6A3C-21F0 is missing: kernel " + V +
                          " boots from there without its initramfs -- fix: proxmox-boot-tool refresh");
    }
    SUBCASE("the kernel is not on the ESP at all") {
        fsys::remove_all(m.dir / (esp_dir(kEsp2) + "/EFI/proxmox/" + V));
        fsys::remove(m.dir / (esp_dir(kEsp2) + "/loader/entries/proxmox-" + V + ".conf"));
        auto p = problems(m.check());
        REQUIRE(p.size() == 1);
        CHECK(p[0].find("kernel " + V +
                        " is not on ESP 6A3C-8E17 (/var/tmp/espmounts/6A3C-8E17), so it does not "
                        "boot from there") != std::string::npos);
        CHECK(p[0].find("fix: proxmox-boot-tool refresh") != std::string::npos);
    }
}

TEST_CASE("proxmox-boot-tool: an older kernel the tool does not keep on its ESPs is no problem") {
    ProxmoxMachine m;
    const std::string old = "6.1.0-55-amd64";
    write_file(m.dir / "boot/vmlinuz-" + old, "kernel");
    write_file(m.dir / "lib/modules/" + old + "/modules.dep", read_file(m.dir / "lib/modules/" + V + "/modules.dep"));
    m.image("boot/initrd.img-" + old, image_of(good_files("usr/lib/modules/" + old + "/")));
    auto r = m.check();
    CHECK(problems(r).empty());
    REQUIRE(r.kernels.size() == 2);
    CHECK(r.kernels[0].kver == old);
    CHECK(r.kernels[0].images.size() == 1);
}

TEST_CASE("proxmox-boot-tool: an ESP that cannot be read is named, with how to read it") {
    ProxmoxMachine m;
    fsys::remove_all(m.dir / esp_dir(kEsp2));
    auto r = m.check();
    CHECK(problems(r).empty());
    auto w = warnings(r);
    REQUIRE(w.size() == 1);
    CHECK(w[0].find("ESP 6A3C-8E17 (in /etc/kernel/proxmox-boot-uuids) is neither mounted nor at ") !=
          std::string::npos);
    CHECK(w[0].find("its copies of the images, which are what boots, are not checked -- fix: mount it") !=
          std::string::npos);
    CHECK(r.kernels[0].images.size() == 2); // /boot's and the other ESP's
}

TEST_CASE("proxmox-boot-tool: an ESP mounted elsewhere (as the warning says to, for the check) is read there") {
    ProxmoxMachine m;
    fsys::create_directories(m.dir / "mnt");
    fsys::copy(m.dir / esp_dir(kEsp1), m.dir / "mnt", fsys::copy_options::recursive);
    fsys::remove_all(m.dir / esp_dir(kEsp1));
    write_file(m.dir / "proc/self/mountinfo",
               "21 1 0:30 / / rw - tmpfs tmpfs rw\n40 21 8:18 / /mnt ro,relatime - vfat /dev/sdb2 ro\n");
    make_symlink("../../sdb2", m.dir / ("dev/disk/by-uuid/" + kEsp1));
    write_file(m.dir / "sys/class/block/sdb2/dev", "8:18\n");
    auto esps = proxmox_esps(m.fs);
    REQUIRE_OK(esps);
    REQUIRE(esps->size() == 2);
    CHECK((*esps)[0].dir == "/mnt");
    CHECK_FALSE((*esps)[0].grub);
    auto r = m.check();
    CHECK(problems(r).empty());
    REQUIRE(r.kernels[0].images.size() == 3);
    CHECK(r.kernels[0].images[1].location.path == "/mnt/EFI/proxmox/" + V + "/initrd.img-" + V);
}

TEST_CASE("proxmox-boot-tool with GRUB on the ESPs: the copies at each ESP's root") {
    ProxmoxMachine m;
    for (const auto& uuid : {kEsp1, kEsp2}) fsys::remove_all(m.dir / esp_dir(uuid));
    for (const auto& uuid : {kEsp1, kEsp2}) {
        const std::string e = m.dir / esp_dir(uuid);
        write_file(e + "/EFI/proxmox/grubx64.efi", "grub");
        write_file(e + "/grub/grub.cfg", "menuentry 'Proxmox VE' {\n}\n");
        write_file(e + "/vmlinuz-" + V, "kernel");
        write_file(e + "/initrd.img-" + V, uuid == kEsp1 ? m.good : image_of(without(good_files(), "vfio-bind.conf")));
    }
    auto r = m.check();
    auto p = problems(r);
    REQUIRE(p.size() == 2);
    CHECK(p[0].find("/var/tmp/espmounts/6A3C-8E17/initrd.img-" + V + " on ESP 6A3C-8E17 differs from") !=
          std::string::npos);
    CHECK(p[1].find("/var/tmp/espmounts/6A3C-8E17/initrd.img-" + V + " lacks /etc/modprobe.d/vfio-bind.conf") !=
          std::string::npos);
    REQUIRE(r.kernels[0].images.size() == 3);
    CHECK(r.kernels[0].images[1].same_as == "/boot/initrd.img-" + V);
}

TEST_CASE("no proxmox-boot-tool: directories under /var/tmp/espmounts are nobody's ESPs") {
    ProxmoxMachine m;
    fsys::remove(m.dir / "etc/kernel/proxmox-boot-uuids");
    auto r = m.check();
    CHECK(problems(r).empty());
    CHECK(warnings(r).empty());
    CHECK(r.kernels[0].images.size() == 1);
}
