#include <doctest/doctest.h>

#include "boot/config.h"
#include "boot/plan.h"
#include "boot/release.h"
#include "boot/scan.h"
#include "lib/fake_kernel.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

namespace {

struct Run {
    Config config;
    Plan plan;
};

Run plan_on(const Fs& fs, const char* text) {
    auto c = parse_config(text, "test.ini");
    REQUIRE_OK(c);
    auto devices = scan_pci_devices(fs);
    REQUIRE_OK(devices);
    return {*c, make_plan(*c, *devices)};
}

} // namespace

TEST_CASE("release: vfio-pci holds the boot GPU through ids=: its dynamic id goes, then the device") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:02.0", 0x1002, 0x5159, 0x030000, 1, "", true});
    FakeKernel k(t.path());
    k.builtin_vfio_pci("ids=1002:5159");
    REQUIRE(k.driver_of("0000:00:02.0") == "vfio-pci");
    Run r = plan_on(k, "[all]\nid = 1002:5159\n");
    k.journal.clear();

    ReleaseReport rep = release_unwanted(k, r.config, r.plan);
    REQUIRE(rep.devices.size() == 1);
    CHECK(rep.devices[0].outcome == Outcome::Released);
    CHECK(rep.devices[0].detail.find("no driver yet; vfio-pci had it, but it was refused: 1002:5159 is the boot VGA") ==
          0);
    std::vector<std::string> expected = {
        "write /sys/bus/pci/drivers/vfio-pci/remove_id 1002 5159",
        "write /sys/bus/pci/drivers/vfio-pci/remove_id 1002 5159", // until ENODEV: none left
        "write /sys/bus/pci/drivers/vfio-pci/unbind 0000:00:02.0",
        "write /sys/bus/pci/devices/0000:00:02.0/driver_override \n",
        "write /sys/bus/pci/drivers_probe 0000:00:02.0",
    };
    CHECK(k.journal == expected);
    CHECK(k.driver_of("0000:00:02.0") == "");
    k.coldplug();
    CHECK(k.driver_of("0000:00:02.0") == "radeon");
}

TEST_CASE("release: the boot GPU is kept from vfio-pci even when no entry names it") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:02.0", 0x1002, 0x5159, 0x030000, 1, "", true})
        .add({"0000:00:04.0", 0x1002, 0x6818, 0x030000, 3, ""});
    FakeKernel k(t.path());
    k.builtin_vfio_pci("ids=1002:5159");
    Run r = plan_on(k, "[gpu]\naddress = 00:04.0\nid = 1002:6818\n");
    ReleaseReport rep = release_unwanted(k, r.config, r.plan);
    REQUIRE(rep.devices.size() == 1);
    CHECK(rep.devices[0].detail.find("it is the boot VGA device") != std::string::npos);
    CHECK(k.driver_of("0000:00:02.0") == "");
}

TEST_CASE("release: boot_vga = yes lets vfio-pci keep the boot GPU") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:02.0", 0x1002, 0x5159, 0x030000, 1, "", true});
    FakeKernel k(t.path());
    k.builtin_vfio_pci("ids=1002:5159");
    Run r = plan_on(k, "[options]\nboot_vga = yes\n[all]\nid = 1002:5159\n");
    ReleaseReport rep = release_unwanted(k, r.config, r.plan);
    CHECK(rep.devices.empty());
    CHECK(rep.warnings.empty()); // a target: nothing to say
    CHECK(k.driver_of("0000:00:02.0") == "vfio-pci");
}

TEST_CASE("release: a card that is not the configured one is given back; others are only named") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:04.0", 0x1002, 0x5159, 0x030000, 3, ""}).add({"0000:00:05.0", 0x10de, 0x1b80, 0x030000, 4, ""});
    FakeKernel k(t.path());
    k.builtin_vfio_pci("ids=1002:5159,10de:1b80");
    // 04.0 holds a 1002:5159 where the config expects a 1002:6818 (cards moved).
    Run r = plan_on(k, "[gpu]\naddress = 00:04.0\nid = 1002:6818\n");
    ReleaseReport rep = release_unwanted(k, r.config, r.plan);
    REQUIRE(rep.devices.size() == 1);
    CHECK(rep.devices[0].device.address.str() == "0000:00:04.0");
    CHECK(rep.devices[0].detail.find("not 1002:6818 as configured") != std::string::npos);
    REQUIRE(rep.warnings.size() == 1);
    CHECK(rep.warnings[0].find("0000:00:05.0 10de:1b80 is bound to vfio-pci but is not in the config") == 0);
    CHECK(k.driver_of("0000:00:05.0") == "vfio-pci");
}

TEST_CASE("release: dry run names the device and writes nothing") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:02.0", 0x1002, 0x5159, 0x030000, 1, "", true});
    FakeKernel k(t.path());
    k.builtin_vfio_pci("ids=1002:5159");
    Run r = plan_on(k, "[all]\nid = 1002:5159\n");
    k.journal.clear();
    ReleaseReport rep = release_unwanted(k, r.config, r.plan, true);
    REQUIRE(rep.devices.size() == 1);
    CHECK(rep.devices[0].detail.find("vfio-pci has it, but it was refused") == 0);
    CHECK(k.journal.empty());
    CHECK(k.driver_of("0000:00:02.0") == "vfio-pci");
}

TEST_CASE("release: vfio-pci not loaded holds nothing") {
    TempDir t;
    desktop(t.path());
    FakeKernel k(t.path());
    Run r = plan_on(k, "[all]\nid = 8086:3e92\n");
    ReleaseReport rep = release_unwanted(k, r.config, r.plan);
    CHECK(rep.devices.empty());
    CHECK(k.journal.empty());
}
