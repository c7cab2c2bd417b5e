// The seam between image build and boot: an image is often built where the
// cards are not (an installer, a chroot, a build container), and at boot the
// devices really present decide. Here the snippet comes from an empty build
// machine and the boot runs on one whose boot GPU has the configured id, as
// in the QEMU test (tests/vm, scenario idonly-bootvga).
#include <doctest/doctest.h>

#include <algorithm>

#include "boot/claim.h"
#include "boot/config.h"
#include "boot/modprobe_conf.h"
#include "boot/plan.h"
#include "boot/release.h"
#include "boot/scan.h"
#include "lib/fake_kernel.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

namespace {

constexpr const char* kIdOnly = "[radeons]\nid = 1002:5159\n";

// radeon by its id, as modules.alias has it.
class Aliases : public ModuleLoader {
public:
    Result<LoadResult> load(const std::string&, const std::string&) override { return make_error(ENOSYS, "unused"); }
    Result<std::vector<std::string>> drivers_for_modalias(const std::string& m) override {
        if (m.rfind("pci:v00001002d00005159", 0) == 0) return std::vector<std::string>{"radeon"};
        return std::vector<std::string>{};
    }
};

Config config_of(const char* text) {
    auto c = parse_config(text, "/etc/vfio-devices.ini");
    REQUIRE_OK(c);
    return *c;
}

// The snippet dracut puts into the image, made on a machine without the cards.
std::string snippet_built_elsewhere(const Config& config) {
    TempDir build;
    FakeSysfs empty(build.path());
    DiskFs fs(build.path());
    auto devices = scan_for_config(fs, config);
    REQUIRE_OK(devices);
    Aliases aliases;
    auto s = modprobe_conf(config, make_plan(config, *devices), aliases);
    REQUIRE_OK(s);
    return *s;
}

// QEMU's BOOTR machine: the boot display is a Radeon, an identical one sits
// at 04.0 with its audio function in the same group. Nothing bound yet.
FakeSysfs twin_radeons(const std::string& root, bool console_at_04 = false) {
    FakeSysfs m(root);
    m.add({"0000:00:02.0", 0x1002, 0x5159, 0x030000, 1, "", !console_at_04})
        .add({"0000:00:04.0", 0x1002, 0x5159, 0x030000, 3, "", console_at_04})
        .add({"0000:00:04.1", 0x8086, 0x2668, 0x040300, 3, ""});
    return m.kernel_release("6.1.0-test");
}

// vfio-bind in the initramfs, then udev coldplug.
void boot(FakeKernel& k, const Config& config) {
    auto devices = scan_for_config(k, config);
    REQUIRE_OK(devices);
    Plan plan = make_plan(config, *devices);
    (void)claim(k, k, plan);
    (void)release_unwanted(k, config, plan);
    k.coldplug();
}

void expect_console_kept(const FakeKernel& k) {
    CHECK(k.driver_of("0000:00:02.0") == "radeon");
    CHECK(k.driver_of("0000:00:04.0") == "vfio-pci");
    CHECK(k.driver_of("0000:00:04.1") == "vfio-pci"); // the card's audio: group 3 is viable
}

} // namespace

TEST_CASE("boot: a snippet built without the cards carries no ids=, so the console GPU stays the host's") {
    const Config config = config_of(kIdOnly);
    const std::string snippet = snippet_built_elsewhere(config);
    CHECK(snippet.find("ids=") == std::string::npos);
    CHECK(snippet.find("softdep radeon pre: vfio-pci\n") != std::string::npos);

    TempDir t;
    twin_radeons(t.path());
    write_file(t / "etc/modprobe.d/vfio-bind.conf", snippet);
    FakeKernel k(t.path());
    boot(k, config);
    expect_console_kept(k);
}

TEST_CASE("boot: vfio-pci loaded early with a build-time ids= (old image, recipe's vfio.conf): the console GPU is "
          "given back") {
    const Config config = config_of(kIdOnly);
    TempDir t;
    twin_radeons(t.path());
    write_file(t / "etc/modprobe.d/vfio.conf", "options vfio-pci ids=1002:5159\n");
    write_file(t / "etc/modprobe.d/vfio-bind.conf", snippet_built_elsewhere(config));
    FakeKernel k(t.path());
    k.modprobe("radeon");                               // early KMS: its softdep loads vfio-pci first, with ids=
    REQUIRE(k.driver_of("0000:00:02.0") == "vfio-pci"); // what the scenario is about
    boot(k, config);
    expect_console_kept(k);
}

TEST_CASE("boot: a built-in vfio-pci with vfio-pci.ids= on the command line: the console GPU is given back") {
    const Config config = config_of(kIdOnly);
    TempDir t;
    twin_radeons(t.path());
    FakeKernel k(t.path());
    k.builtin_vfio_pci("ids=1002:5159");
    REQUIRE(k.driver_of("0000:00:02.0") == "vfio-pci");
    boot(k, config);
    expect_console_kept(k);
}

TEST_CASE(
    "boot: negative control: the same early ids= with nothing to give the device back keeps the console on vfio-pci") {
    // What the checks above must catch: vfio-pci's own load applying the
    // image's modprobe.d (as modprobe and the old loader did).
    const Config config = config_of(kIdOnly);
    TempDir t;
    twin_radeons(t.path());
    write_file(t / "etc/modprobe.d/vfio-bind.conf", "options vfio-pci ids=1002:5159\n");
    FakeKernel k(t.path());
    auto devices = scan_for_config(k, config);
    REQUIRE_OK(devices);
    Plan plan = make_plan(config, *devices);
    k.modprobe("vfio-pci");
    (void)claim(k, k, plan);
    k.coldplug();
    CHECK(k.driver_of("0000:00:02.0") == "vfio-pci");
}

TEST_CASE("boot: the boot GPU changed in the firmware since the build: decided at boot, every boot") {
    const Config config = config_of(kIdOnly);
    const std::string snippet = snippet_built_elsewhere(config);
    for (bool console_at_04 : {false, true}) {
        CAPTURE(console_at_04);
        TempDir t;
        twin_radeons(t.path(), console_at_04);
        write_file(t / "etc/modprobe.d/vfio-bind.conf", snippet);
        FakeKernel k(t.path());
        boot(k, config);
        CHECK(k.driver_of(console_at_04 ? "0000:00:04.0" : "0000:00:02.0") == "radeon");
        CHECK(k.driver_of(console_at_04 ? "0000:00:02.0" : "0000:00:04.0") == "vfio-pci");
    }
}

TEST_CASE("boot: a card added since the build with a configured id but at the console: refused at boot") {
    // The image was built with one card, claimed by id; the second, added
    // later, became the boot display. Nothing from the build claims it.
    const Config config = config_of(kIdOnly);
    TempDir build;
    FakeSysfs one(build.path());
    one.add({"0000:00:04.0", 0x1002, 0x5159, 0x030000, 3, "radeon"});
    DiskFs bfs(build.path());
    auto bdev = scan_for_config(bfs, config);
    REQUIRE_OK(bdev);
    Aliases aliases;
    auto snippet = modprobe_conf(config, make_plan(config, *bdev), aliases);
    REQUIRE_OK(snippet);

    TempDir t;
    twin_radeons(t.path());
    write_file(t / "etc/modprobe.d/vfio-bind.conf", *snippet);
    FakeKernel k(t.path());
    boot(k, config);
    expect_console_kept(k);
}

TEST_CASE("boot: an id-only entry never reaches a device that appears later (the root NVMe once vmd enumerates)") {
    // Intel VMD with vmd not loaded yet: its domain 10000 is empty when vfio-bind
    // runs; the guest's NVMe at 04:00.0 has the root disk's id.
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:02.0", 0x8086, 0x9a49, 0x030000, 1, "", true})
        .add({"0000:00:0e.0", 0x8086, 0x9a0b, 0x010400, 9, ""})
        .add({"0000:04:00.0", 0x144d, 0xa808, 0x010802, 12, "", false, 0x144d, 0xa801, "pci0000:00/0000:00:1c.0"});
    const Config config = config_of("[disk]\nid = 144d:a808\n");
    FakeKernel k(t.path());
    auto devices = scan_for_config(k, config);
    REQUIRE_OK(devices);
    const Plan plan = make_plan(config, *devices);
    ClaimReport r = claim(k, k, plan);
    REQUIRE(r.devices.size() == 1);
    CHECK(r.devices[0].outcome == Outcome::Claimed);
    CHECK(k.driver_of("0000:04:00.0") == "vfio-pci");
    CHECK(std::find(k.journal.begin(), k.journal.end(), "load vfio-pci") != k.journal.end()); // no ids=

    // vmd probes and enumerates its domain; udev loads the host drivers.
    const std::string vmd = "pci0000:00/0000:00:0e.0/pci10000:e0";
    m.add({"10000:e0:06.0", 0x8086, 0x9a09, 0x060400, 9, "", false, 0, 0, vmd})
        .add({"10000:e1:00.0", 0x144d, 0xa808, 0x010802, 9, "", false, 0x144d, 0xa801, vmd + "/10000:e0:06.0"});
    k.coldplug();
    CHECK(k.driver_of("10000:e1:00.0") == "nvme");
    CHECK(k.driver_of("0000:04:00.0") == "vfio-pci");
}
