#include <doctest/doctest.h>

#include "bootloader/cmdline_plan.h"
#include "lib/faulty_fs.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"
#include "setup/config_change.h"

using namespace vb;
using namespace vbtest;

namespace {

const char* kIni = "/etc/vfio-devices.ini";

bool has_note(const ConfigChange& c, const std::string& text) {
    for (const auto& n : c.notes)
        if (n.find(text) != std::string::npos) return true;
    return false;
}

} // namespace

TEST_CASE("add: a new file gets the header and one section; group = yes brings the audio at boot") {
    TempDir t;
    desktop(t.path());
    DiskFs fs(t.path());
    auto c = plan_add(fs, "01:00.0", {});
    REQUIRE_OK(c);
    CHECK_FALSE(c->existed);
    CHECK(c->after.rfind("; /etc/vfio-devices.ini", 0) == 0);
    CHECK(c->after.find("\n[gpu-01:00.0]\naddress = 0000:01:00.0\nid = 1002:6818\n") != std::string::npos);
    CHECK(c->after.find("01:00.1") == std::string::npos);
    CHECK(has_note(*c, "group = yes: vfio-bind claims the card's other functions"));
    REQUIRE_OK(apply_change(fs, *c));
    CHECK(read_file(t / kIni) == c->after);
    auto cp = configured_plan(fs);
    REQUIRE_OK(cp);
    REQUIRE(cp->plan.targets.size() == 2); // vfio-bind's own plan: GPU and its audio
    CHECK(cp->plan.targets[1].device.address.str() == "0000:01:00.1");
}

TEST_CASE("add with group = no writes every function of the card; remove takes them all") {
    TempDir t;
    desktop(t.path());
    const std::string before = "; mine\n[options]\ngroup = no\n";
    write_file(t / kIni, before);
    DiskFs fs(t.path());
    auto c = plan_add(fs, "0000:01:00.0", {});
    REQUIRE_OK(c);
    CHECK(c->after == before + "\n[gpu-01:00.0]\naddress = 0000:01:00.0\nid = 1002:6818\n"
                               "\n[audio-01:00.1]\naddress = 0000:01:00.1\nid = 1002:aab0\n");
    REQUIRE_OK(apply_change(fs, *c));
    CHECK(read_file(t / (std::string(kIni) + kBackupSuffix)) == before);
    auto r = plan_remove(fs, "01:00.1");
    REQUIRE_OK(r);
    CHECK(r->removed == std::vector<std::string>{"gpu-01:00.0", "audio-01:00.1"});
    REQUIRE_OK(apply_change(fs, *r));
    CHECK(read_file(t / kIni) == before);
}

TEST_CASE("add --no-group with group = no: only that function") {
    TempDir t;
    desktop(t.path());
    write_file(t / kIni, "[options]\ngroup = no\n");
    auto c = plan_add(DiskFs(t.path()), "01:00.0", AddOptions{false, true});
    REQUIRE_OK(c);
    CHECK(c->after.find("01:00.1") == std::string::npos);
}

TEST_CASE("add refuses: absent, bridge, already configured (also by id or by a sibling), malformed") {
    TempDir t;
    desktop(t.path());
    DiskFs fs(t.path());
    auto absent = plan_add(fs, "05:00.0", {});
    REQUIRE_FALSE(absent.ok());
    CHECK(absent.error().code == ENOENT);
    auto bridge = plan_add(fs, "00:01.0", {});
    REQUIRE_FALSE(bridge.ok());
    CHECK(bridge.error().message.find("bridge") != std::string::npos);
    CHECK_FALSE(plan_add(fs, "../../etc", {}).ok());

    write_file(t / kIni, "[radeon]\naddress = 01:00.1\nid = 1002:aab0\n");
    auto sibling = plan_add(fs, "01:00.0", {});
    REQUIRE_FALSE(sibling.ok());
    CHECK(sibling.error().code == EEXIST);
    CHECK(sibling.error().message.find("[radeon]") != std::string::npos);
    write_file(t / kIni, "[all]\nid = 1002:6818\n");
    auto by_id = plan_add(fs, "01:00.0", {});
    REQUIRE_FALSE(by_id.ok());
    CHECK(by_id.error().message.find("by id 1002:6818") != std::string::npos);
}

TEST_CASE("add refuses to edit a config vfio-bind rejects, and writes nothing") {
    TempDir t;
    desktop(t.path());
    write_file(t / kIni, "[gpu]\nbogus = 1\n");
    auto c = plan_add(DiskFs(t.path()), "01:00.0", {});
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message.find(":2: unknown key 'bogus'") != std::string::npos);
    CHECK(read_file(t / kIni) == "[gpu]\nbogus = 1\n");
}

TEST_CASE("the boot VGA needs --boot-vga, which sets boot_vga = yes") {
    TempDir t;
    twin_nvidia(t.path()); // boot VGA is 01:00.0
    DiskFs fs(t.path());
    auto no = plan_add(fs, "01:00.0", {});
    REQUIRE_FALSE(no.ok());
    CHECK(no.error().message.find("--boot-vga") != std::string::npos);
    // With group = yes its HDMI audio drags the boot GPU along too.
    CHECK_FALSE(plan_add(fs, "01:00.1", {}).ok());
    auto yes = plan_add(fs, "01:00.0", AddOptions{true, false});
    REQUIRE_OK(yes);
    auto cfg = parse_config(yes->after, "t");
    REQUIRE_OK(cfg);
    CHECK(cfg->boot_vga);
    CHECK(has_note(*yes, "boot_vga = yes"));
    // The other card needs nothing of the kind.
    auto other = plan_add(fs, "02:00.0", {});
    REQUIRE_OK(other);
    CHECK_FALSE(parse_config(other->after, "t")->boot_vga);
}

TEST_CASE("add: what vfio-bind's plan would refuse is refused (IOMMU off)") {
    TempDir t;
    FakeSysfs m(t.path());
    m.add({"0000:01:00.0", 0x1002, 0x6818, 0x030000, std::nullopt, "radeon"});
    auto c = plan_add(DiskFs(t.path()), "01:00.0", {});
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message.find("no IOMMU group") != std::string::npos);
}

TEST_CASE("add warns when the card's group is not viable") {
    TempDir t;
    shared_group(t.path());
    auto c = plan_add(DiskFs(t.path()), "03:00.0", {});
    REQUIRE_OK(c);
    CHECK(has_note(*c, "IOMMU group 7 is not viable: it also holds 0000:04:00.0"));
    TempDir t2;
    desktop(t2.path());
    auto ok = plan_add(DiskFs(t2.path()), "01:00.0", {});
    REQUIRE_OK(ok);
    CHECK_FALSE(has_note(*ok, "not viable"));
}

TEST_CASE("remove: nothing configured, no file, and an id-only entry still claiming it") {
    TempDir t;
    desktop(t.path());
    DiskFs fs(t.path());
    CHECK(plan_remove(fs, "01:00.0").error().code == ENOENT);
    write_file(t / kIni, "[gpu]\naddress = 01:00.0\nid = 1002:6818\n\n[ids]\nid = 1002:6818\n");
    auto r = plan_remove(fs, "01:00.0");
    REQUIRE_OK(r);
    CHECK(r->after == "[ids]\nid = 1002:6818\n");
    CHECK(has_note(*r, "[ids] (id 1002:6818) still claims 0000:01:00.0"));
    CHECK(plan_remove(fs, "02:00.0").error().code == ENOENT);
}

TEST_CASE("add then remove on the shipped example restores it byte for byte, with one backup") {
    TempDir t;
    twin_nvidia(t.path());
    const std::string shipped = read_file("conf/vfio-devices.ini");
    write_file(t / kIni, shipped);
    DiskFs fs(t.path());
    auto a = plan_add(fs, "02:00.0", {});
    REQUIRE_OK(a);
    REQUIRE_OK(apply_change(fs, *a));
    auto a2 = plan_add(fs, "02:00.0", {}); // twice: refused, not duplicated
    CHECK(a2.error().code == EEXIST);
    auto r = plan_remove(fs, "02:00.0");
    REQUIRE_OK(r);
    REQUIRE_OK(apply_change(fs, *r));
    CHECK(read_file(t / kIni) == shipped);
    CHECK(read_file(t / (std::string(kIni) + kBackupSuffix)) == shipped);
}

TEST_CASE("add and remove an address in Intel VMD's domain 10000") {
    TempDir t;
    vmd_laptop(t.path());
    DiskFs fs(t.path());
    auto c = plan_add(fs, "10000:e1:00.0", {});
    REQUIRE_OK(c);
    CHECK(c->after.find("\n[dev-10000:e1:00.0]\naddress = 10000:e1:00.0\nid = 144d:a808\n") != std::string::npos);
    REQUIRE_OK(apply_change(fs, *c));
    auto cp = configured_plan(fs);
    REQUIRE_OK(cp);
    REQUIRE(cp->plan.targets.size() == 1);
    CHECK(cp->plan.targets[0].device.address.str() == "10000:e1:00.0");
    auto r = plan_remove(fs, "10000:e1:00.0");
    REQUIRE_OK(r);
    CHECK(r->removed == std::vector<std::string>{"dev-10000:e1:00.0"});
}

TEST_CASE("add: a function of the card whose iommu_group link cannot be read is named, never 'no PCI device'") {
    TempDir t;
    desktop(t.path());
    for (const char* broken : {"0000:01:00.0", "0000:01:00.1"}) {
        CAPTURE(broken);
        const std::string link = std::string("/sys/bus/pci/devices/") + broken + "/iommu_group";
        auto c = plan_add(FaultyFs(t.path(), {link}), "01:00.0", {});
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().code == EIO);
        CHECK(c.error().message.find(link) != std::string::npos);
        CHECK(c.error().message.find("no PCI device") == std::string::npos);
    }
    REQUIRE_OK(plan_add(DiskFs(t.path()), "01:00.0", {}));
}
