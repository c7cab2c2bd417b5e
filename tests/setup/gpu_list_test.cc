#include <doctest/doctest.h>

#include "lib/fixture.h"
#include "lib/require_ok.h"
#include "setup/gpu_list.h"

using namespace vb;
using namespace vbtest;

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
} // namespace

TEST_CASE("list: GPUs with their sibling functions, names, drivers and groups") {
    TempDir t;
    desktop(t.path());
    write_pci_ids(t.path());
    auto l = list_gpus(DiskFs(t.path()));
    REQUIRE_OK(l);
    CHECK(l->iommu_active);
    REQUIRE(l->cards.size() == 2); // the iGPU and the Radeon; SATA and bridges are not GPUs
    const ListedCard& igpu = l->cards[0];
    CHECK(igpu.boot_vga);
    CHECK(igpu.functions.size() == 1);
    CHECK(igpu.functions[0].device_name == "CoffeeLake-S GT2 [UHD Graphics 630]");
    // Group 0 also holds the host bridge: a bridge does not make it non-viable.
    REQUIRE(igpu.groups.size() == 1);
    CHECK(igpu.groups[0].others.size() == 1);
    CHECK(igpu.viable == true);
    const ListedCard& radeon = l->cards[1];
    REQUIRE(radeon.functions.size() == 2);
    CHECK(radeon.functions[1].device.address.str() == "0000:01:00.1");
    CHECK(radeon.functions[1].device.driver == "snd_hda_intel");
    CHECK(radeon.functions[0].vendor_name == "Advanced Micro Devices, Inc. [AMD/ATI]");
    CHECK(radeon.viable == true);
    CHECK_FALSE(radeon.boot_vga);

    const std::string text = format_list(*l);
    CHECK(contains(text, "GPU 0000:01:00: viable\n"));
    CHECK(contains(text, "0000:01:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] "
                         "Pitcairn XT [Radeon HD 7870 GHz Edition] [1002:6818] (driver: radeon) group 1"));
    CHECK(contains(text, "GPU 0000:00:02: viable, boot VGA"));
    CHECK(contains(text, "0000:00:01.0 PCI bridge [0604]"));
    CHECK(contains(text, "(bridge: fine)"));
}

TEST_CASE("list: a group shared with a SATA controller is not viable, and says which device") {
    TempDir t;
    shared_group(t.path());
    auto l = list_gpus(DiskFs(t.path()));
    REQUIRE_OK(l);
    REQUIRE(l->cards.size() == 2);
    const ListedCard& amd = l->cards[1];
    CHECK(amd.viable == false);
    REQUIRE(amd.groups.size() == 1);
    CHECK(amd.groups[0].blockers == std::vector<std::string>{"0000:04:00.0"});
    const std::string text = format_list(*l);
    CHECK(contains(text, "GPU 0000:03:00: NOT viable"));
    CHECK(contains(text, "0000:04:00.0 SATA controller [0106]: [1b21:0612] (driver: ahci) group 7") == false);
    CHECK(contains(text, "0000:04:00.0 SATA controller [0106]: [1b21:0612] (driver: ahci) <- blocks passthrough"));
}

TEST_CASE("list: twin cards in separate groups; without pci.ids names are empty, not an error") {
    TempDir t;
    twin_nvidia(t.path());
    auto l = list_gpus(DiskFs(t.path()));
    REQUIRE_OK(l);
    REQUIRE(l->cards.size() == 2);
    for (const auto& c : l->cards) {
        CHECK(c.functions.size() == 2);
        CHECK(c.viable == true);
        CHECK(c.functions[0].vendor_name.empty());
    }
    CHECK(l->cards[0].boot_vga);
    CHECK_FALSE(l->cards[1].boot_vga);
}

TEST_CASE("list: IOMMU off leaves viability unknown") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:01:00.0", 0x1002, 0x6818, 0x030000, std::nullopt, "radeon"});
    auto l = list_gpus(DiskFs(t.path()));
    REQUIRE_OK(l);
    CHECK_FALSE(l->iommu_active);
    REQUIRE(l->cards.size() == 1);
    CHECK_FALSE(l->cards[0].viable.has_value());
    CHECK(contains(format_list(*l), "IOMMU not active"));
    CHECK(contains(format_list_json(*l), "\"viable\": null"));
}

TEST_CASE("list --json: the document, with names escaped") {
    TempDir t;
    shared_group(t.path());
    write_file(t / "usr/share/misc/pci.ids", "1002  AMD \"quoted\" \\ name\n\t67df  Ellesmere\n");
    auto l = list_gpus(DiskFs(t.path()));
    REQUIRE_OK(l);
    const std::string j = format_list_json(*l);
    CHECK(j.rfind("{\"version\": 1, \"iommu_active\": true, \"gpus\": [{\"slot\": \"0000:00:02\", \"boot_vga\": true, "
                  "\"viable\": true, ",
                  0) == 0);
    CHECK(contains(j, "\"vendor_name\": \"AMD \\\"quoted\\\" \\\\ name\", \"device_name\": \"Ellesmere\""));
    CHECK(contains(j, "{\"group\": 7, \"viable\": false, \"others\": [{\"address\": \"0000:04:00.0\""));
    CHECK(contains(j, "\"blockers\": [\"0000:04:00.0\"]"));
    CHECK(contains(j, "\"driver\": \"amdgpu\", \"iommu_group\": 7, \"boot_vga\": false"));
    CHECK(contains(j, "\"existing_ids\": []}"));
    CHECK(j.back() == '\n');
    // A vfio-pci ids= set elsewhere is in the document, as list's text names it.
    ExistingIds e{"/etc/modprobe.d/vfio.conf:1",
                  "options vfio-pci ids=1002:67df",
                  {},
                  {"vfio-setup add 0000:03:00.0"},
                  "delete line 1 of /etc/modprobe.d/vfio.conf",
                  "/etc/modprobe.d/vfio.conf",
                  1};
    CHECK(contains(format_list_json(*l, {e}), "\"existing_ids\": [{\"where\": \"/etc/modprobe.d/vfio.conf:1\", "
                                              "\"file\": \"/etc/modprobe.d/vfio.conf\", \"line\": 1, "));
}
