// libkmod against a fixture /lib/modules built from the real modules of the
// installed Debian kernel (linux-image-amd64, which .ci/install-deps installs)
// and indexed by the real depmod: resolution is what modprobe would do.
#include <doctest/doctest.h>

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "boot/kmod.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"

using namespace vb;
using namespace vbtest;

namespace {

// Distributions ship modules plain (Debian) or compressed (Fedora: .ko.xz).
const char* kModuleSuffixes[] = {"", ".xz", ".zst", ".gz"};

// The file of module `rel` ("kernel/.../vfio.ko") in /lib/modules/<kver>, with its suffix.
std::string module_file(const std::string& kver, const std::string& rel) {
    for (const char* suffix : kModuleSuffixes) {
        std::string p = "/lib/modules/" + kver + "/" + rel + suffix;
        if (access(p.c_str(), R_OK) == 0) return rel + suffix;
    }
    return "";
}

// A kernel release on this machine that has vfio-pci as a module.
std::string installed_kernel() {
    DIR* d = opendir("/lib/modules");
    std::string found;
    if (!d) return found;
    while (dirent* e = readdir(d)) {
        std::string k = e->d_name;
        if (k[0] != '.' && !module_file(k, "kernel/drivers/vfio/pci/vfio-pci.ko").empty()) found = k;
    }
    closedir(d);
    return found;
}

const char* kModules[] = {"kernel/drivers/vfio/vfio.ko",         "kernel/drivers/vfio/vfio_virqfd.ko",
                          "kernel/virt/lib/irqbypass.ko",        "kernel/drivers/vfio/pci/vfio-pci-core.ko",
                          "kernel/drivers/vfio/pci/vfio-pci.ko", "kernel/drivers/gpu/drm/radeon/radeon.ko"};

// root/lib/modules/<kver> with the listed modules and depmod's indexes;
// `builtin` moves vfio-pci into modules.builtin instead.
void make_modules_tree(const std::string& root, const std::string& kver, bool builtin) {
    const std::string src = "/lib/modules/" + kver + "/", dst = root + "/lib/modules/" + kver + "/";
    for (const char* m : kModules) {
        if (builtin && std::string(m).find("vfio-pci.ko") != std::string::npos) continue;
        const std::string f = module_file(kver, m);
        REQUIRE_MESSAGE(!f.empty(), "kernel " << kver << " lacks " << m);
        write_file(dst + f, read_file(src + f));
    }
    write_file(dst + "modules.order", "");
    write_file(dst + "modules.builtin", builtin ? "kernel/drivers/vfio/pci/vfio-pci.ko\n" : "");
    write_file(dst + "modules.builtin.modinfo", "");
    std::string cmd = "depmod -b '" + root + "' " + kver + " 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
}

} // namespace

TEST_CASE("kmod: vfio-pci resolves to its dependencies first, nothing inserted under --root") {
    const std::string kver = installed_kernel();
    REQUIRE_MESSAGE(!kver.empty(), "no kernel with vfio-pci.ko in /lib/modules: install linux-image-amd64");
    TempDir t;
    make_modules_tree(t.path(), kver, false);
    auto loader = KmodLoader::open(t.path(), kver, true);
    REQUIRE_OK(loader);
    auto r = (*loader)->load("vfio-pci", "ids=1002:5159");
    REQUIRE_OK(r);
    CHECK(r->outcome == LoadOutcome::Resolved);
    REQUIRE_FALSE(r->modules.empty());
    CHECK(r->modules.back() == "vfio_pci");
    auto pos = [&](const char* n) { return std::find(r->modules.begin(), r->modules.end(), n) - r->modules.begin(); };
    CHECK(pos("vfio") < pos("vfio_pci_core"));
    CHECK(pos("vfio_pci_core") < pos("vfio_pci"));
    CHECK(pos("irqbypass") < static_cast<long>(r->modules.size()));
}

TEST_CASE("kmod: vfio-pci gets exactly the options asked for; modprobe.d's ids= is reported, never applied") {
    // An image's modprobe.d may carry an ids= guessed at build time (an older
    // vfio-bind snippet, the passthrough recipe's vfio.conf): libkmod would
    // apply it to every load of vfio-pci.
    const std::string kver = installed_kernel();
    REQUIRE(!kver.empty());
    TempDir t;
    make_modules_tree(t.path(), kver, false);
    write_file(t / "etc/modprobe.d/vfio.conf", "options vfio-pci ids=1002:5159 disable_idle_d3=1\n");
    auto loader = KmodLoader::open(t.path(), kver, true);
    REQUIRE_OK(loader);
    auto r = (*loader)->load("vfio-pci", "ids=10de:1b80");
    REQUIRE_OK(r);
    CHECK(r->options == "ids=10de:1b80");
    CHECK(r->ignored_options.find("ids=1002:5159") != std::string::npos);
    CHECK(r->ignored_options.find("disable_idle_d3=1") != std::string::npos);
}

TEST_CASE("kmod: vfio-pci built in (modules.builtin) is reported as such") {
    const std::string kver = installed_kernel();
    REQUIRE(!kver.empty());
    TempDir t;
    make_modules_tree(t.path(), kver, true);
    auto loader = KmodLoader::open(t.path(), kver, true);
    REQUIRE_OK(loader);
    auto r = (*loader)->load("vfio-pci", "");
    REQUIRE_OK(r);
    CHECK(r->outcome == LoadOutcome::BuiltIn);
}

TEST_CASE("kmod: the host driver for a device comes from its modalias") {
    const std::string kver = installed_kernel();
    REQUIRE(!kver.empty());
    TempDir t;
    make_modules_tree(t.path(), kver, false);
    auto loader = KmodLoader::open(t.path(), kver, true);
    REQUIRE_OK(loader);
    // QEMU's ati-vga rv100: 1002:5159, VGA class
    auto d = (*loader)->drivers_for_modalias("pci:v00001002d00005159sv00001AF4sd00001100bc03sc00i00");
    REQUIRE_OK(d);
    CHECK(*d == std::vector<std::string>{"radeon"});
    auto none = (*loader)->drivers_for_modalias("pci:v0000FFFFd0000FFFFsv00000000sd00000000bc03sc00i00");
    REQUIRE_OK(none);
    CHECK(none->empty());
}

TEST_CASE("kmod: a missing module tree is a clear error") {
    TempDir t;
    auto loader = KmodLoader::open(t.path(), "9.9.9-none", true);
    if (loader.ok()) {
        auto r = (*loader)->load("vfio-pci", "");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message == "module vfio-pci not found for this kernel");
    } else {
        CHECK(loader.error().message.find("cannot read the module indexes") != std::string::npos);
    }
}

TEST_CASE("kmod: kernel release from the root's /proc, never the host's under --root") {
    TempDir t;
    DiskFs fs(t.path());
    CHECK_FALSE(kernel_release(fs).ok());
    write_file(t / "proc/sys/kernel/osrelease", "6.1.0-56-amd64\n");
    CHECK(*kernel_release(fs) == "6.1.0-56-amd64");
}

TEST_CASE("kmod: no module indexes for an unknown kernel release says to pass --kver, not an empty version") {
    TempDir t;
    auto loader = KmodLoader::open(t.path(), "", true);
    REQUIRE_FALSE(loader.ok());
    CHECK(loader.error().message.find("pass --kver VERSION") != std::string::npos);
    CHECK(loader.error().message.find("kernel  installed") == std::string::npos);
}
