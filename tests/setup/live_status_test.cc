#include <doctest/doctest.h>

#include "lib/fixture.h"
#include "lib/require_ok.h"
#include "setup/live_status.h"

using namespace vb;
using namespace vbtest;

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
} // namespace

TEST_CASE("status: a machine where vfio-bind did its job is all good") {
    TempDir t;
    vfio_ready(t.path());
    auto st = read_setup_status(DiskFs(t.path()));
    REQUIRE_OK(st);
    CHECK(st->iommu_active);
    CHECK(st->interrupt_remapping == true);
    REQUIRE(st->devices.size() == 2);
    CHECK(st->devices[0].dev_vfio);
    CHECK(st->devices[0].blockers.empty());
    CHECK(st->framebuffers.empty()); // BOOTFB is in the iGPU's BAR, which is not claimed
    CHECK(st->problems().empty());
    const std::string text = format_status(*st);
    CHECK(contains(text, "0000:01:00.1 1002:aab0 Audio device (same card as 0000:01:00.0)\n  driver:   vfio-pci\n  "
                         "group 1: viable\n  /dev/vfio/1: present\n"));
    CHECK(contains(text, "all good"));
}

TEST_CASE("status: every problem is named") {
    TempDir t;
    vfio_ready(t.path());
    // The host driver won, /dev/vfio/1 is missing, no interrupt remapping.
    make_symlink("../../../bus/pci/drivers/snd_hda_intel", t / "sys/devices/pci0000:00/0000:01:00.1/driver");
    std::remove((t / "dev/vfio/1").c_str());
    write_file(t / "proc/interrupts", "   0:  22  IO-APIC  2-edge  timer\n  24:  0  PCI-MSI 327680-edge  xhci_hcd\n");
    auto st = read_setup_status(DiskFs(t.path()));
    REQUIRE_OK(st);
    CHECK(st->interrupt_remapping == false);
    auto p = st->problems();
    CHECK(std::find(p.begin(), p.end(), "0000:01:00.1 is not bound to vfio-pci") != p.end());
    CHECK(std::find(p.begin(), p.end(), "0000:01:00.0: no /dev/vfio/1") != p.end());
    CHECK(std::find(p.begin(), p.end(), "interrupt remapping is not active") != p.end());
    CHECK(contains(format_status(*st), "allow_unsafe_interrupts"));
}

TEST_CASE("status: a boot framebuffer in the claimed GPU's BAR, with the parameter that frees it") {
    TempDir t;
    vfio_ready(t.path());
    write_file(t / "proc/iomem",
               "c0000000-cfffffff : 0000:01:00.0\n  c0000000-c07e8fff : BOOTFB\n    c0000000-c07e8fff : simpledrm\n");
    auto st = read_setup_status(DiskFs(t.path()));
    REQUIRE_OK(st);
    REQUIRE(st->framebuffers.size() == 2);
    CHECK(st->framebuffers[0].device == "0000:01:00.0");
    CHECK(st->framebuffers[0].param == "initcall_blacklist=sysfb_init");
    CHECK(contains(format_status(*st), "vfio-setup cmdline enable --add initcall_blacklist=sysfb_init"));
    CHECK_FALSE(st->problems().empty());

    write_file(t / "proc/iomem", "c0000000-cfffffff : 0000:01:00.0\n  c0000000-c02fffff : efifb\n");
    auto old = read_setup_status(DiskFs(t.path()));
    REQUIRE_OK(old);
    REQUIRE(old->framebuffers.size() == 1);
    CHECK(old->framebuffers[0].param == "video=efifb:off");
}

TEST_CASE("status: IOMMU off, nothing claimed, refusal reported") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:01:00.0", 0x1002, 0x6818, 0x030000, std::nullopt, "radeon"});
    write_file(t / "etc/vfio-devices.ini", "[gpu]\naddress = 01:00.0\nid = 1002:6818\n");
    auto st = read_setup_status(DiskFs(t.path()));
    REQUIRE_OK(st);
    CHECK_FALSE(st->iommu_active);
    CHECK_FALSE(st->interrupt_remapping.has_value());
    CHECK(st->devices.empty());
    REQUIRE(st->refused.size() == 1);
    CHECK(contains(format_status(*st), "refused: 0000:01:00.0"));
    CHECK(st->problems().size() == 2);
}

TEST_CASE("status: a group shared with another endpoint is not viable") {
    TempDir t;
    shared_group(t.path());
    write_file(t / "etc/vfio-devices.ini", "[gpu]\naddress = 03:00.0\nid = 1002:67df\n");
    auto st = read_setup_status(DiskFs(t.path()));
    REQUIRE_OK(st);
    REQUIRE(st->devices.size() == 1);
    CHECK(st->devices[0].blockers == std::vector<std::string>{"0000:04:00.0"});
    CHECK(contains(format_status(*st), "group 7: NOT viable, also holds 0000:04:00.0"));
}

TEST_CASE("status parsers: iomem, resource, framebuffer parameters") {
    auto io = parse_iomem("00000000-00000fff : Reserved\n  a0000000-a07e8fff : BOOTFB\nbogus\nzz-yy : x\n");
    REQUIRE(io.size() == 2);
    CHECK(io[1].start == 0xa0000000);
    CHECK(io[1].end == 0xa07e8fff);
    CHECK(io[1].name == "BOOTFB");
    auto bars = parse_resource("0x00000000c0000000 0x00000000cfffffff 0x000000000014220c\n"
                               "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
                               "0x000000000000e000 0x000000000000e0ff 0x0000000000040101\n");
    REQUIRE(bars.size() == 1); // the I/O port BAR and empty lines are not memory
    CHECK(bars[0].end == 0xcfffffff);
    CHECK(framebuffer_param("vesafb") == "video=vesafb:off");
    CHECK(framebuffer_param("simpledrm") == "initcall_blacklist=sysfb_init");
    CHECK(interrupts_remapped(" 9:  0  AMD-IR-0  9-fasteoi acpi"));
    CHECK_FALSE(interrupts_remapped(" 9:  0  IO-APIC  9-fasteoi acpi"));
}

TEST_CASE("status: an id-only entry's expected refusal (the console twin) is no problem") {
    SetupStatus st;
    st.iommu_active = true;
    st.interrupt_remapping = true;
    Refusal console{"0000:01:00.0", "10de:1b80 is the boot VGA device", {}, false};
    console.expected = true;
    st.refused.push_back(console);
    CHECK(st.problems().empty());
    CHECK(contains(format_status(st), "refused: 0000:01:00.0"));
    st.refused[0].expected = false;
    CHECK(st.problems() == std::vector<std::string>{"0000:01:00.0 refused"});
}
