#include <doctest/doctest.h>

#include <filesystem>

#include "boot/pci.h"
#include "lib/bootloader_fixture.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"
#include "setup/existing_ids.h"

using namespace vb;
using namespace vbtest;

namespace {

std::vector<PciDevice> devices_of(const Fs& fs) {
    auto d = scan_pci_devices(fs);
    REQUIRE_OK(d);
    return *d;
}

} // namespace

TEST_CASE(
    "existing ids: Proxmox's modprobe.d recipe names the cards, the entries that replace it, the line to delete") {
    TempDir root;
    copy_fixture("proxmox8-zfs-sdboot", root);
    twin_nvidia(root.path());
    write_file(root / "etc/modprobe.d/vfio.conf", "options vfio-pci ids=10de:1b80,10de:10f0 disable_vga=1\n");
    DiskFs fs(root.path());
    auto found = find_existing_ids(fs, devices_of(fs));
    REQUIRE(found.size() == 1);
    CHECK(found[0].where == "/etc/modprobe.d/vfio.conf:1");
    CHECK(found[0].text == "options vfio-pci ids=10de:1b80,10de:10f0 disable_vga=1");
    // Both identical cards, the boot GPU among them: one add per card.
    CHECK(found[0].add == std::vector<std::string>{"vfio-setup add 0000:01:00.0", "vfio-setup add 0000:02:00.0"});
    CHECK(found[0].remove == "delete line 1 of /etc/modprobe.d/vfio.conf");
    const std::string text = format_existing_ids(found);
    CHECK(text.find("identical cards and the boot GPU") != std::string::npos);
    CHECK(text.find("    vfio-setup add 0000:02:00.0\n") != std::string::npos);
}

TEST_CASE("existing ids: on the boot loader's command line and on the running one, each named once") {
    TempDir root;
    copy_fixture("proxmox8-zfs-sdboot", root);
    twin_nvidia(root.path())
        .cmdline("initrd=\\EFI\\proxmox\\6.8.12-4-pve\\initrd.img-6.8.12-4-pve "
                 "root=ZFS=rpool/ROOT/pve-1 boot=zfs vfio-pci.ids=10de:1b80 "
                 "vfio_pci.ids=10de:10f0\n");
    write_file(root / "etc/kernel/cmdline", "root=ZFS=rpool/ROOT/pve-1 boot=zfs vfio-pci.ids=10de:1b80\n");
    DiskFs fs(root.path());
    auto found = find_existing_ids(fs, devices_of(fs));
    REQUIRE(found.size() == 2);
    CHECK(found[0].where.rfind("/etc/kernel/cmdline", 0) == 0);
    CHECK(found[0].text == "vfio-pci.ids=10de:1b80");
    CHECK(found[0].remove.rfind("remove vfio-pci.ids=10de:1b80 from /etc/kernel/cmdline", 0) == 0);
    CHECK(found[1].where == "/proc/cmdline (the running kernel)");
    CHECK(found[1].text == "vfio_pci.ids=10de:10f0");
    CHECK(found[1].add == std::vector<std::string>{"vfio-setup add 0000:01:00.1", "vfio-setup add 0000:02:00.1"});
}

TEST_CASE("existing ids: none, nothing printed; ids no device here has, said so") {
    TempDir root;
    desktop(root.path());
    DiskFs fs(root.path());
    CHECK(find_existing_ids(fs, devices_of(fs)).empty());
    CHECK(format_existing_ids({}).empty());
    write_file(root / "lib/modprobe.d/old.conf", "options vfio_pci ids=8086:a7a0\n");
    auto found = find_existing_ids(fs, devices_of(fs));
    REQUIRE(found.size() == 1);
    CHECK(found[0].add.empty());
    CHECK(format_existing_ids(found).find("no device here has these ids") != std::string::npos);
}

TEST_CASE("existing ids as JSON: the file, the line, the ids, the entries that replace it, what to delete") {
    TempDir root;
    copy_fixture("proxmox8-zfs-sdboot", root);
    twin_nvidia(root.path()).cmdline("root=ZFS=rpool/ROOT/pve-1 boot=zfs\n");
    write_file(root / "etc/modprobe.d/vfio.conf", "# passthrough\noptions vfio-pci ids=10de:1b80,10de:10f0\n");
    write_file(root / "etc/kernel/cmdline", "root=ZFS=rpool/ROOT/pve-1 boot=zfs vfio-pci.ids=10de:1b80\n");
    DiskFs fs(root.path());
    auto found = find_existing_ids(fs, devices_of(fs));
    REQUIRE(found.size() == 2);
    CHECK(found[0].file == "/etc/modprobe.d/vfio.conf");
    CHECK(found[0].line == 2);
    CHECK(found[1].file == "/etc/kernel/cmdline");
    CHECK(found[1].line == 0);
    JsonWriter j;
    existing_ids_json(j, found);
    CHECK(j.str().find("{\"where\": \"/etc/modprobe.d/vfio.conf:2\", \"file\": \"/etc/modprobe.d/vfio.conf\", "
                       "\"line\": 2, \"text\": \"options vfio-pci ids=10de:1b80,10de:10f0\", \"ids\": [\"10de:1b80\", "
                       "\"10de:10f0\"], \"add\": [\"vfio-setup add 0000:01:00.0\", \"vfio-setup add 0000:02:00.0\"], "
                       "\"remove\": \"delete line 2 of /etc/modprobe.d/vfio.conf\"}") != std::string::npos);
    CHECK(j.str().find("\"file\": \"/etc/kernel/cmdline\", \"line\": null, \"text\": \"vfio-pci.ids=10de:1b80\"") !=
          std::string::npos);
}
