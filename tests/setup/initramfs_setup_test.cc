#include <doctest/doctest.h>

#include <filesystem>

#include "generator/mkinitcpio.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"
#include "setup/initramfs_setup.h"

using namespace vb;
using namespace vbtest;

namespace {

// Arch as mkinitcpio 39.2 installs it, with vfio-bind's package.
void arch(const TempDir& t) {
    write_file(t / "usr/bin/mkinitcpio", "#!/bin/bash\n");
    write_file(t / "usr/share/libalpm/hooks/90-mkinitcpio-install.hook", "[Trigger]\n");
    write_file(t / "usr/lib/initcpio/install/vfio-bind", "build() { :; }\n");
    write_file(
        t / "etc/mkinitcpio.conf",
        "MODULES=()\nBINARIES=()\nFILES=()\n"
        "HOOKS=(base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck)\n");
}

} // namespace

TEST_CASE("initramfs: mkinitcpio enable writes the drop-in, again changes nothing, disable deletes it") {
    TempDir t;
    arch(t);
    DiskFs fs(t.path());
    auto before = initramfs_status(fs);
    REQUIRE(before.generator);
    CHECK(before.generator->generator == Generator::Mkinitcpio);
    CHECK(before.integration_installed);
    CHECK_FALSE(before.runs_vfio_bind);
    CHECK(before.rebuild_all == Command{"mkinitcpio", "-P"});

    auto on = plan_initramfs_enable(fs);
    REQUIRE_OK(on);
    CHECK(on->path == kMkinitcpioDropIn);
    CHECK(on->after == mkinitcpio_drop_in_text());
    REQUIRE(!on->notes.empty());
    CHECK(on->notes[0] == "HOOKS will be: base vfio-bind udev autodetect microcode modconf kms keyboard keymap "
                          "consolefont block filesystems fsck");
    REQUIRE_OK(apply_initramfs_change(fs, *on));
    CHECK(read_file(t / kMkinitcpioDropIn) == mkinitcpio_drop_in_text());
    CHECK(initramfs_status(fs).runs_vfio_bind);

    auto again = plan_initramfs_enable(fs);
    REQUIRE_OK(again);
    CHECK(again->empty());

    auto off = plan_initramfs_disable(fs);
    REQUIRE_OK(off);
    CHECK(off->remove);
    REQUIRE_OK(apply_initramfs_change(fs, *off));
    CHECK_FALSE(std::filesystem::exists(t / kMkinitcpioDropIn));
    CHECK_FALSE(initramfs_status(fs).runs_vfio_bind);
}

TEST_CASE("initramfs: a drop-in of that name that is not ours is neither overwritten nor deleted") {
    TempDir t;
    arch(t);
    write_file(t / kMkinitcpioDropIn, "# mine\nCOMPRESSION=zstd\n");
    DiskFs fs(t.path());
    auto on = plan_initramfs_enable(fs);
    REQUIRE_FALSE(on.ok());
    CHECK(on.error().message.find("exists but is not ours") != std::string::npos);
    auto off = plan_initramfs_disable(fs);
    REQUIRE_FALSE(off.ok());
    CHECK(off.error().message.find("was changed since enable wrote it") != std::string::npos);
    CHECK(read_file(t / kMkinitcpioDropIn) == "# mine\nCOMPRESSION=zstd\n");
}

TEST_CASE("initramfs: dracut and initramfs-tools need no step; a preset with its own config is warned about") {
    TempDir deb;
    write_file(deb / "etc/kernel/postinst.d/initramfs-tools", "");
    write_file(deb / "usr/sbin/update-initramfs", "");
    write_file(deb / "usr/share/initramfs-tools/hooks/vfio-bind", "");
    DiskFs fs(deb.path());
    auto on = plan_initramfs_enable(fs);
    REQUIRE_OK(on);
    CHECK(on->empty());
    REQUIRE(on->notes.size() == 1);
    CHECK(on->notes[0].find("initramfs-tools (/etc/kernel/postinst.d/initramfs-tools runs at every kernel install): "
                            "nothing to turn on") == 0);
    auto st = initramfs_status(fs);
    CHECK(st.runs_vfio_bind);
    CHECK(st.rebuild_all == Command{"update-initramfs", "-u", "-k", "all"});

    TempDir t;
    arch(t);
    write_file(t / "etc/mkinitcpio.d/linux.preset", "ALL_config=\"/etc/mkinitcpio.conf\"\nPRESETS=('default')\n");
    auto warned = plan_initramfs_enable(DiskFs(t.path()));
    REQUIRE_OK(warned);
    CHECK(warned->notes.back().find("warning: /etc/mkinitcpio.d/linux.preset (ALL_config=/etc/mkinitcpio.conf)") == 0);
}

TEST_CASE("initramfs: every printed rebuild is the machine's own generator's") {
    TempDir deb;
    write_file(deb / "etc/kernel/postinst.d/initramfs-tools", "");
    write_file(deb / "usr/sbin/update-initramfs", "");
    write_file(deb / "usr/share/initramfs-tools/hooks/vfio-bind", "");
    CHECK(rebuild_advice(DiskFs(deb.path())) == "update-initramfs -u -k all");

    TempDir fedora;
    write_file(fedora / "usr/lib/kernel/install.d/50-dracut.install", "");
    write_file(fedora / "usr/bin/dracut", "");
    write_file(fedora / "usr/lib/dracut/modules.d/90vfio-bind/module-setup.sh", "");
    CHECK(rebuild_advice(DiskFs(fedora.path())) == "dracut --regenerate-all -f");

    // Arch: the images run vfio-bind only once the drop-in is there.
    TempDir t;
    arch(t);
    DiskFs fs(t.path());
    CHECK(rebuild_advice(fs) == "vfio-setup initramfs enable, then mkinitcpio -P");
    auto on = plan_initramfs_enable(fs);
    REQUIRE_OK(on);
    REQUIRE_OK(apply_initramfs_change(fs, *on));
    CHECK(rebuild_advice(fs) == "mkinitcpio -P");

    TempDir none;
    CHECK(rebuild_advice(DiskFs(none.path())).find("none found here") != std::string::npos);
}
