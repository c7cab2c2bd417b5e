#include <doctest/doctest.h>

#include "boot/iommu.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

namespace {
std::vector<const PciDevice*> group(const std::vector<PciDevice>& devices, int g) {
    std::vector<const PciDevice*> out;
    for (const auto& d : devices)
        if (d.iommu_group == g) out.push_back(&d);
    return out;
}
} // namespace

TEST_CASE("group_blockers: bridges and the card's own functions do not block") {
    TempDir t;
    desktop(t.path());
    auto devices = scan_pci_devices(DiskFs(t.path()));
    REQUIRE_OK(devices);
    auto card = [](const PciDevice& d) { return d.address.bus == 1; };
    CHECK(group_blockers(group(*devices, 1), card).empty());
    // Only the GPU going to the guest: its own HDMI audio then stands in the way.
    auto gpu_only = [](const PciDevice& d) { return d.address.str() == "0000:01:00.0"; };
    auto b = group_blockers(group(*devices, 1), gpu_only);
    REQUIRE(b.size() == 1);
    CHECK(b[0]->address.str() == "0000:01:00.1");
}

TEST_CASE("group_blockers: another endpoint blocks unless vfio-pci or pci-stub holds it") {
    TempDir t;
    shared_group(t.path());
    auto devices = scan_pci_devices(DiskFs(t.path()));
    REQUIRE_OK(devices);
    auto gpu = [](const PciDevice& d) { return d.address.bus == 3; };
    auto b = group_blockers(group(*devices, 7), gpu);
    REQUIRE(b.size() == 1);
    CHECK(b[0]->address.str() == "0000:04:00.0");
    for (const char* drv : {"vfio-pci", "pci-stub"}) {
        auto held = *devices;
        for (auto& d : held)
            if (d.address.bus == 4) d.driver = drv;
        CHECK(group_blockers(group(held, 7), gpu).empty());
    }
}
