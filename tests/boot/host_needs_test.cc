#include <doctest/doctest.h>

#include "boot/config.h"
#include "boot/host_needs.h"
#include "boot/pci.h"
#include "boot/plan.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

TEST_CASE("host needs record: written, read back with its header, errors name the line") {
    auto a = parse_pci_address("0000:00:06.0");
    REQUIRE_OK(a);
    HostRecord r{
        {{*a, "1af4:1001", "storage", "/ (ext4 on /dev/vda)", std::nullopt}}, true, true, "", "dmi=x storage=y"};
    auto back = parse_host_record(format_host_record(r), "/r");
    REQUIRE_OK(back);
    REQUIRE(back->needs.size() == 1);
    CHECK(back->needs[0].address == *a);
    CHECK(back->needs[0].id == "1af4:1001");
    CHECK(back->needs[0].kind == "storage");
    CHECK(back->needs[0].what == "/ (ext4 on /dev/vda)");
    CHECK(back->versioned);
    CHECK(back->complete);
    CHECK(back->machine == "dmi=x storage=y");
    CHECK(distrust_reason(*back, "dmi=x storage=y") == "");
    CHECK(distrust_reason(*back, "dmi=z storage=y").find("made on another machine") == 0);
    r.complete = false;
    r.incomplete = "/ is no mount here (a chroot?)";
    back = parse_host_record(format_host_record(r), "/r");
    REQUIRE_OK(back);
    CHECK_FALSE(back->complete);
    CHECK(distrust_reason(*back, "dmi=x storage=y") == "incomplete: / is no mount here (a chroot?)");
    auto old = parse_host_record("# vfio-bind: PCI devices\n0000:00:06.0 1af4:1001 storage: /\n", "/r");
    REQUIRE_OK(old);
    CHECK(distrust_reason(*old, "dmi=x storage=y").find("made by an older vfio-bind") == 0);
    auto bad = parse_host_record("# x\n0000:00:06.0 1af4:1001\n", "/r");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "/r:2: not 'ADDRESS ID KIND: WHAT'");
}

TEST_CASE("machine id: the firmware's UUID when real, the storage controllers without SR-IOV functions") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:06.0", 0x1af4, 0x1001, 0x010000, 3, "virtio-pci"});
    DiskFs fs(t.path());
    const std::string none = machine_id(fs);
    CHECK(none.find("dmi=none storage=") == 0);
    write_file(t / "sys/class/dmi/id/product_uuid", "00000000-0000-0000-0000-000000000000\n"); // QEMU without -uuid
    CHECK(machine_id(fs) == none);
    m.add({"0000:00:07.0", 0x144d, 0xa808, 0x010802, 4, "nvme"});
    const std::string two = machine_id(fs);
    CHECK(two != none);
    m.add({"0000:00:07.1", 0x144d, 0xa824, 0x010802, 5, "nvme"});
    make_symlink("../0000:00:07.0", t / "sys/bus/pci/devices/0000:00:07.1/physfn");
    CHECK(machine_id(fs) == two); // a virtual function made after boot
    write_file(t / "sys/class/dmi/id/product_uuid", "4C4C4544-0042-3510-8051-B4C04F4B4E32\n");
    CHECK(machine_id(fs).find("dmi=4c4c4544-0042-3510-8051-b4c04f4b4e32 storage=") == 0);
}

TEST_CASE("host needs at boot: no record, an incomplete one, another machine's: every storage controller kept") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:03.0", 0x8086, 0x100e, 0x020000, 1, "e1000"})
        .add({"0000:00:04.0", 0x1002, 0x5159, 0x030000, 2, "radeon"})
        .add({"0000:00:06.0", 0x1af4, 0x1001, 0x010000, 3, "virtio-pci"})
        .cmdline("root=/dev/vda1 ro quiet\n");
    DiskFs fs(t.path());
    auto devices = scan_pci_devices(fs);
    REQUIRE_OK(devices);
    const std::string config = "[radeon]\naddress = 00:04.0\nid = 1002:5159\n[nic]\nid = 8086:100e\n"
                               "[typo]\nid = 1af4:1001\n";
    auto plan_with = [&](const std::vector<HostNeed>& needs, const std::string& extra = "") {
        auto c = parse_config(config + extra, "t.ini");
        REQUIRE_OK(c);
        c->host_needs = needs;
        return make_plan(*c, *devices);
    };
    const std::string here = machine_id(fs);
    const std::string chroot =
        "# vfio-bind host-devices v2\n# machine: " + here + "\n# complete: no (/ is no mount here (a chroot?))\n";
    const std::string elsewhere = "# vfio-bind host-devices v2\n# machine: dmi=none storage=0\n# complete: yes\n"
                                  "0000:00:05.0 1af4:1001 storage: / (ext4 on /dev/vda1)\n";
    for (const std::string& record : {std::string(), chroot, elsewhere}) {
        CAPTURE(record);
        if (!record.empty()) write_file(t / "etc/vfio-bind/host-devices", record);
        std::vector<std::string> errors;
        auto needs = load_host_needs(fs, &errors);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].find("which devices the host needs is not known (") == 0);
        Plan p = plan_with(needs);
        REQUIRE(p.targets.size() == 2); // the Radeon and the NIC: the root is not on the network
        CHECK(p.targets[0].device.address.str() == "0000:00:04.0");
        REQUIRE(p.refused.size() == 1);
        CHECK(p.refused[0].subject == "0000:00:06.0");
        CHECK(p.refused[0].reason.find("1af4:1001 is needed by the host (storage: a mass-storage controller") == 0);
        CHECK(plan_with(needs, "allow_host_device = yes\n").refused.empty()); // [typo] allows it: claimed
    }
    // A network root keeps the NICs too.
    m.cmdline("root=/dev/nfs nfsroot=10.0.0.1:/srv/root ip=dhcp\n");
    std::vector<std::string> errors;
    Plan p = plan_with(load_host_needs(fs, &errors));
    REQUIRE(p.targets.size() == 1);
    CHECK(p.targets[0].device.address.str() == "0000:00:04.0");
    CHECK(p.refused.size() == 2);
    // This machine's complete record: only what it names is kept.
    write_file(t / "etc/vfio-bind/host-devices",
               "# vfio-bind host-devices v2\n# machine: " + here + "\n# complete: yes\n");
    errors.clear();
    auto needs = load_host_needs(fs, &errors);
    CHECK(errors.empty());
    CHECK(needs.empty());
    CHECK(plan_with(needs).refused.empty());
}

namespace {
// Counts the listings of the PCI bus: each one is followed by a read of every
// device's attributes, what costs at boot.
class CountingFs : public DiskFs {
public:
    using DiskFs::DiskFs;
    Result<std::vector<std::string>> list_dir(const std::string& path) const override {
        if (path == kPciDevicesDir) bus_listings++;
        return DiskFs::list_dir(path);
    }
    mutable int bus_listings = 0;
};
} // namespace

TEST_CASE("host needs at boot: the bus is scanned once, for the machine's identity and the fallback alike") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:04.0", 0x1002, 0x5159, 0x030000, 2, "radeon"})
        .add({"0000:00:06.0", 0x1af4, 0x1001, 0x010000, 3, "virtio-pci"});
    CountingFs fs(t.path());
    write_file(t / "etc/vfio-bind/host-devices", // another machine's: the fallback applies
               "# vfio-bind host-devices v2\n# machine: dmi=none storage=0\n# complete: yes\n");
    std::vector<std::string> errors;
    auto needs = load_host_needs(fs, &errors);
    REQUIRE(needs.size() == 1);
    CHECK(needs[0].address.str() == "0000:00:06.0");
    CHECK(needs[0].iommu_group == 3);
    CHECK(fs.bus_listings == 1);
    CHECK(machine_id(fs, scan_pci_devices(fs)) == machine_id(fs));
}

TEST_CASE("host needs at boot: the root disk refused by id and by address, a swapped card's need ignored") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:01.0", 0x1234, 0x1111, 0x030000, 0, "bochs-drm", true})
        .add({"0000:00:04.0", 0x1002, 0x5159, 0x030000, 2, "radeon"})
        .add({"0000:00:06.0", 0x1af4, 0x1001, 0x010000, 3, "virtio-pci"});
    DiskFs fs(t.path());
    write_file(t / "etc/vfio-bind/host-devices",
               "# vfio-bind host-devices v2\n# machine: " + machine_id(fs) + "\n# complete: yes\n" +
                   "0000:00:06.0 1af4:1001 storage: / (ext4 on /dev/vda)\n"
                   "0000:00:04.0 1af4:1042 storage: /boot (ext4 on /dev/vdb)\n"); // 00:04.0 is the Radeon now
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
