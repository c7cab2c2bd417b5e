#include <doctest/doctest.h>

#include "boot/config.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"
#include "setup/qemu_args.h"

using namespace vb;
using namespace vbtest;

namespace {

Plan plan_for(const std::string& root, const char* ini) {
    auto config = parse_config(ini, "t.ini");
    REQUIRE_OK(config);
    auto devices = scan_pci_devices(DiskFs(root));
    REQUIRE_OK(devices);
    return make_plan(*config, *devices);
}

} // namespace

TEST_CASE("qemu-args: one guest slot per card, function 0 multifunction, x-vga on the GPU") {
    TempDir t;
    twin_nvidia(t.path());
    Plan p = plan_for(t.path(), "[a]\naddress = 02:00.0\nid = 10de:1b80\n[b]\naddress = 01:00.1\nid = 10de:10f0\n"
                                "[options]\nboot_vga = yes\n");
    QemuOptions o;
    o.x_vga = true;
    auto q = qemu_args(p, o);
    REQUIRE_OK(q);
    CHECK(q->devices == std::vector<std::string>{
                            "vfio-pci,host=0000:01:00.0,bus=pcie.0,addr=0x10.0x0,multifunction=on,x-vga=on",
                            "vfio-pci,host=0000:01:00.1,bus=pcie.0,addr=0x10.0x1",
                            "vfio-pci,host=0000:02:00.0,bus=pcie.0,addr=0x11.0x0,multifunction=on",
                            "vfio-pci,host=0000:02:00.1,bus=pcie.0,addr=0x11.0x1",
                        });
    CHECK(format_qemu_args(*q, o) ==
          "-device vfio-pci,host=0000:01:00.0,bus=pcie.0,addr=0x10.0x0,multifunction=on,x-vga=on \\\n"
          "-device vfio-pci,host=0000:01:00.1,bus=pcie.0,addr=0x10.0x1 \\\n"
          "-device vfio-pci,host=0000:02:00.0,bus=pcie.0,addr=0x11.0x0,multifunction=on \\\n"
          "-device vfio-pci,host=0000:02:00.1,bus=pcie.0,addr=0x11.0x1\n");
}

TEST_CASE("qemu-args: a single-function device, no x-vga unless asked, refusals as notes") {
    TempDir t;
    twin_nvidia(t.path());
    Plan p = plan_for(t.path(), "[options]\ngroup = no\n[a]\naddress = 02:00.0\nid = 10de:1b80\n"
                                "[gone]\naddress = 05:00.0\nid = 10de:1b80\n");
    auto q = qemu_args(p, {});
    REQUIRE_OK(q);
    CHECK(q->devices == std::vector<std::string>{"vfio-pci,host=0000:02:00.0,bus=pcie.0,addr=0x10.0x0"});
    REQUIRE(q->notes.size() == 2);
    CHECK(q->notes[0].find("not included: 0000:05:00.0 [gone]: no device at this address") == 0);
    // group = no left the HDMI audio on the host: the plan's warning is passed on.
    CHECK(q->notes[1].find("warning: IOMMU group 2 is not viable") == 0);
}

TEST_CASE("qemu-args: the guest function numbers are dense even when function 0 stays on the host") {
    TempDir t;
    twin_nvidia(t.path());
    Plan p = plan_for(t.path(), "[options]\ngroup = no\n[audio]\naddress = 02:00.1\nid = 10de:10f0\n");
    QemuOptions o;
    o.x_vga = true;
    auto q = qemu_args(p, o);
    REQUIRE_OK(q);
    CHECK(q->devices == std::vector<std::string>{"vfio-pci,host=0000:02:00.1,bus=pcie.0,addr=0x10.0x0"});
    CHECK(q->notes.back().find("no VGA controller") != std::string::npos);
}

TEST_CASE("qemu-args --libvirt: hostdev elements with the host address and a shared guest slot") {
    TempDir t;
    desktop(t.path());
    Plan p = plan_for(t.path(), "[gpu]\naddress = 01:00.0\nid = 1002:6818\n");
    QemuOptions o;
    o.libvirt = true;
    auto q = qemu_args(p, o);
    REQUIRE_OK(q);
    REQUIRE(q->devices.size() == 2);
    CHECK(q->devices[0] ==
          "<hostdev mode='subsystem' type='pci' managed='yes'>\n"
          "  <source>\n"
          "    <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n"
          "  </source>\n"
          "  <address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x0' multifunction='on'/>\n"
          "</hostdev>");
    CHECK(q->devices[1].find("function='0x1'/>\n  </source>\n  <address type='pci' domain='0x0000' bus='0x00' "
                             "slot='0x10' function='0x1'/>") != std::string::npos);
}

TEST_CASE("qemu-args: nothing claimed is an error") {
    TempDir t;
    twin_nvidia(t.path());
    auto q = qemu_args(plan_for(t.path(), "[a]\naddress = 01:00.0\nid = 10de:1b80\n"), {}); // boot VGA, refused
    REQUIRE_FALSE(q.ok());
    CHECK(q.error().code == ENOENT);
}
