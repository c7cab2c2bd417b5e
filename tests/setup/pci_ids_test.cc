#include <doctest/doctest.h>

#include <sstream>

#include "lib/fixture.h"
#include "setup/pci_ids.h"

using namespace vb;
using namespace vbtest;

TEST_CASE("pci_ids: only the asked-for vendors and devices are kept") {
    TempDir t;
    write_pci_ids(t.path());
    PciNames n = lookup_pci_names(DiskFs(t.path()), {{0x1002, 0x6818}, {0x8086, 0x3e92}, {0x8086, 0xffff}});
    CHECK(n.vendor(0x1002) == "Advanced Micro Devices, Inc. [AMD/ATI]");
    CHECK(n.device(0x1002, 0x6818) == "Pitcairn XT [Radeon HD 7870 GHz Edition]");
    CHECK(n.device(0x8086, 0x3e92) == "CoffeeLake-S GT2 [UHD Graphics 630]");
    CHECK(n.device(0x8086, 0xffff) == ""); // unknown device of a known vendor
    CHECK(n.vendor(0x8086) == "Intel Corporation");
    CHECK(n.vendors.size() == 2); // not 10de, 1022...
    CHECK(n.devices.size() == 2); // not aab0, a352...
}

TEST_CASE("pci_ids: a subsystem line is not taken for a device") {
    // "\t\t1458 22d9" under 6818 must not become device 1458.
    std::istringstream in("1002  AMD\n\t6818  Pitcairn\n\t\t1458 22d9  Gigabyte card\n");
    PciNames n = parse_pci_ids(in, {{0x1002, 0x1458}, {0x1002, 0x6818}});
    CHECK(n.device(0x1002, 0x1458) == "");
    CHECK(n.device(0x1002, 0x6818) == "Pitcairn");
}

TEST_CASE("pci_ids: a vendor id found in the class section is not a vendor") {
    std::istringstream in("1002  AMD\nC 03  Display controller\n\t00  VGA compatible controller\n");
    PciNames n = parse_pci_ids(in, {{0x0003, 0x0000}, {0x1002, 0x0000}});
    CHECK(n.vendor(0x1002) == "AMD");
    CHECK(n.devices.empty());
}

TEST_CASE("pci_ids: CRLF endings and malformed lines") {
    std::istringstream in("1002  AMD\r\n\tzzzz  nonsense\n\t6818  Pitcairn\r\nxyz\n12  short\n");
    PciNames n = parse_pci_ids(in, {{0x1002, 0x6818}});
    CHECK(n.vendor(0x1002) == "AMD");
    CHECK(n.device(0x1002, 0x6818) == "Pitcairn");
}

TEST_CASE("pci_ids: hwdata's location, and no file at all") {
    TempDir t;
    CHECK(lookup_pci_names(DiskFs(t.path()), {{0x1002, 0x6818}}).vendors.empty());
    write_file(t / "usr/share/hwdata/pci.ids", "1002  AMD (hwdata)\n\t6818  Pitcairn\n");
    CHECK(lookup_pci_names(DiskFs(t.path()), {{0x1002, 0x6818}}).vendor(0x1002) == "AMD (hwdata)");
}
