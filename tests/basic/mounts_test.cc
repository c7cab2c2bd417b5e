#include <doctest/doctest.h>

#include "basic/mounts.h"

using namespace vb;

TEST_CASE("mounts: mountinfo fields, octal escapes, the mount that holds a path") {
    auto m = parse_mountinfo("21 1 254:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw\n"
                             "22 21 259:1 / /boot rw shared:2 - vfat /dev/nvme0n1p1 rw,fmask=0077\n"
                             "23 21 0:40 / /mnt/my\\040disk rw - ext4 /dev/sdb1 rw\n"
                             "24 21 0:41 / /mnt/odd\\9ab rw - tmpfs tmp\\134fs rw\n"
                             "not a mountinfo line\n"
                             "25 21 259:1 / /boot rw - vfat /dev/nvme0n1p1 rw\n");
    REQUIRE(m.size() == 5);
    CHECK(m[0].dev == "254:1");
    CHECK(m[0].fstype == "ext4");
    CHECK(m[0].source == "/dev/mapper/vg-root");
    CHECK(m[1].options == "rw,fmask=0077");
    CHECK(m[2].point == "/mnt/my disk");
    // \9 is no octal escape: kept as written (and no exception in vfio-bind, built without them).
    CHECK(m[3].point == "/mnt/odd\\9ab");
    CHECK(m[3].source == "tmp\\fs");
    CHECK(find_mount(m, "/boot") == &m[4]); // the later mount over the same point
    CHECK(find_mount(m, "/usr") == nullptr);
    CHECK(mount_of(m, "/boot/grub") == &m[4]);
    CHECK(mount_of(m, "/bootx") == &m[0]);
    CHECK(mount_of(m, "/mnt/my disk/x") == &m[2]);
}

TEST_CASE("mounts: swap areas, partitions and files") {
    auto s = parse_swaps("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                         "/dev/dm-1                               partition\t8388604\t\t0\t\t-2\n"
                         "/swap\\040file\tfile\t\t1048572\t\t0\t\t-3\n");
    REQUIRE(s.size() == 2);
    CHECK(s[0].name == "/dev/dm-1");
    CHECK_FALSE(s[0].file);
    CHECK(s[1].name == "/swap file");
    CHECK(s[1].file);
}
