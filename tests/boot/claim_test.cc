#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>

#include "boot/claim.h"
#include "boot/config.h"
#include "boot/pci.h"
#include "boot/plan.h"
#include "lib/fake_kernel.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

namespace {

Plan plan_for(const Fs& fs, const char* config_text) {
    auto config = parse_config(config_text, "test.ini");
    REQUIRE_OK(config);
    auto devices = scan_pci_devices(fs);
    REQUIRE_OK(devices);
    return make_plan(*config, *devices);
}

std::string driver_of(const Fs& fs, const std::string& addr) {
    auto l = fs.read_link(std::string(kPciDevicesDir) + "/" + addr + "/driver");
    return l ? basename_of(*l) : "";
}

} // namespace

TEST_CASE("claim: override before module load, unbind before probe, verified by the driver link") {
    TempDir t;
    desktop(t.path());
    FakeKernel k(t.path());
    Plan p = plan_for(k, "[gpu]\naddress = 01:00.0\nid = 1002:6818\n");
    ClaimReport r = claim(k, k, p);

    const std::string d0 = "/sys/bus/pci/devices/0000:01:00.0", d1 = "/sys/bus/pci/devices/0000:01:00.1";
    std::vector<std::string> expected = {
        "write " + d0 + "/driver_override vfio-pci",
        "write " + d1 + "/driver_override vfio-pci",
        "load vfio-pci",
        "write /sys/bus/pci/drivers/radeon/unbind 0000:01:00.0",
        "write /sys/bus/pci/drivers_probe 0000:01:00.0",
        "bind 0000:01:00.0 vfio-pci",
        "write /sys/bus/pci/drivers/snd_hda_intel/unbind 0000:01:00.1",
        "write /sys/bus/pci/drivers_probe 0000:01:00.1",
        "bind 0000:01:00.1 vfio-pci",
    };
    CHECK(k.journal == expected);
    REQUIRE(r.devices.size() == 2);
    CHECK(r.devices[0].outcome == Outcome::Claimed);
    CHECK(r.devices[0].detail == "taken from radeon");
    CHECK(r.devices[1].outcome == Outcome::Claimed);
    CHECK(driver_of(k, "0000:01:00.0") == "vfio-pci");
    CHECK(driver_of(k, "0000:00:02.0") == "i915"); // the host's GPU is untouched
    CHECK(driver_of(k, "0000:00:17.0") == "ahci");
}

TEST_CASE("claim: unbound devices are bound when vfio-pci registers; no unbind, no probe needed") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:01:00.0", 0x1002, 0x5159, 0x030000, 3, ""});
    FakeKernel k(t.path());
    ClaimReport r = claim(k, k, plan_for(k, "[r]\naddress = 01:00.0\nid = 1002:5159\n"));
    std::vector<std::string> expected = {"write /sys/bus/pci/devices/0000:01:00.0/driver_override vfio-pci",
                                         "load vfio-pci", "bind 0000:01:00.0 vfio-pci"};
    CHECK(k.journal == expected);
    CHECK(r.devices[0].outcome == Outcome::Claimed);
}

TEST_CASE("claim: id-only entries are claimed by driver_override; vfio-pci gets no ids=") {
    TempDir t;
    twin_nvidia(t.path());
    FakeKernel k(t.path());
    ClaimReport r = claim(
        k, k, plan_for(k, "[options]\nboot_vga = yes\nvfio_pci_options = disable_vga=1\n[all]\nid = 10de:1b80\n"));
    CHECK(std::find(k.journal.begin(), k.journal.end(), "load vfio-pci disable_vga=1") != k.journal.end());
    CHECK(std::count(k.journal.begin(), k.journal.end(),
                     "write /sys/bus/pci/devices/0000:02:00.1/driver_override vfio-pci") == 1);
    CHECK(r.devices.size() == 4);
    for (const auto& d : r.devices) CHECK(d.outcome == Outcome::Claimed);
}

TEST_CASE("claim: a device nobody binds after the probe is reported as failed") {
    TempDir t;
    desktop(t.path());
    FakeKernel k(t.path());
    k.probe_binds = false;
    ClaimReport r = claim(k, k, plan_for(k, "[options]\ngroup = no\n[gpu]\naddress = 01:00.0\nid = 1002:6818\n"));
    REQUIRE(r.devices.size() == 1);
    CHECK(r.devices[0].outcome == Outcome::Failed);
    CHECK(r.devices[0].detail == "taken from radeon; not bound to vfio-pci after probing (driver: none)");
}

TEST_CASE("claim: vfio-pci cannot load, so the devices go back to the host") {
    TempDir t;
    desktop(t.path());
    FakeKernel k(t.path());
    k.load_fails = true;
    ClaimReport r = claim(k, k, plan_for(k, "[options]\ngroup = no\n[gpu]\naddress = 01:00.0\nid = 1002:6818\n"));
    CHECK_FALSE(r.module.ok());
    CHECK(r.devices[0].outcome == Outcome::Failed);
    CHECK(k.journal.back() == "write /sys/bus/pci/devices/0000:01:00.0/driver_override \n");
    CHECK(driver_of(k, "0000:01:00.0") == "radeon"); // never unbound
}

TEST_CASE("claim: vfio-pci built in, options go unapplied and devices are claimed by override") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:01:00.0", 0x10de, 0x1b80, 0x030000, 1, ""});
    FakeKernel k(t.path());
    k.load_outcome = LoadOutcome::BuiltIn;
    ClaimReport r = claim(k, k, plan_for(k, "[options]\nvfio_pci_options = disable_vga=1\n[all]\nid = 10de:1b80\n"));
    CHECK(r.devices[0].outcome == Outcome::Claimed);
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].find("vfio-pci was built into the kernel: options 'disable_vga=1' not applied") == 0);
}

TEST_CASE("claim: running twice changes nothing the second time") {
    TempDir t;
    desktop(t.path());
    FakeKernel first(t.path());
    (void)claim(first, first, plan_for(first, "[gpu]\naddress = 01:00.0\nid = 1002:6818\n"));
    FakeKernel again(t.path());
    ClaimReport r = claim(again, again, plan_for(again, "[gpu]\naddress = 01:00.0\nid = 1002:6818\n"));
    std::vector<std::string> only_load = {"load vfio-pci"};
    CHECK(again.journal == only_load);
    REQUIRE(r.devices.size() == 2); // the card and its audio function, both planned again
    for (const auto& d : r.devices) CHECK(d.outcome == Outcome::AlreadyClaimed);
}
