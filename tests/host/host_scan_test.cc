#include <doctest/doctest.h>

#include "boot/config.h"
#include "boot/pci.h"
#include "boot/plan.h"
#include "host/host_scan.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

namespace {

std::string needs_str(const HostScan& s) {
    std::string out;
    for (const auto& n : s.needs) out += n.address.str() + " " + n.id + " " + n.kind + ": " + n.what + "\n";
    return out;
}

void mounts(const TempDir& t, const std::string& mountinfo) { write_file(t / "proc/self/mountinfo", mountinfo); }

} // namespace

TEST_CASE("host needs: / on LVM on dm-crypt on NVMe, /boot on the same disk, swap on LVM") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:1d.0", 0x8086, 0xa330, 0x060400, 9, "pcieport"})
        .add({"0000:3d:00.0", 0x144d, 0xa808, 0x010802, 12, "nvme"})
        .add({"0000:01:00.0", 0x1002, 0x6818, 0x030000, 1, "radeon"});
    const std::string nvme = "pci0000:00/0000:3d:00.0/nvme/nvme0/nvme0n1";
    add_block(t.path(), "nvme0n1", "259:0", nvme);
    add_block(t.path(), "nvme0n1p1", "259:1", nvme + "/nvme0n1p1");
    add_block(t.path(), "nvme0n1p2", "259:2", nvme + "/nvme0n1p2");
    add_block(t.path(), "dm-0", "254:0", "virtual/block/dm-0", {"nvme0n1p2"}); // LUKS
    add_block(t.path(), "dm-1", "254:1", "virtual/block/dm-1", {"dm-0"});      // vg-root
    add_block(t.path(), "dm-2", "254:2", "virtual/block/dm-2", {"dm-0"});      // vg-swap
    make_symlink("../dm-2", t / "dev/mapper/vg-swap");
    mounts(t, "21 1 254:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw\n"
              "22 21 259:1 / /boot rw,relatime shared:2 - ext2 /dev/nvme0n1p1 rw\n"
              "23 21 0:22 / /sys rw - sysfs sysfs rw\n");
    write_file(t / "proc/swaps",
               "Filename\tType\tSize\tUsed\tPriority\n/dev/mapper/vg-swap  partition\t8388604\t0\t-2\n");
    HostScan s = scan_host_needs(DiskFs(t.path()));
    CHECK(needs_str(s) == "0000:3d:00.0 144d:a808 storage: / (ext4 on /dev/mapper/vg-root)\n");
    CHECK(s.notes.empty());
    REQUIRE(s.needs.size() == 1);
    CHECK(s.needs[0].iommu_group == 12);
}

TEST_CASE("host needs: md RAID1 over two controllers, resume on a third disk") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:17.0", 0x8086, 0xa352, 0x010601, 5, "ahci"})
        .add({"0000:05:00.0", 0x1b21, 0x0612, 0x010601, 6, "ahci"})
        .add({"0000:06:00.0", 0x1000, 0x0097, 0x010700, 7, "mpt3sas"});
    add_block(t.path(), "sda", "8:0", "pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda");
    add_block(t.path(), "sda1", "8:1", "pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1");
    add_block(t.path(), "sdb", "8:16", "pci0000:00/0000:05:00.0/ata3/host2/target2:0:0/2:0:0:0/block/sdb");
    add_block(t.path(), "sdb1", "8:17", "pci0000:00/0000:05:00.0/ata3/host2/target2:0:0/2:0:0:0/block/sdb/sdb1");
    add_block(t.path(), "md0", "9:0", "virtual/block/md0", {"sda1", "sdb1"});
    add_block(t.path(), "sdc2", "8:34", "pci0000:00/0000:06:00.0/host4/target4:0:0/4:0:0:0/block/sdc/sdc2");
    mounts(t, "21 1 9:0 / / rw - ext4 /dev/md0 rw\n");
    write_file(t / "sys/power/resume", "8:34\n");
    HostScan s = scan_host_needs(DiskFs(t.path()));
    CHECK(needs_str(s) == "0000:00:17.0 8086:a352 storage: / (ext4 on /dev/md0)\n"
                          "0000:05:00.0 1b21:0612 storage: / (ext4 on /dev/md0)\n"
                          "0000:06:00.0 1000:0097 storage: resume (8:34)\n");
}

TEST_CASE("host needs: an NFS root over a bridge, the route to its server") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:02:00.0", 0x8086, 0x1533, 0x020000, 3, "igb"})
        .add({"0000:03:00.0", 0x8086, 0x1533, 0x020000, 4, "igb"});
    add_netdev(t.path(), "enp2s0", "pci0000:00/0000:02:00.0/net/enp2s0");
    add_netdev(t.path(), "enp3s0", "pci0000:00/0000:03:00.0/net/enp3s0");
    add_netdev(t.path(), "br0", "virtual/net/br0", {"enp3s0"});
    mounts(t, "21 1 0:40 / / rw - nfs4 10.1.0.2:/srv/root rw,vers=4.2,addr=10.1.0.2,clientaddr=10.1.0.77\n");
    // 10.1.0.0/16 via br0 (enp3s0), the default via enp2s0.
    write_file(t / "proc/net/route",
               "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
               "enp2s0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
               "br0\t0000010A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n");
    HostScan s = scan_host_needs(DiskFs(t.path()));
    CHECK(needs_str(s) == "0000:03:00.0 8086:1533 network: / (nfs4 on 10.1.0.2:/srv/root) via br0\n");
}

TEST_CASE("host needs: a root disk sharing the GPU's IOMMU group keeps the GPU too, unless allowed") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:02.0", 0x8086, 0x3e92, 0x030000, 0, "i915", true})
        .add({"0000:03:00.0", 0x1002, 0x67df, 0x030000, 7, "amdgpu"})
        .add({"0000:04:00.0", 0x1b21, 0x0612, 0x010601, 7, "ahci"});
    add_block(t.path(), "sda2", "8:2", "pci0000:00/0000:04:00.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda2");
    mounts(t, "21 1 8:2 / / rw - xfs /dev/sda2 rw\n");
    DiskFs fs(t.path());
    HostScan s = scan_host_needs(fs);
    REQUIRE(s.needs.size() == 1);
    CHECK(s.needs[0].address.str() == "0000:04:00.0");
    auto devices = scan_pci_devices(fs);
    REQUIRE_OK(devices);
    for (const char* allow : {"", "allow_host_device = yes\n"}) {
        CAPTURE(allow);
        auto c = parse_config(std::string("[gpu]\naddress = 03:00.0\nid = 1002:67df\n") + allow, "t.ini");
        REQUIRE_OK(c);
        c->host_needs = s.needs;
        Plan p = make_plan(*c, *devices);
        if (*allow) {
            CHECK(p.refused.empty());
            CHECK(p.targets.size() == 1);
            continue;
        }
        REQUIRE(p.refused.size() == 1);
        CHECK(p.refused[0].reason ==
              "1002:67df shares IOMMU group 7 with 0000:04:00.0 (storage: / (xfs on /dev/sda2)), which the host "
              "needs; if that is meant, set 'allow_host_device = yes' in the entry");
    }
}

TEST_CASE("host needs: the console framebuffer's GPU; what cannot be followed is said") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:02.0", 0x8086, 0x3e92, 0x030000, 0, "i915", true});
    make_symlink("../../../0000:00:02.0", t / "sys/devices/pci0000:00/0000:00:02.0/graphics/fb0/device");
    make_symlink("../../devices/pci0000:00/0000:00:02.0/graphics/fb0", t / "sys/class/graphics/fb0");
    mounts(t, "21 1 0:30 / / rw - zfs rpool/ROOT/pve-1 rw,xattr\n"
              "22 21 7:0 / /usr rw - squashfs /dev/loop0 ro\n");
    add_block(t.path(), "loop0", "7:0", "virtual/block/loop0");
    HostScan s = scan_host_needs(DiskFs(t.path()));
    CHECK(needs_str(s) == "0000:00:02.0 8086:3e92 console: framebuffer console fb0\n");
    REQUIRE(s.notes.size() == 1);
    CHECK(s.notes[0].find("/ (zfs on rpool/ROOT/pve-1): the disks of a ZFS pool are not followed") == 0);

    TempDir chroot; // no mount at / at all
    mounts(chroot, "23 21 0:22 / /sys rw - sysfs sysfs rw\n");
    HostScan c = scan_host_needs(DiskFs(chroot.path()));
    CHECK(c.needs.empty());
    REQUIRE(c.notes.size() == 1);
    CHECK(c.notes[0] == "/ is no mount here (a chroot?): the root disk is not known");
}

TEST_CASE("host needs: a root disk behind Intel VMD is recorded as the disk in domain 10000, not the VMD") {
    TempDir t;
    vmd_laptop(t.path());
    mounts(t, "21 1 259:2 / / rw - ext4 /dev/nvme0n1p2 rw\n");
    DiskFs fs(t.path());
    HostScan s = scan_host_needs(fs);
    CHECK(needs_str(s) == "10000:e1:00.0 144d:a808 storage: / (ext4 on /dev/nvme0n1p2)\n");
    CHECK(s.notes.empty());
    // The record is read back as written.
    auto back = parse_host_needs(format_host_needs(s.needs), "host-devices");
    REQUIRE_OK(back);
    REQUIRE(back->size() == 1);
    CHECK((*back)[0].address.str() == "10000:e1:00.0");
}
