#include <doctest/doctest.h>

#include "boot/config.h"
#include "boot/pci.h"
#include "boot/plan.h"
#include "boot/scan.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

namespace {

Plan plan_for(const FakeSysfs& machine, const char* config_text) {
    auto config = parse_config(config_text, "test.ini");
    REQUIRE_OK(config);
    DiskFs fs(machine.root());
    auto devices = scan_pci_devices(fs);
    REQUIRE_OK(devices);
    return make_plan(*config, *devices);
}

std::string targets(const Plan& p) {
    std::string s;
    for (const auto& t : p.targets) s += (s.empty() ? "" : " ") + t.device.address.str();
    return s;
}

bool mentions(const std::vector<Refusal>& rs, const std::string& subject, const std::string& text) {
    for (const auto& r : rs)
        if (r.subject == subject && r.reason.find(text) != std::string::npos) return true;
    return false;
}

} // namespace

TEST_CASE("plan: AMD card by address takes its HDMI audio along") {
    TempDir t;
    auto m = desktop(t.path());
    Plan p = plan_for(m, "[gpu]\naddress = 01:00.0\nid = 1002:6818\n");
    CHECK(targets(p) == "0000:01:00.0 0000:01:00.1");
    CHECK(p.targets[1].why == "same card as 0000:01:00.0");
    CHECK(p.refused.empty());
    CHECK(p.warnings.empty()); // the root port in group 1 does not spoil it
    CHECK(p.module_options.empty());
}

TEST_CASE("plan: group = no claims only the function named") {
    TempDir t;
    auto m = desktop(t.path());
    Plan p = plan_for(m, "[options]\ngroup = no\n[gpu]\naddress = 01:00.0\nid = 1002:6818\n");
    CHECK(targets(p) == "0000:01:00.0");
    REQUIRE(p.warnings.size() == 1);
    CHECK(p.warnings[0].find("IOMMU group 1 is not viable") == 0);
    CHECK(p.warnings[0].find("0000:01:00.1 (1002:aab0, Audio device, driver snd_hda_intel)") != std::string::npos);
}

TEST_CASE("plan: two identical NVIDIA cards, only the one at the address") {
    TempDir t;
    auto m = twin_nvidia(t.path());
    Plan p = plan_for(m, "[second]\naddress = 02:00.0\nid = 10de:1b80\n");
    CHECK(targets(p) == "0000:02:00.0 0000:02:00.1");
    CHECK(p.refused.empty());
}

TEST_CASE("plan: an id alone claims every match present but never the boot VGA; vfio-pci never gets ids=") {
    TempDir t;
    auto m = twin_nvidia(t.path());
    Plan p = plan_for(m, "[all]\nid = 10de:1b80\n");
    CHECK(targets(p) == "0000:02:00.0 0000:02:00.1");
    CHECK(mentions(p.refused, "0000:01:00.0", "is the boot VGA device"));
    CHECK(mentions(p.refused, "0000:01:00.0", "(expected: [all] claims the other devices with id 10de:1b80"));
    REQUIRE(p.refused.size() == 1);
    CHECK(p.refused[0].expected); // what the entry means: information, not an error
    CHECK_FALSE(p.has_unexpected_refusal());
    CHECK(p.module_options.empty());

    Plan yes = plan_for(m, "[options]\nboot_vga = yes\nvfio_pci_options = disable_vga=1\n[all]\nid = 10de:1b80\n");
    CHECK(targets(yes) == "0000:01:00.0 0000:02:00.0 0000:01:00.1 0000:02:00.1");
    CHECK(yes.refused.empty());
    CHECK(yes.module_options == "disable_vga=1"); // each target by its driver_override, no ids=

    // An id nothing present has: said, and not handed to vfio-pci for later.
    Plan absent = plan_for(m, "[disk]\nid = 144d:a808\n");
    CHECK(absent.targets.empty());
    CHECK(absent.module_options.empty());
    REQUIRE(absent.warnings.size() == 1);
    CHECK(absent.warnings[0] ==
          "[disk]: no device with id 144d:a808 is present; one that appears later is left to its host driver");
}

TEST_CASE("plan: the boot VGA by address is refused unless boot_vga = yes") {
    TempDir t;
    auto m = desktop(t.path());
    Plan p = plan_for(m, "[igpu]\naddress = 00:02.0\nid = 8086:3e92\n");
    CHECK(p.targets.empty());
    CHECK(mentions(p.refused, "0000:00:02.0", "boot VGA device (the host console); set 'boot_vga = yes'"));
    Plan yes = plan_for(m, "[options]\nboot_vga = yes\n[igpu]\naddress = 00:02.0\nid = 8086:3e92\n");
    CHECK(targets(yes) == "0000:00:02.0");
}

TEST_CASE("plan: wrong id at the address, absent address, address without id") {
    TempDir t;
    auto m = desktop(t.path());
    Plan p = plan_for(m, "[moved]\naddress = 01:00.0\nid = 10de:1b80\n"
                         "[gone]\naddress = 05:00.0\nid = 1002:6818\n"
                         "[bare]\naddress = 01:00.1\n");
    CHECK(p.targets.empty());
    CHECK(mentions(p.refused, "0000:01:00.0", "the device here is 1002:6818, not 10de:1b80"));
    CHECK(mentions(p.refused, "0000:05:00.0", "no device at this address"));
    CHECK(mentions(p.refused, "0000:01:00.1",
                   "needs its id too, so a moved card is never claimed by mistake (here: id = 1002:aab0)"));
}

TEST_CASE("plan: no IOMMU groups means nothing is claimed, with the fix") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:01:00.0", 0x1002, 0x6818, 0x030000, std::nullopt, "radeon"});
    Plan p = plan_for(m, "[gpu]\naddress = 01:00.0\nid = 1002:6818\n");
    CHECK(p.targets.empty());
    CHECK(mentions(p.refused, "0000:01:00.0", "no IOMMU group: the IOMMU is off"));
    CHECK(mentions(p.refused, "0000:01:00.0", "intel_iommu=on"));
}

TEST_CASE("plan: a SATA controller in the GPU's group is named, never claimed") {
    TempDir t;
    auto m = shared_group(t.path());
    Plan p = plan_for(m, "[gpu]\naddress = 03:00.0\nid = 1002:67df\n");
    CHECK(targets(p) == "0000:03:00.0");
    REQUIRE(p.warnings.size() == 1);
    CHECK(p.warnings[0].find(
              "IOMMU group 7 is not viable: it also holds 0000:04:00.0 (1b21:0612, SATA controller, driver ahci)") ==
          0);
}

TEST_CASE("plan: bridges are refused") {
    TempDir t;
    auto m = desktop(t.path());
    Plan p = plan_for(m, "[port]\naddress = 00:01.0\nid = 8086:1901\n");
    CHECK(p.targets.empty());
    CHECK(mentions(p.refused, "0000:00:01.0", "is a PCI bridge"));
}

TEST_CASE("plan: allow_host_device = yes on the entry lets the boot VGA through, as documented") {
    TempDir t;
    auto m = desktop(t.path());
    Plan p = plan_for(m, "[igpu]\naddress = 00:02.0\nid = 8086:3e92\nallow_host_device = yes\n");
    CHECK(targets(p) == "0000:00:02.0");
    CHECK(p.refused.empty());
    // Another entry's allow_host_device says nothing about it.
    Plan other = plan_for(m, "[igpu]\naddress = 00:02.0\nid = 8086:3e92\n"
                             "[gpu]\naddress = 01:00.0\nid = 1002:6818\nallow_host_device = yes\n");
    CHECK(mentions(other.refused, "0000:00:02.0", "boot VGA device"));
}

TEST_CASE("plan: the root NVMe behind Intel VMD is refused by id, its twin in domain 0 is claimed, by address too") {
    TempDir t;
    FakeSysfs m = vmd_laptop(t.path());
    DiskFs fs(t.path());
    auto devices = scan_pci_devices(fs);
    REQUIRE_OK(devices);
    HostNeed root{*parse_pci_address("10000:e1:00.0"), "144d:a808", "storage", "/ (ext4 on /dev/nvme0n1p2)", 9};
    for (const char* text : {"[disk]\nid = 144d:a808\n", "[disk]\naddress = 10000:e1:00.0\nid = 144d:a808\n"}) {
        CAPTURE(text);
        auto config = parse_config(text, "t.ini");
        REQUIRE_OK(config); // 10000:e1:00.0 is an address like any other
        config->host_needs = {root};
        Plan p = make_plan(*config, *devices);
        REQUIRE(p.refused.size() == 1);
        CHECK(p.refused[0].subject == "10000:e1:00.0");
        CHECK(p.refused[0].host_need);
        CHECK(targets(p) == (config->devices[0].address ? "" : "0000:04:00.0"));
    }
}

TEST_CASE("plan: an AMD APU's GPU takes its HDMI audio, not the PSP, USB and audio of the SoC in its slot") {
    // A Ryzen 7040 (Phoenix) laptop as lspci -nn shows it; boot_vga = yes for a headless host.
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:08.1", 0x1022, 0x14eb, 0x060400, 19, "pcieport"})
        .add({"0000:c4:00.0",
              0x1002,
              0x15bf,
              0x030000,
              20,
              "amdgpu",
              true,
              0,
              0,
              "pci0000:00/0000:00:08.1",
              {"0000:c4:00.1"}})
        .add({"0000:c4:00.1", 0x1002, 0x1640, 0x040300, 21, "snd_hda_intel", false, 0, 0, "pci0000:00/0000:00:08.1"})
        .add({"0000:c4:00.2", 0x1022, 0x15c7, 0x108000, 22, "ccp", false, 0, 0, "pci0000:00/0000:00:08.1"})
        .add({"0000:c4:00.3", 0x1022, 0x15c6, 0x0c0330, 23, "xhci_hcd", false, 0, 0, "pci0000:00/0000:00:08.1"})
        .add({"0000:c4:00.6", 0x1022, 0x15e3, 0x040300, 24, "snd_hda_intel", false, 0, 0, "pci0000:00/0000:00:08.1"});
    Plan p = plan_for(m, "[options]\nboot_vga = yes\n[apu]\naddress = c4:00.0\nid = 1002:15bf\n");
    CHECK(targets(p) == "0000:c4:00.0 0000:c4:00.1");
    CHECK(p.refused.empty());
    REQUIRE(p.warnings.size() == 3);
    CHECK(p.warnings[0] == "0000:c4:00.2 (1022:15c7, Encryption controller, driver ccp) shares the slot of GPU "
                           "0000:c4:00.0 but is not part of the card (not an audio, USB or UCSI function of the "
                           "GPU's vendor, nor a consumer device link of the GPU): not claimed with it; name it in "
                           "the config if it is meant");
    CHECK(p.warnings[1].find("0000:c4:00.3 (1022:15c6, USB controller, driver xhci_hcd) shares the slot") == 0);
    CHECK(p.warnings[2].find("0000:c4:00.6 (1022:15e3, Audio device, driver snd_hda_intel) shares the slot") == 0);

    // The PSP named by itself is a card of its own: the GPU does not come with it.
    Plan psp = plan_for(m, "[psp]\naddress = c4:00.2\nid = 1022:15c7\n");
    CHECK(targets(psp) == "0000:c4:00.2");
    CHECK(psp.warnings.empty());
}

TEST_CASE("plan: an NVIDIA card's audio, USB-C and UCSI functions, and what a consumer link names, are the card") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:02.0", 0x8086, 0x3e92, 0x030000, 0, "i915", true})
        .add({"0000:01:00.0",
              0x10de,
              0x1e87,
              0x030000,
              1,
              "nouveau",
              false,
              0,
              0,
              "pci0000:00",
              {"0000:01:00.1", "0000:01:00.2", "0000:01:00.3"}})
        .add({"0000:01:00.1", 0x10de, 0x10f8, 0x040300, 1, "snd_hda_intel"})
        .add({"0000:01:00.2", 0x10de, 0x1ad8, 0x0c0330, 1, "xhci_hcd"})
        .add({"0000:01:00.3", 0x10de, 0x1ad9, 0x0c8000, 1, "nvidia-gpu"})
        .add({"0000:05:00.0", 0x1002, 0x73bf, 0x030000, 5, "amdgpu", false, 0, 0, "pci0000:00", {"0000:05:00.4"}})
        .add({"0000:05:00.4", 0x1022, 0x1234, 0x0c8000, 5, ""});
    Plan p = plan_for(m, "[gpu]\naddress = 01:00.0\nid = 10de:1e87\n[amd]\naddress = 05:00.0\nid = 1002:73bf\n");
    CHECK(targets(p) == "0000:01:00.0 0000:05:00.0 0000:01:00.1 0000:01:00.2 0000:01:00.3 0000:05:00.4");
    CHECK(p.warnings.empty());
    CHECK(p.refused.empty());
}

TEST_CASE("plan: an id-only entry that claims nothing but the host's device: the refusal is an error") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:01:00.0", 0x10de, 0x1b80, 0x030000, 1, "nouveau", true}); // the console, alone
    Plan p = plan_for(m, "[all]\nid = 10de:1b80\n");
    CHECK(targets(p).empty());
    REQUIRE(p.refused.size() == 1);
    CHECK_FALSE(p.refused[0].expected);
    CHECK(p.has_unexpected_refusal());
}

TEST_CASE("plan: an address without a domain where the card sits in another domain says so, not 'cards moved?'") {
    TempDir t;
    FakeSysfs m = vmd_laptop(t.path()); // the NVMe 144d:a808 at 10000:e1:00.0, behind VMD
    auto config = parse_config("[disk]\naddress = e1:00.0\nid = 144d:a808\n", "test.ini");
    REQUIRE_OK(config);
    DiskFs fs(m.root());
    auto devices = scan_for_config(fs, *config); // what vfio-bind reads at boot
    REQUIRE_OK(devices);
    Plan p = make_plan(*config, *devices);
    CHECK(p.targets.empty());
    CHECK(mentions(p.refused, "0000:e1:00.0",
                   "the device with id 144d:a808 at this bus address is 10000:e1:00.0, in PCI domain 10000 (an "
                   "address without a domain means 0000): write address = 10000:e1:00.0 if it is meant"));
    CHECK_FALSE(mentions(p.refused, "0000:e1:00.0", "moved"));
    // Another id there: the old advice.
    auto other = parse_config("[disk]\naddress = e1:00.0\nid = 10de:1b80\n", "test.ini");
    REQUIRE_OK(other);
    CHECK(mentions(make_plan(*other, *scan_for_config(fs, *other)).refused, "0000:e1:00.0", "was the card moved"));
}
