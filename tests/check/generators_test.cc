// vfio-initrd-check on images of every generator, laid out as the real ones
// are (checked against images made by mkinitramfs and mkinitcpio in the VM
// tests), and on the machine's own generator: its integration, and every fix
// made with it.
#include <doctest/doctest.h>

#include "generator/mkinitcpio.h"
#include "lib/initrd_machine.h"
#include "lib/require_ok.h"

using namespace vbtest;
using vb::Severity;

namespace {

// The modules, the config and the snippet: the same in every generator's image.
std::vector<CpioFile> common(const std::string& binary = "usr/sbin/vfio-bind") {
    std::vector<CpioFile> files;
    for (const auto& f : good_files())
        if (f.name.find("systemd") == std::string::npos && f.name.find("dracut") == std::string::npos &&
            f.name != "usr/sbin/vfio-bind")
            files.push_back(f);
    files.push_back({binary, "binary", 0100755});
    return files;
}

std::string order(const std::vector<std::string>& scripts) {
    std::string o;
    for (const auto& s : scripts)
        o += "/scripts/init-top/" + s + " \"$@\"\n[ -e /conf/param.conf ] && . /conf/param.conf\n";
    return o;
}

// What mkinitramfs makes with our hook and boot script.
std::vector<CpioFile> initramfs_tools_files(const std::vector<std::string>& init_top) {
    auto files = common();
    files.push_back({"conf/initramfs.conf", "MODULES=dep\n"});
    files.push_back({"scripts/init-top/00-vfio-bind", "#!/bin/sh\n", 0100755});
    files.push_back({"scripts/init-top/ORDER", order(init_top)});
    files.push_back({"scripts/init-top/udev", "#!/bin/sh -e\n", 0100755});
    return sorted(files);
}

// What mkinitcpio makes with HOOKS=(base vfio-bind udev ...).
std::vector<CpioFile> mkinitcpio_files(const std::string& early) {
    auto files = common("usr/bin/vfio-bind");
    files.push_back({"buildconfig", "HOOKS=(base vfio-bind udev)\n"});
    files.push_back({"config", "MODULES=\"radeon\"\nEARLYHOOKS=\"" + early + "\"\nHOOKS=\"udev\"\nLATEHOOKS=\"\"\n"});
    files.push_back({"hooks/udev", "#!/usr/bin/ash\n"});
    files.push_back({"hooks/vfio-bind", "#!/usr/bin/ash\n"});
    files.push_back({"init", "#!/usr/bin/ash\n", 0100755});
    files.push_back({"init_functions", "#!/usr/bin/ash\n"});
    return sorted(files);
}

// Debian with initramfs-tools, as the installer leaves it, and vfio-bind's package.
void initramfs_tools_machine(Machine& m) {
    write_file(m.dir / "etc/kernel/postinst.d/initramfs-tools", "#!/bin/sh\n");
    write_file(m.dir / "usr/sbin/update-initramfs", "#!/bin/sh\n");
    write_file(m.dir / "usr/share/initramfs-tools/hooks/vfio-bind", "#!/bin/sh\n");
}

// Arch: kernel "linux" with its preset; vfio-bind's package; mkinitcpio's stock HOOKS.
void arch_machine(Machine& m) {
    write_file(m.dir / "usr/bin/mkinitcpio", "#!/bin/bash\n");
    write_file(m.dir / "usr/share/libalpm/hooks/90-mkinitcpio-install.hook", "[Trigger]\n");
    write_file(m.dir / "usr/lib/initcpio/install/vfio-bind", "build() { :; }\n");
    write_file(m.dir / "etc/mkinitcpio.conf", "HOOKS=(base udev autodetect modconf block filesystems fsck)\n");
    write_file(m.dir / "etc/mkinitcpio.d/linux.preset",
               "PRESETS=('default')\ndefault_image=\"/boot/initramfs-linux.img\"\n");
    write_file(m.dir / ("lib/modules/" + V + "/pkgbase"), "linux\n");
}

std::vector<vb::Finding> of(const vb::CheckReport& r, Severity s) {
    std::vector<vb::Finding> out;
    for (const auto& f : r.findings)
        if (f.severity == s) out.push_back(f);
    return out;
}

} // namespace

TEST_CASE("initramfs-tools: our boot script before udev's is all good; the image says who made it") {
    Machine m;
    initramfs_tools_machine(m);
    m.image("boot/initrd.img-" + V, image_of(initramfs_tools_files({"00-vfio-bind", "all_generic_ide", "udev"})));
    auto r = m.check();
    CHECK(problems(r).empty());
    REQUIRE(r.kernels.size() == 1);
    CHECK(r.kernels[0].images[0].generator == "initramfs-tools");
}

TEST_CASE("initramfs-tools: each way to miss the claim is named, and fixed with update-initramfs") {
    SUBCASE("the script runs after udev's coldplug") {
        Machine m;
        initramfs_tools_machine(m);
        m.image("boot/initrd.img-" + V, image_of(initramfs_tools_files({"all_generic_ide", "udev", "00-vfio-bind"})));
        auto p = problems(m.check());
        REQUIRE(p.size() == 1);
        CHECK(p[0] ==
              "problem: " + V + ": /boot/initrd.img-" + V +
                  " runs vfio-bind after udev's coldplug (/scripts/init-top/ORDER) -- fix: update-initramfs -u -k " +
                  V);
    }
    SUBCASE("an image made without our hook") {
        Machine m;
        initramfs_tools_machine(m);
        std::vector<CpioFile> files = {{"conf/initramfs.conf", "MODULES=most\n"},
                                       {"scripts/init-top/ORDER", order({"udev"})}};
        m.image("boot/initrd.img-" + V, image_of(files, vb::Compression::gzip));
        auto r = m.check();
        auto p = problems(r);
        CHECK(any_contains(p, "was built without the vfio-bind initramfs-tools hook: nothing will claim the devices"));
        REQUIRE(r.rebuild_commands().size() == 1);
        CHECK(r.rebuild_commands()[0] == std::vector<std::string>{"update-initramfs", "-u", "-k", V});
    }
    SUBCASE("our hook is not installed on this machine") {
        Machine m;
        initramfs_tools_machine(m);
        std::filesystem::remove(m.dir / "usr/share/initramfs-tools/hooks/vfio-bind");
        m.image("boot/initrd.img-" + V, image_of(initramfs_tools_files({"00-vfio-bind", "udev"})));
        CHECK(any_contains(problems(m.check()),
                           "this machine builds its images with initramfs-tools (/etc/kernel/postinst.d/"
                           "initramfs-tools runs at every kernel install), but vfio-bind's integration for it is "
                           "not installed (/usr/share/initramfs-tools/hooks/vfio-bind)"));
    }
}

TEST_CASE("a dracut image on a machine that rebuilds with initramfs-tools: said, and fixed with the machine's own") {
    Machine m;
    initramfs_tools_machine(m);
    m.image("boot/initrd.img-" + V, image_of(good_files()));
    write_file(m.dir / "etc/vfio-devices.ini", kConfig + "\n[more]\nid = 10de:1b80\n"); // and it is stale
    auto r = m.check();
    bool warned = false;
    for (const auto& w : of(r, Severity::warning))
        warned = warned || w.what == "/boot/initrd.img-" + V +
                                         " was made by dracut, but this machine rebuilds its images with "
                                         "initramfs-tools (/etc/kernel/postinst.d/initramfs-tools runs at every "
                                         "kernel install): the next rebuild replaces it";
    CHECK(warned);
    REQUIRE(r.rebuild_commands().size() == 1);
    CHECK(r.rebuild_commands()[0] == std::vector<std::string>{"update-initramfs", "-u", "-k", V}); // never dracut
}

TEST_CASE("mkinitcpio: Arch's images by preset, vfio-bind among the early hooks before udev") {
    Machine m;
    arch_machine(m);
    write_file(m.dir / vb::kMkinitcpioDropIn, vb::mkinitcpio_drop_in_text());
    m.image("boot/initramfs-linux.img", image_of(mkinitcpio_files("vfio-bind udev")));
    auto r = m.check();
    CHECK(problems(r).empty());
    REQUIRE(r.kernels.size() == 1);
    REQUIRE(r.kernels[0].images.size() == 1);
    CHECK(r.kernels[0].images[0].location.path == "/boot/initramfs-linux.img");
    CHECK(r.kernels[0].images[0].generator == "mkinitcpio");
}

TEST_CASE("mkinitcpio: HOOKS without vfio-bind, on the machine and in the image; the fix is its own") {
    Machine m;
    arch_machine(m);
    std::vector<CpioFile> files;
    for (const auto& f : mkinitcpio_files("udev"))
        if (f.name.find("vfio") == std::string::npos) files.push_back(f);
    m.image("boot/initramfs-linux.img", image_of(files));
    auto r = m.check();
    auto p = problems(r);
    CHECK(any_contains(p, "mkinitcpio's HOOKS do not run vfio-bind before udev: images built now will not claim the "
                          "devices -- fix: vfio-setup initramfs enable"));
    CHECK(any_contains(p, "/boot/initramfs-linux.img was built without the vfio-bind hook (mkinitcpio's HOOKS lack "
                          "vfio-bind): nothing will claim the devices -- fix: mkinitcpio -p linux"));
    CHECK(r.rebuild_commands() == std::vector<std::vector<std::string>>{{"mkinitcpio", "-p", "linux"}});
}

TEST_CASE("mkinitcpio: vfio-bind after udev in the image is named") {
    Machine m;
    arch_machine(m);
    write_file(m.dir / vb::kMkinitcpioDropIn, vb::mkinitcpio_drop_in_text());
    m.image("boot/initramfs-linux.img", image_of(mkinitcpio_files("udev vfio-bind")));
    CHECK(any_contains(problems(m.check()), "runs the vfio-bind hook after udev's"));
}
