#include <doctest/doctest.h>

#include "boot/config.h"
#include "boot/host_needs.h"
#include "boot/pci.h"
#include "boot/plan.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

TEST_CASE("host needs record: written, read back, errors name the line") {
    auto a = parse_pci_address("0000:00:06.0");
    REQUIRE_OK(a);
    std::vector<HostNeed> needs{{*a, "1af4:1001", "storage", "/ (ext4 on /dev/vda)", std::nullopt}};
    const std::string text = format_host_needs(needs);
    auto back = parse_host_needs(text, "/r");
    REQUIRE_OK(back);
    REQUIRE(back->size() == 1);
    CHECK((*back)[0].address == *a);
    CHECK((*back)[0].id == "1af4:1001");
    CHECK((*back)[0].kind == "storage");
    CHECK((*back)[0].what == "/ (ext4 on /dev/vda)");
    auto bad = parse_host_needs("# x\n0000:00:06.0 1af4:1001\n", "/r");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "/r:2: not 'ADDRESS ID KIND: WHAT'");
}

TEST_CASE("host needs at boot: the root disk refused by id and by address, another machine's record ignored") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:01.0", 0x1234, 0x1111, 0x030000, 0, "bochs-drm", true})
        .add({"0000:00:04.0", 0x1002, 0x5159, 0x030000, 2, "radeon"})
        .add({"0000:00:06.0", 0x1af4, 0x1001, 0x010000, 3, "virtio-pci"});
    write_file(
        t / "etc/vfio-bind/host-devices",
        "# test\n0000:00:06.0 1af4:1001 storage: / (ext4 on /dev/vda)\n"
        "0000:00:04.0 1af4:1042 storage: /boot (ext4 on /dev/vdb)\n"); // built elsewhere: 00:04.0 is the Radeon here
    DiskFs fs(t.path());
    std::vector<std::string> errors;
    auto needs = load_host_needs(fs, &errors);
    REQUIRE(needs.size() == 1);
    CHECK(needs[0].iommu_group == 3);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].find("0000:00:04.0 is 1002:5159 now, not 1af4:1042 as recorded") != std::string::npos);

    auto c = parse_config("[radeon]\naddress = 00:04.0\nid = 1002:5159\n[typo]\nid = 1af4:1001\n"
                          "[disk]\naddress = 00:06.0\nid = 1af4:1001\n",
                          "t.ini");
    REQUIRE_OK(c);
    c->host_needs = needs;
    auto devices = scan_pci_devices(fs);
    REQUIRE_OK(devices);
    Plan p = make_plan(*c, *devices);
    REQUIRE(p.targets.size() == 1);
    CHECK(p.targets[0].device.address.str() == "0000:00:04.0");
    REQUIRE(p.refused.size() == 1); // the disk, once, by the first entry naming it
    CHECK(p.refused[0].reason == "1af4:1001 is needed by the host (storage: / (ext4 on /dev/vda)); if that is meant, "
                                 "set 'allow_host_device = yes' in the entry");
    CHECK(p.module_options.find("1af4:1001") == std::string::npos); // never ids=
}

TEST_CASE("host needs: the console kind gives way to boot_vga = yes") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:01:00.0", 0x1002, 0x6818, 0x030000, 1, "amdgpu", true});
    DiskFs fs(t.path());
    auto devices = scan_pci_devices(fs);
    REQUIRE_OK(devices);
    auto a = parse_pci_address("0000:01:00.0");
    REQUIRE_OK(a);
    for (bool boot_vga : {false, true}) {
        auto c = parse_config(std::string(boot_vga ? "[options]\nboot_vga = yes\n" : "") +
                                  "[gpu]\naddress = 01:00.0\nid = 1002:6818\n",
                              "t.ini");
        REQUIRE_OK(c);
        c->host_needs = {{*a, "1002:6818", "console", "framebuffer console fb0", 1}};
        Plan p = make_plan(*c, *devices);
        CHECK(p.targets.size() == (boot_vga ? 1u : 0u));
    }
}
