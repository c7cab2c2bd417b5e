#include <doctest/doctest.h>

#include "boot/config.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"
#include "setup/qemu_args.h"

using namespace vb;
using namespace vbtest;

namespace {

struct Machine {
    std::vector<PciDevice> devices;
    Plan plan;
};

Machine plan_for(const std::string& root, const char* ini) {
    auto config = parse_config(ini, "t.ini");
    REQUIRE_OK(config);
    auto devices = scan_pci_devices(DiskFs(root));
    REQUIRE_OK(devices);
    Plan p = make_plan(*config, *devices);
    return {*devices, p};
}

Result<QemuArgs> args_for(const Machine& m, const QemuOptions& o = {}) { return qemu_args(m.plan, m.devices, o); }

} // namespace

TEST_CASE("qemu-args: each card behind its own root port, function 0 multifunction, x-vga on the GPU") {
    TempDir t;
    twin_nvidia(t.path());
    auto m = plan_for(t.path(), "[a]\naddress = 02:00.0\nid = 10de:1b80\n[b]\naddress = 01:00.0\nid = 10de:1b80\n"
                                "[options]\nboot_vga = yes\n");
    QemuOptions o;
    o.x_vga = true;
    auto q = args_for(m, o);
    REQUIRE_OK(q);
    CHECK(q->ports == std::vector<std::string>{
                          "pcie-root-port,id=vfio-rp0,bus=pcie.0,addr=0x10,chassis=16",
                          "pcie-root-port,id=vfio-rp1,bus=pcie.0,addr=0x11,chassis=17",
                      });
    CHECK(q->devices == std::vector<std::string>{
                            "vfio-pci,host=0000:01:00.0,bus=vfio-rp0,addr=0x0.0x0,multifunction=on,x-vga=on",
                            "vfio-pci,host=0000:01:00.1,bus=vfio-rp0,addr=0x0.0x1",
                            "vfio-pci,host=0000:02:00.0,bus=vfio-rp1,addr=0x0.0x0,multifunction=on",
                            "vfio-pci,host=0000:02:00.1,bus=vfio-rp1,addr=0x0.0x1",
                        });
    CHECK(format_qemu_args(*q, o) ==
          "-device pcie-root-port,id=vfio-rp0,bus=pcie.0,addr=0x10,chassis=16 \\\n"
          "-device pcie-root-port,id=vfio-rp1,bus=pcie.0,addr=0x11,chassis=17 \\\n"
          "-device vfio-pci,host=0000:01:00.0,bus=vfio-rp0,addr=0x0.0x0,multifunction=on,x-vga=on \\\n"
          "-device vfio-pci,host=0000:01:00.1,bus=vfio-rp0,addr=0x0.0x1 \\\n"
          "-device vfio-pci,host=0000:02:00.0,bus=vfio-rp1,addr=0x0.0x0,multifunction=on \\\n"
          "-device vfio-pci,host=0000:02:00.1,bus=vfio-rp1,addr=0x0.0x1\n");
}

TEST_CASE("qemu-args: a group left partly on the host is refused with what holds it, refusals as notes") {
    TempDir t;
    twin_nvidia(t.path());
    // group = no leaves the HDMI audio (same group) on the host: QEMU would refuse.
    auto m = plan_for(t.path(), "[options]\ngroup = no\n[a]\naddress = 02:00.0\nid = 10de:1b80\n"
                                "[gone]\naddress = 05:00.0\nid = 10de:1b80\n");
    auto q = args_for(m);
    REQUIRE_FALSE(q.ok());
    CHECK(q.error().code == EINVAL);
    CHECK(q.error().message.find("IOMMU group 2 also holds 0000:02:00.1 (10de:10f0") == 0);
    CHECK(q.error().message.find("vfio-setup add ADDRESS") != std::string::npos);

    // The card whole: fine, and the absent entry is a note.
    auto whole =
        plan_for(t.path(), "[a]\naddress = 02:00.0\nid = 10de:1b80\n[gone]\naddress = 05:00.0\nid = 10de:1b80\n");
    auto ok = args_for(whole);
    REQUIRE_OK(ok);
    CHECK(ok->devices.size() == 2);
    REQUIRE(!ok->notes.empty());
    CHECK(ok->notes[0].find("not included: 0000:05:00.0 [gone]: no device at this address") == 0);
}

TEST_CASE("qemu-args: the guest function numbers are dense when the card's functions are all ours") {
    TempDir t;
    twin_nvidia(t.path());
    auto m = plan_for(t.path(), "[a]\naddress = 02:00.0\nid = 10de:1b80\n");
    QemuOptions o;
    o.x_vga = true;
    auto q = args_for(m, o);
    REQUIRE_OK(q);
    CHECK(q->devices.back() == "vfio-pci,host=0000:02:00.1,bus=vfio-rp0,addr=0x0.0x1");
}

TEST_CASE("qemu-args --libvirt: one document, a root port per card, managed='no'") {
    TempDir t;
    desktop(t.path());
    auto m = plan_for(t.path(), "[gpu]\naddress = 01:00.0\nid = 1002:6818\n");
    QemuOptions o;
    o.libvirt = true;
    auto q = args_for(m, o);
    REQUIRE_OK(q);
    REQUIRE(q->devices.size() == 2);
    CHECK(format_qemu_args(*q, o) ==
          "<devices>\n"
          "  <controller type='pci' model='pcie-root-port' index='16'>\n"
          "    <address type='pci' domain='0x0000' bus='0x00' slot='0x10' function='0x0'/>\n"
          "  </controller>\n"
          "  <hostdev mode='subsystem' type='pci' managed='no'>\n"
          "    <source>\n"
          "      <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n"
          "    </source>\n"
          "    <address type='pci' domain='0x0000' bus='0x10' slot='0x00' function='0x0' multifunction='on'/>\n"
          "  </hostdev>\n"
          "  <hostdev mode='subsystem' type='pci' managed='no'>\n"
          "    <source>\n"
          "      <address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>\n"
          "    </source>\n"
          "    <address type='pci' domain='0x0000' bus='0x10' slot='0x00' function='0x1'/>\n"
          "  </hostdev>\n"
          "</devices>\n");
    CHECK(q->notes.back().find("managed='no' keeps the devices on vfio-pci") != std::string::npos);
}

TEST_CASE("qemu-args: nothing claimed is an error") {
    TempDir t;
    twin_nvidia(t.path());
    auto q = args_for(plan_for(t.path(), "[a]\naddress = 01:00.0\nid = 10de:1b80\n")); // boot VGA, refused
    REQUIRE_FALSE(q.ok());
    CHECK(q.error().code == ENOENT);
}
