#include <doctest/doctest.h>

#include "boot/boot_options.h"
#include "lib/fixture.h"

using namespace vb;

TEST_CASE("boot options: vfio_bind=off in either spelling, nothing else switches it off") {
    CHECK(parse_boot_options("BOOT_IMAGE=/vmlinuz root=/dev/sda1 vfio_bind=off\n").off);
    CHECK(parse_boot_options("vfio-bind=off quiet").off);
    CHECK_FALSE(parse_boot_options("vfio_bind=on quiet").off);
    CHECK_FALSE(parse_boot_options("vfio_bind_off quiet novfio_bind=off").off);
    CHECK_FALSE(parse_boot_options("acpi_osi=\"vfio_bind=off\" quiet").off); // inside another's quoted value
    CHECK_FALSE(parse_boot_options("").off);
}

TEST_CASE("boot options: read from the root's /proc/cmdline; unreadable is nothing set") {
    vbtest::TempDir t;
    CHECK_FALSE(read_boot_options(DiskFs(t.path())).off);
    vbtest::write_file(t / "proc/cmdline", "root=/dev/vda vfio_bind=off\n");
    CHECK(read_boot_options(DiskFs(t.path())).off);
}

TEST_CASE("boot options: an initramfs of any of the three generators is known as one") {
    vbtest::TempDir real, systemd, tools;
    CHECK_FALSE(in_initramfs(DiskFs(real.path())));
    vbtest::write_file(systemd / "etc/initrd-release", "NAME=dracut\n"); // dracut, mkinitcpio (a link to os-release)
    CHECK(in_initramfs(DiskFs(systemd.path())));
    vbtest::write_file(tools / "conf/initramfs.conf", "MODULES=most\n"); // initramfs-tools
    CHECK(in_initramfs(DiskFs(tools.path())));
}

TEST_CASE("boot options: a root over the network") {
    for (const char* c :
         {"root=/dev/nfs nfsroot=10.0.0.1:/srv/root", "ip=dhcp root=/dev/vda1", "netroot=iscsi:10.0.0.1::::iqn.x",
          "root=nbd:10.0.0.1:root", "boot=nfs", "rd.iscsi.initiator=iqn.x", "root=\"nfs:10.0.0.1:/r\""}) {
        CAPTURE(c);
        CHECK(parse_boot_options(c).network_root);
    }
    for (const char* c : {"root=/dev/vda1 ro quiet", "ip=off root=UUID=x", "root=/dev/nvme0n1p2 nfsrootx=1"}) {
        CAPTURE(c);
        CHECK_FALSE(parse_boot_options(c).network_root);
    }
}
