#include <doctest/doctest.h>

#include "boot/config.h"
#include "boot/plan.h"
#include "boot/stray_ids.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

TEST_CASE("stray ids: options lines for vfio-pci in modprobe.d, either spelling, comments ignored") {
    CHECK(ids_str(vfio_pci_ids_in_modprobe("options vfio-pci ids=1002:5159,1002:aab0\n")) == "1002:5159,1002:aab0");
    CHECK(ids_str(vfio_pci_ids_in_modprobe("options\tvfio_pci disable_vga=1 ids=10de:1b80:1458:3702\n")) ==
          "10de:1b80:1458:3702");
    CHECK(vfio_pci_ids_in_modprobe("# options vfio-pci ids=1002:5159\n").empty());
    CHECK(vfio_pci_ids_in_modprobe("options vfio-pci disable_vga=1\n").empty());
    CHECK(vfio_pci_ids_in_modprobe("options pci-stub ids=1002:5159\nsoftdep radeon pre: vfio-pci\n").empty());
    CHECK(ids_str(vfio_pci_ids_in_modprobe("options vfio-pci ids=1002:5159 # the console too\n")) == "1002:5159");
}

TEST_CASE("stray ids: vfio-pci.ids= on a command line, either spelling, quoted or not") {
    CHECK(ids_str(vfio_pci_ids_in_cmdline("root=/dev/sda1 quiet vfio-pci.ids=10de:1b80,10de:10f0")) ==
          "10de:1b80,10de:10f0");
    CHECK(ids_str(vfio_pci_ids_in_cmdline("vfio_pci.ids=\"1002:5159\" intel_iommu=on")) == "1002:5159");
    CHECK(vfio_pci_ids_in_cmdline("pci-stub.ids=1002:5159 vfio_pci.disable_vga=1").empty());
}

TEST_CASE("stray ids: what an ids= would bind beyond the plan, and why each is wrong") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:02.0", 0x1002, 0x5159, 0x030000, 1, "radeon", true})
        .add({"0000:00:04.0", 0x1002, 0x5159, 0x030000, 3, ""})
        .add({"0000:00:05.0", 0x1002, 0x5159, 0x030000, 4, ""});
    DiskFs fs(t.path());
    auto devices = scan_pci_devices(fs);
    REQUIRE_OK(devices);
    auto config =
        parse_config("[gpu]\naddress = 00:04.0\nid = 1002:5159\n[moved]\naddress = 00:05.0\nid = 1002:6818\n", "t.ini");
    REQUIRE_OK(config);
    Plan plan = make_plan(*config, *devices);
    auto s = stray_claims(vfio_pci_ids_in_cmdline("vfio-pci.ids=1002:5159"), *devices, *config, plan);
    REQUIRE(s.size() == 2);
    CHECK(s[0].device->address.str() == "0000:00:02.0");
    CHECK(s[0].why.find("which is the boot VGA device") == 0);
    CHECK(s[1].device->address.str() == "0000:00:05.0");
    CHECK(s[1].why.find("which the config refuses: [moved]: the device here is 1002:5159, not 1002:6818") == 0);
}

TEST_CASE("stray ids: each modprobe.d line with its number and text; each command line parameter as written") {
    auto lines = vfio_pci_ids_lines_in_modprobe(
        "# passthrough\nsoftdep nouveau pre: vfio-pci\noptions vfio-pci ids=10de:1b80,10de:10f0 disable_vga=1\n"
        "options vfio-pci disable_idle_d3=1\n\toptions vfio_pci ids=1002:6818 # the Radeon\n");
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].number == 3);
    CHECK(lines[0].text == "options vfio-pci ids=10de:1b80,10de:10f0 disable_vga=1");
    CHECK(ids_str(lines[0].ids) == "10de:1b80,10de:10f0");
    CHECK(lines[1].number == 5);
    CHECK(lines[1].text == "options vfio_pci ids=1002:6818 # the Radeon");
    CHECK(vfio_pci_ids_params("root=ZFS=rpool/ROOT/pve-1 boot=zfs vfio-pci.ids=10de:1b80 quiet") ==
          std::vector<std::string>{"vfio-pci.ids=10de:1b80"});
}
