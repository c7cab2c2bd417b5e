#include <doctest/doctest.h>

#include "generator/generator.h"
#include "lib/fixture.h"

using namespace vb;
using namespace vbtest;

TEST_CASE("generator: the one the kernel hooks run decides, whatever else is installed") {
    TempDir deb;
    write_file(deb / "usr/sbin/dracut", ""); // dracut-core beside initramfs-tools
    write_file(deb / "usr/sbin/update-initramfs", "");
    write_file(deb / "etc/kernel/postinst.d/initramfs-tools", "");
    auto g = machine_generator(DiskFs(deb.path()));
    REQUIRE(g);
    CHECK(g->generator == Generator::InitramfsTools);
    CHECK(g->why == "/etc/kernel/postinst.d/initramfs-tools runs at every kernel install");

    TempDir debdracut; // Debian's dracut package replaces initramfs-tools
    write_file(debdracut / "usr/bin/dracut", "");
    write_file(debdracut / "etc/kernel/postinst.d/dracut", "");
    // initramfs-tools removed, not purged: its conffile, a no-op, stays.
    write_file(debdracut / "etc/kernel/postinst.d/initramfs-tools", "");
    g = machine_generator(DiskFs(debdracut.path()));
    REQUIRE(g);
    CHECK(g->generator == Generator::Dracut);
    CHECK(g->why == "/etc/kernel/postinst.d/dracut runs at every kernel install");

    TempDir arch;
    write_file(arch / "usr/bin/mkinitcpio", "");
    write_file(arch / "usr/share/libalpm/hooks/90-mkinitcpio-install.hook", "");
    CHECK(machine_generator(DiskFs(arch.path()))->generator == Generator::Mkinitcpio);

    TempDir fedora;
    write_file(fedora / "usr/bin/dracut", "");
    write_file(fedora / "usr/lib/kernel/install.d/50-dracut.install", "");
    CHECK(machine_generator(DiskFs(fedora.path()))->generator == Generator::Dracut);

    TempDir none;
    CHECK_FALSE(machine_generator(DiskFs(none.path())));
}

TEST_CASE("generator: each rebuilds with its own command") {
    TempDir t;
    write_file(t / "etc/mkinitcpio.d/linux.preset",
               "PRESETS=('default')\ndefault_image=\"/boot/initramfs-linux.img\"\n");
    DiskFs fs(t.path());
    const std::string V = "6.1.0-56-amd64";
    CHECK(generator_rebuild_command(fs, Generator::InitramfsTools, "/boot/initrd.img-" + V, V, false, false) ==
          Command{"update-initramfs", "-u", "-k", V});
    CHECK(generator_rebuild_command(fs, Generator::Mkinitcpio, "/boot/initramfs-linux.img", "6.6.1-arch1-1", false,
                                    false) == Command{"mkinitcpio", "-p", "linux"});
    CHECK(generator_rebuild_command(fs, Generator::Mkinitcpio, "/boot/custom.img", "6.6.1-arch1-1", false, false) ==
          Command{"mkinitcpio", "-k", "6.6.1-arch1-1", "-g", "/boot/custom.img"});
    CHECK(generator_rebuild_command(fs, Generator::Dracut, "/boot/initrd.img-" + V, V, false, true) ==
          Command{"dracut", "-f", "--kver", V});
    CHECK(generator_rebuild_command(fs, Generator::Dracut, "/efi/EFI/Linux/x.efi", V, true, false) ==
          Command{"dracut", "-f", "--uefi", "/efi/EFI/Linux/x.efi", V});
}

TEST_CASE("generator: a UKI is rebuilt by the tool that makes it here") {
    TempDir none;
    CHECK_FALSE(uki_builder_command(DiskFs(none.path()), "6.8.1").has_value());

    TempDir ki; // kernel-install with layout=uki (ukify or dracut behind it, signing as set up)
    write_file(ki / "etc/kernel/install.conf", "# uki\nlayout=uki\nuki_generator=ukify\n");
    write_file(ki / "usr/lib/modules/6.8.1/vmlinuz", "");
    CHECK(uki_builder_command(DiskFs(ki.path()), "6.8.1") ==
          Command{"kernel-install", "add", "6.8.1", "/usr/lib/modules/6.8.1/vmlinuz"});
    // /etc's install.conf wins over /usr/lib's, as kernel-install reads them.
    TempDir etc;
    write_file(etc / "etc/kernel/install.conf", "layout=bls\n");
    write_file(etc / "usr/lib/kernel/install.conf", "layout=uki\n");
    CHECK_FALSE(uki_builder_command(DiskFs(etc.path()), "6.8.1").has_value());

    TempDir sb; // sbctl's signed bundles
    write_file(sb / "usr/share/secureboot/bundles.db", "{}");
    CHECK(uki_builder_command(DiskFs(sb.path()), "6.8.1") == Command{"sbctl", "generate-bundles", "--sign"});
}
