#include <doctest/doctest.h>

#include <unistd.h>

#include "boot/config.h"
#include "boot/scan.h"
#include "lib/faulty_fs.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

namespace {
std::string addresses(const std::vector<PciDevice>& ds) {
    std::string s;
    for (const auto& d : ds) s += (s.empty() ? "" : " ") + d.address.str();
    return s;
}
std::vector<PciDevice> scan(const std::string& root, const char* text) {
    auto config = parse_config(text, "t.ini");
    REQUIRE_OK(config);
    DiskFs fs(root);
    auto r = scan_for_config(fs, *config);
    REQUIRE_OK(r);
    return *r;
}
} // namespace

TEST_CASE("scan: an address config reads its card and its IOMMU group, nothing else") {
    TempDir t;
    desktop(t.path());
    // 01:00.x and, from group 1, the root port 00:01.0; not the iGPU, SATA or host bridge.
    CHECK(addresses(scan(t.path(), "[gpu]\naddress = 01:00.0\nid = 1002:6818\n")) ==
          "0000:00:01.0 0000:01:00.0 0000:01:00.1");
    CHECK(addresses(scan(t.path(), "[options]\ngroup = no\n[gpu]\naddress = 01:00.0\nid = 1002:6818\n")) ==
          "0000:00:01.0 0000:01:00.0 0000:01:00.1"); // 01:00.1 is in the group all the same
}

TEST_CASE("scan: an id-only entry reads every function") {
    TempDir t;
    desktop(t.path());
    CHECK(scan(t.path(), "[any]\nid = 1002:6818\n").size() == 6);
}

TEST_CASE("scan: Intel VMD's domain 10000 is read, in address order, and an address there is found") {
    TempDir t;
    vmd_laptop(t.path());
    DiskFs fs(t.path());
    std::vector<std::string> skipped;
    auto all = scan_pci_devices(fs, &skipped);
    REQUIRE_OK(all);
    CHECK(skipped.empty());
    CHECK(addresses(*all) == "0000:00:00.0 0000:00:02.0 0000:00:0e.0 0000:00:1c.0 0000:04:00.0 10000:e0:06.0 "
                             "10000:e1:00.0");
    REQUIRE(all->back().device == 0xa808);
    CHECK(all->back().driver == "nvme");
    CHECK(all->back().iommu_group == 9);
    // The disk, and from its group 9 the VMD controller and the domain's root port.
    CHECK(addresses(scan(t.path(), "[disk]\naddress = 10000:e1:00.0\nid = 144d:a808\n")) ==
          "0000:00:0e.0 10000:e0:06.0 10000:e1:00.0");
}

TEST_CASE("scan: the per-attribute layout works when uevent is absent") {
    TempDir t;
    desktop(t.path());
    unlink((t / "sys/devices/pci0000:00/0000:01:00.0/uevent").c_str());
    auto ds = scan(t.path(), "[gpu]\naddress = 01:00.0\nid = 1002:6818\n");
    REQUIRE(ds.size() == 3);
    CHECK(ds[1].id_str() == "1002:6818");
    CHECK(ds[1].subvendor == 0x1458);
    CHECK(ds[1].class_code == 0x030000);
    CHECK(ds[1].modalias.rfind("pci:v00001002d00006818", 0) == 0);
    CHECK(ds[1].driver == "radeon");
    CHECK(ds[1].iommu_group == 1);
}

TEST_CASE("scan: a driver or iommu_group link that cannot be read skips the device with the reason") {
    TempDir t;
    desktop(t.path());
    for (const char* link : {"iommu_group", "driver"}) {
        CAPTURE(link);
        const std::string path = std::string("/sys/bus/pci/devices/0000:01:00.0/") + link;
        std::vector<std::string> skipped;
        auto all = scan_pci_devices(FaultyFs(t.path(), {path}), &skipped);
        REQUIRE_OK(all);
        CHECK(addresses(*all).find("0000:01:00.0") == std::string::npos); // never "no IOMMU group", "no driver"
        REQUIRE(skipped.size() == 1);
        CHECK(skipped[0].find("0000:01:00.0: ") == 0);
        CHECK(skipped[0].find(path) != std::string::npos);
    }
    // Absent is absent: no group (the IOMMU off), no driver.
    std::vector<std::string> skipped;
    FakeSysfs m(t.path());
    m.add({"0000:05:00.0", 0x1002, 0x6818, 0x030000, std::nullopt, ""});
    auto all = scan_pci_devices(DiskFs(t.path()), &skipped);
    REQUIRE_OK(all);
    CHECK(skipped.empty());
    CHECK(addresses(*all).find("0000:05:00.0") != std::string::npos);
}
