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
              "needs; a group goes to a guest only whole: move the card to a slot whose IOMMU group holds nothing "
              "the host needs");
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
    CHECK(s.notes[0] == "/ (zfs on rpool/ROOT/pve-1): no disk of ZFS pool rpool in udev's database (/run/udev/data): "
                        "the pool's controllers are not known");

    TempDir chroot; // no mount at / at all
    mounts(chroot, "23 21 0:22 / /sys rw - sysfs sysfs rw\n");
    HostScan c = scan_host_needs(DiskFs(chroot.path()));
    CHECK(c.needs.empty());
    REQUIRE(c.notes.size() == 1);
    CHECK(c.notes[0] == "/ is no mount here (a chroot?) and /etc/fstab names none: the root disk is not known");
}

TEST_CASE("host needs: every fstab mount the boot waits for, on two NVMe drives of the same model") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:3d:00.0", 0x144d, 0xa808, 0x010802, 12, "nvme"})
        .add({"0000:3e:00.0", 0x144d, 0xa808, 0x010802, 13, "nvme"})
        .add({"0000:3f:00.0", 0x144d, 0xa808, 0x010802, 14, "nvme"})
        .add({"0000:40:00.0", 0x8086, 0xf1a8, 0x010802, 15, "nvme"});
    add_block(t.path(), "nvme0n1p2", "259:2", "pci0000:3c/0000:3d:00.0/nvme/nvme0/nvme0n1/nvme0n1p2");
    add_block(t.path(), "nvme1n1p1", "259:5", "pci0000:3c/0000:3e:00.0/nvme/nvme1/nvme1n1/nvme1n1p1");
    add_block(t.path(), "nvme2n1p1", "259:8", "pci0000:3c/0000:3f:00.0/nvme/nvme2/nvme2n1/nvme2n1p1");
    add_block(t.path(), "nvme3n1p1", "259:9", "pci0000:3c/0000:40:00.0/nvme/nvme3/nvme3n1/nvme3n1p1");
    make_symlink("../../nvme1n1p1", t / "dev/disk/by-uuid/5b1e-var");
    make_symlink("../../nvme2n1p1", t / "dev/disk/by-uuid/6c2f-data");
    make_symlink("../../nvme3n1p1", t / "dev/disk/by-label/scratch");
    mounts(t, "21 1 259:2 / / rw - ext4 /dev/nvme0n1p2 rw\n"
              "22 21 259:5 / /var rw - xfs /dev/nvme1n1p1 rw\n"
              "23 21 259:8 / /srv/data rw - ext4 /dev/nvme2n1p1 rw\n");
    write_file(t / "etc/fstab", "# <file system> <mount point> <type> <options> <dump> <pass>\n"
                                "/dev/nvme0n1p2 / ext4 errors=remount-ro 0 1\n"
                                "UUID=5b1e-var /var xfs defaults 0 2\n"
                                "UUID=6c2f-data /srv/data ext4 defaults,nofail 0 2\n" // not waited for
                                "LABEL=scratch /mnt/scratch ext4 noauto 0 0\n"
                                "tmpfs /tmp tmpfs defaults 0 0\n");
    HostScan s = scan_host_needs(DiskFs(t.path()));
    CHECK(needs_str(s) == "0000:3d:00.0 144d:a808 storage: / (ext4 on /dev/nvme0n1p2)\n"
                          "0000:3e:00.0 144d:a808 storage: /var (xfs on /dev/nvme1n1p1)\n");
    CHECK(s.notes.empty());
    // The config names the model by id: both the root's and /var's drive are refused, the third is claimed.
    DiskFs fs(t.path());
    auto devices = scan_pci_devices(fs);
    REQUIRE_OK(devices);
    auto c = parse_config("[ssd]\nid = 144d:a808\n", "t.ini");
    REQUIRE_OK(c);
    c->host_needs = needs_kept(fs, s);
    Plan p = make_plan(*c, *devices);
    REQUIRE(p.targets.size() == 1);
    CHECK(p.targets[0].device.address.str() == "0000:3f:00.0");
    CHECK(p.refused.size() == 2);
}

TEST_CASE("host needs: fstab and crypttab in a chroot, where nothing is mounted yet") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:06.0", 0x1af4, 0x1001, 0x010000, 3, "virtio-pci"})
        .add({"0000:00:07.0", 0x1af4, 0x1001, 0x010000, 4, "virtio-pci"})
        .add({"0000:00:08.0", 0x1af4, 0x1001, 0x010000, 5, "virtio-pci"});
    add_block(t.path(), "vda1", "254:1", "pci0000:00/0000:00:06.0/virtio2/block/vda/vda1");
    add_block(t.path(), "vdb1", "254:17", "pci0000:00/0000:00:07.0/virtio3/block/vdb/vdb1");
    add_block(t.path(), "vdc", "254:32", "pci0000:00/0000:00:08.0/virtio4/block/vdc");
    make_symlink("../../vda1", t / "dev/disk/by-uuid/root-uuid");
    make_symlink("../../vdb1", t / "dev/disk/by-partuuid/swap-part");
    make_symlink("../../vdc", t / "dev/disk/by-uuid/home-luks");
    mounts(t, "23 21 0:22 / /sys rw - sysfs sysfs rw\n");
    write_file(t / "etc/fstab", "UUID=root-uuid / ext4 defaults 0 1\n"
                                "PARTUUID=swap-part none swap sw 0 0\n"
                                "/dev/mapper/home /home ext4 defaults 0 2\n");
    write_file(t / "etc/crypttab", "# <target name> <source device> <key file> <options>\n"
                                   "home UUID=home-luks none luks,discard\n");
    HostScan s = scan_host_needs(DiskFs(t.path()));
    CHECK(needs_str(s) == "0000:00:06.0 1af4:1001 storage: / (ext4 on UUID=root-uuid, in /etc/fstab)\n"
                          "0000:00:07.0 1af4:1001 storage: swap (PARTUUID=swap-part, in /etc/fstab)\n"
                          "0000:00:08.0 1af4:1001 storage: crypttab home (UUID=home-luks)\n");
    // /home's /dev/mapper/home is not there until crypttab opens it: said, so the record is incomplete.
    REQUIRE(s.notes.size() == 1);
    CHECK(s.notes[0] == "/home (ext4 on /dev/mapper/home, in /etc/fstab): /dev/mapper/home is not here: its disk is "
                        "not known");
    CHECK_FALSE(host_record(s).complete);
}

TEST_CASE("host needs: a root on native NVMe multipath follows every controller of the subsystem") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:5e:00.0", 0x144d, 0xa824, 0x010802, 20, "nvme"})
        .add({"0000:5f:00.0", 0x144d, 0xa824, 0x010802, 21, "nvme"});
    const std::string ns = "virtual/nvme-subsystem/nvme-subsys0/nvme0n1";
    add_block(t.path(), "nvme0n1", "259:0", ns);
    add_block(t.path(), "nvme0n1p2", "259:2", ns + "/nvme0n1p2");
    make_symlink("../../../pci0000:5d/0000:5e:00.0/nvme/nvme0",
                 t / "sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0");
    make_symlink("../../../pci0000:5d/0000:5f:00.0/nvme/nvme1",
                 t / "sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme1");
    make_symlink("../../devices/virtual/nvme-subsystem/nvme-subsys0", t / "sys/class/nvme-subsystem/nvme-subsys0");
    mounts(t, "21 1 259:2 / / rw - ext4 /dev/nvme0n1p2 rw\n");
    HostScan s = scan_host_needs(DiskFs(t.path()));
    CHECK(needs_str(s) == "0000:5e:00.0 144d:a824 storage: / (ext4 on /dev/nvme0n1p2)\n"
                          "0000:5f:00.0 144d:a824 storage: / (ext4 on /dev/nvme0n1p2)\n");
    CHECK(s.notes.empty());
}

TEST_CASE("host needs: a ZFS root pool mirrored over two controllers, its disks from udev's database") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:17.0", 0x8086, 0xa352, 0x010601, 5, "ahci"})
        .add({"0000:05:00.0", 0x1b21, 0x0612, 0x010601, 6, "ahci"})
        .add({"0000:06:00.0", 0x1b21, 0x0612, 0x010601, 7, "ahci"});
    add_block(t.path(), "sda3", "8:3", "pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda3");
    add_block(t.path(), "sdb3", "8:19", "pci0000:00/0000:05:00.0/ata3/host2/target2:0:0/2:0:0:0/block/sdb/sdb3");
    add_block(t.path(), "sdc1", "8:33", "pci0000:00/0000:06:00.0/ata5/host4/target4:0:0/4:0:0:0/block/sdc/sdc1");
    // As udev writes them (blkid: TYPE=zfs_member, LABEL=<pool>); sdc1 belongs to another pool.
    write_file(t / "run/udev/data/b8:3", "S:disk/by-id/ata-X-part3\nE:ID_FS_LABEL=rpool\nE:ID_FS_LABEL_ENC=rpool\n"
                                         "E:ID_FS_TYPE=zfs_member\nE:ID_FS_USAGE=filesystem\n");
    write_file(t / "run/udev/data/b8:19", "E:ID_FS_LABEL=rpool\nE:ID_FS_TYPE=zfs_member\n");
    write_file(t / "run/udev/data/b8:33", "E:ID_FS_LABEL=tank\nE:ID_FS_TYPE=zfs_member\n");
    write_file(t / "run/udev/data/c189:1", "E:ID_FS_LABEL=rpool\nE:ID_FS_TYPE=zfs_member\n");
    mounts(t, "21 1 0:30 / / rw - zfs rpool/ROOT/pve-1 rw,xattr\n");
    HostScan s = scan_host_needs(DiskFs(t.path()));
    CHECK(needs_str(s) == "0000:05:00.0 1b21:0612 storage: / (zfs on rpool/ROOT/pve-1)\n" // b8:19 before b8:3
                          "0000:00:17.0 8086:a352 storage: / (zfs on rpool/ROOT/pve-1)\n");
    CHECK(s.notes.empty());
}

TEST_CASE("host needs: btrfs RAID1 over two disks, LVM over two PVs at /var, bcache's cache device") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:00:06.0", 0x1af4, 0x1001, 0x010000, 3, "virtio-pci"})
        .add({"0000:00:07.0", 0x1af4, 0x1001, 0x010000, 4, "virtio-pci"})
        .add({"0000:00:08.0", 0x1af4, 0x1001, 0x010000, 5, "virtio-pci"})
        .add({"0000:00:09.0", 0x1af4, 0x1001, 0x010000, 6, "virtio-pci"})
        .add({"0000:00:0a.0", 0x1af4, 0x1001, 0x010000, 7, "virtio-pci"})
        .add({"0000:00:0b.0", 0x1af4, 0x1001, 0x010000, 8, "virtio-pci"});
    add_block(t.path(), "vda2", "254:2", "pci0000:00/0000:00:06.0/virtio2/block/vda/vda2");
    add_block(t.path(), "vdb2", "254:18", "pci0000:00/0000:00:07.0/virtio3/block/vdb/vdb2");
    make_symlink("../../../../devices/pci0000:00/0000:00:06.0/virtio2/block/vda/vda2",
                 t / "sys/fs/btrfs/8a0c-fsid/devices/vda2");
    make_symlink("../../../../devices/pci0000:00/0000:00:07.0/virtio3/block/vdb/vdb2",
                 t / "sys/fs/btrfs/8a0c-fsid/devices/vdb2");
    // /var: LVM over PVs on two disks
    add_block(t.path(), "vdc", "254:32", "pci0000:00/0000:00:08.0/virtio4/block/vdc");
    add_block(t.path(), "vdd", "254:48", "pci0000:00/0000:00:09.0/virtio5/block/vdd");
    add_block(t.path(), "dm-0", "253:0", "virtual/block/dm-0", {"vdc", "vdd"});
    make_symlink("../dm-0", t / "dev/mapper/data-var");
    // /srv: bcache, backing vde on 0a.0, cache vdf on 0b.0
    add_block(t.path(), "vde", "254:64", "pci0000:00/0000:00:0a.0/virtio6/block/vde");
    add_block(t.path(), "vdf", "254:80", "pci0000:00/0000:00:0b.0/virtio7/block/vdf");
    add_block(t.path(), "bcache0", "252:0", "virtual/block/bcache0", {"vde"});
    make_symlink("../../../devices/pci0000:00/0000:00:0a.0/virtio6/block/vde/bcache", t / "sys/fs/bcache/c0ffee/bdev0");
    make_symlink("../../../devices/pci0000:00/0000:00:0b.0/virtio7/block/vdf/bcache",
                 t / "sys/fs/bcache/c0ffee/cache0");
    mounts(t, "21 1 0:31 /@ / rw - btrfs /dev/vda2 rw,space_cache=v2,subvolid=256,subvol=/@\n"
              "22 21 253:0 / /var rw - ext4 /dev/mapper/data-var rw\n"
              "23 21 252:0 / /srv rw - ext4 /dev/bcache0 rw\n");
    write_file(t / "etc/fstab", "UUID=8a0c-fsid / btrfs subvol=@ 0 0\n"
                                "/dev/mapper/data-var /var ext4 defaults 0 2\n"
                                "/dev/bcache0 /srv ext4 defaults 0 2\n");
    HostScan s = scan_host_needs(DiskFs(t.path()));
    CHECK(needs_str(s) == "0000:00:06.0 1af4:1001 storage: / (btrfs on /dev/vda2)\n"
                          "0000:00:07.0 1af4:1001 storage: / (btrfs on /dev/vda2)\n"
                          "0000:00:08.0 1af4:1001 storage: /var (ext4 on /dev/mapper/data-var)\n"
                          "0000:00:09.0 1af4:1001 storage: /var (ext4 on /dev/mapper/data-var)\n"
                          "0000:00:0a.0 1af4:1001 storage: /srv (ext4 on /dev/bcache0)\n"
                          "0000:00:0b.0 1af4:1001 storage: /srv (ext4 on /dev/bcache0)\n");
    CHECK(s.notes.empty());
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
    auto back = parse_host_record(format_host_record({s.needs, true, true, "", "dmi=none storage=0"}), "host-devices");
    REQUIRE_OK(back);
    REQUIRE(back->needs.size() == 1);
    CHECK(back->needs[0].address.str() == "10000:e1:00.0");
}
