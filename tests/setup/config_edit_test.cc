#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "lib/require_ok.h"
#include "setup/config_edit.h"

using namespace vb;

namespace {

NewSection section(const char* label, const char* addr, const char* id) {
    return NewSection{label, *parse_pci_address(addr), *parse_pci_id(id)};
}

auto on_card(const char* addr) {
    PciAddress a = *parse_pci_address(addr);
    return [a](const PciAddress& x) { return x.same_slot(a); };
}

std::string shipped_example() {
    // Relative to the source tree, where run-tests runs (as the bootloader fixtures).
    std::ifstream in("conf/vfio-devices.ini", std::ios::binary);
    REQUIRE_MESSAGE(in, "run the tests from the source tree");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void check_round_trip(const std::string& text) {
    auto added = config_add(text, {section("gpu-01:00.0", "01:00.0", "1002:6818")}, false, "t.ini");
    REQUIRE_OK(added);
    auto back = config_remove(*added, on_card("01:00.0"), "t.ini");
    REQUIRE_OK(back);
    CHECK(back->text == text);
}

} // namespace

TEST_CASE("config_add appends a section after one blank line, keeping every byte before it") {
    const std::string text = "; my config\n[options]\ngroup = yes   ; inline\n";
    auto r = config_add(text, {section("gpu-01:00.0", "01:00.0", "1002:6818")}, false, "t.ini");
    REQUIRE_OK(r);
    CHECK(*r == text + "\n[gpu-01:00.0]\naddress = 0000:01:00.0\nid = 1002:6818\n");
    auto parsed = parse_config(*r, "t.ini");
    REQUIRE_OK(parsed);
    CHECK(parsed->devices.size() == 1);
}

TEST_CASE("add then remove restores the file byte for byte") {
    check_round_trip("");
    check_round_trip("[options]\ngroup = yes\n");
    check_round_trip("[options]\ngroup = yes\n\n\n");
    check_round_trip("; trailing comment\n");
    check_round_trip("[other]\naddress = 02:00.0\nid = 10de:1b80\n");
    check_round_trip("[options]\r\ngroup = no\r\n");
    check_round_trip(shipped_example());
}

TEST_CASE("several sections added at once are removed together") {
    const std::string text = "[options]\ngroup = no\n";
    auto r = config_add(text, {section("gpu", "01:00.0", "1002:6818"), section("audio", "01:00.1", "1002:aab0")}, false,
                        "t.ini");
    REQUIRE_OK(r);
    auto back = config_remove(*r, on_card("01:00.1"), "t.ini");
    REQUIRE_OK(back);
    CHECK(back->removed == std::vector<std::string>{"gpu", "audio"});
    CHECK(back->text == text);
}

TEST_CASE("a last line without newline is terminated by add") {
    auto r = config_add("[options]\ngroup = yes", {section("g", "01:00.0", "1002:6818")}, false, "t.ini");
    REQUIRE_OK(r);
    CHECK(*r == "[options]\ngroup = yes\n\n[g]\naddress = 0000:01:00.0\nid = 1002:6818\n");
}

TEST_CASE("remove takes the comments above the section, keeps those of the next one") {
    const std::string text =
        "[options]\ngroup = yes\n\n"
        "; the Radeon\n[gpu]\naddress = 01:00.0   ; slot 1\n; old id: 1002:6819\nid = 1002:6818\n\n"
        "; the NVIDIA\n[nv]\naddress = 02:00.0\nid = 10de:1b80\n";
    auto r = config_remove(text, on_card("01:00.0"), "t.ini");
    REQUIRE_OK(r);
    CHECK(r->text == "[options]\ngroup = yes\n\n; the NVIDIA\n[nv]\naddress = 02:00.0\nid = 10de:1b80\n");
    auto r2 = config_remove(text, on_card("02:00.0"), "t.ini");
    REQUIRE_OK(r2);
    CHECK(r2->text == "[options]\ngroup = yes\n\n; the Radeon\n[gpu]\naddress = 01:00.0   ; slot 1\n; old id: "
                      "1002:6819\nid = 1002:6818\n");
}

TEST_CASE("remove of a first section takes the blank line after it") {
    auto r = config_remove("[gpu]\naddress = 01:00.0\nid = 1002:6818\n\n[nv]\nid = 10de:1b80\n", on_card("01:00.0"),
                           "t.ini");
    REQUIRE_OK(r);
    CHECK(r->text == "[nv]\nid = 10de:1b80\n");
}

TEST_CASE("remove leaves id-only sections and other cards alone; nothing matching is ENOENT") {
    const std::string text = "[ids]\nid = 1002:6818\n[nv]\naddress = 02:00.0\nid = 10de:1b80\n";
    auto r = config_remove(text, on_card("01:00.0"), "t.ini");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ENOENT);
}

TEST_CASE("boot_vga = yes: replaced in place, inserted, or a new [options]") {
    auto s = section("igpu", "00:02.0", "8086:3e92");
    auto a = config_add("[options]\nboot_vga = no        ; keep the console\ngroup = yes\n", {s}, true, "t.ini");
    REQUIRE_OK(a);
    CHECK(a->rfind("[options]\nboot_vga = yes        ; keep the console\ngroup = yes\n\n[igpu]\n", 0) == 0);
    auto b = config_add("[options]\ngroup = yes\n", {s}, true, "t.ini");
    REQUIRE_OK(b);
    CHECK(b->rfind("[options]\nboot_vga = yes\ngroup = yes\n\n[igpu]\n", 0) == 0);
    auto c = config_add("; none\n", {s}, true, "t.ini");
    REQUIRE_OK(c);
    CHECK(*c == "; none\n\n[options]\nboot_vga = yes\n\n[igpu]\naddress = 0000:00:02.0\nid = 8086:3e92\n");
    auto d = config_add("[options]", {s}, true, "t.ini"); // header on an unterminated last line
    REQUIRE_OK(d);
    CHECK(d->rfind("[options]\nboot_vga = yes\n\n[igpu]\n", 0) == 0);
    for (auto* t : {&a, &b, &c, &d}) CHECK(parse_config(**t, "t.ini")->boot_vga);
}

TEST_CASE("edits refuse a config vfio-bind rejects, and results that would not parse") {
    auto s = section("gpu", "01:00.0", "1002:6818");
    auto bad = config_add("[gpu]\naddress = 01:00.0\nbogus = 1\n", {s}, false, "t.ini");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("t.ini:3: unknown key 'bogus'") != std::string::npos);
    CHECK_FALSE(config_remove("[x]\n[x]\n", on_card("01:00.0"), "t.ini").ok());
    // A repeated address or label would make vfio-bind reject the file.
    CHECK_FALSE(config_add("[old]\naddress = 01:00.0\nid = 1002:6818\n", {section("gpu", "0000:01:00.0", "1002:6818")},
                           false, "t.ini")
                    .ok());
    CHECK_FALSE(config_add("[gpu]\nid = 1002:6818\n", {s}, false, "t.ini").ok());
    CHECK_FALSE(config_add("", {section("a]b", "01:00.0", "1002:6818")}, false, "t.ini").ok());
    CHECK_FALSE(config_add("", {section("options", "01:00.0", "1002:6818")}, false, "t.ini").ok());
}

TEST_CASE("unique_label and the new-file header") {
    auto c = parse_config("[gpu]\nid = 1002:6818\n[gpu-2]\nid = 10de:1b80\n", "t.ini");
    REQUIRE_OK(c);
    CHECK(unique_label(*c, "gpu") == "gpu-3");
    CHECK(unique_label(*c, "audio") == "audio");
    const std::string header = new_config_header("update-initramfs -u -k all");
    CHECK(header.find("rebuild the initramfs (update-initramfs -u -k all)") != std::string::npos);
    CHECK(header.find("dracut") == std::string::npos);
    auto h = parse_config(header, "t.ini");
    REQUIRE_OK(h);
    CHECK(h->devices.empty());
    check_round_trip(header);
}

TEST_CASE("edits keep a user's inline '#' comment and accept a byte order mark") {
    auto s = section("igpu", "00:02.0", "8086:3e92");
    auto a = config_add("\xEF\xBB\xBF[options]\nboot_vga = no # the console stays\n", {s}, true, "t.ini");
    REQUIRE_OK(a);
    CHECK(a->rfind("\xEF\xBB\xBF[options]\nboot_vga = yes # the console stays\n\n[igpu]\n", 0) == 0);
    auto r = config_remove(*a, on_card("00:02.0"), "t.ini");
    REQUIRE_OK(r);
    CHECK(r->text == "\xEF\xBB\xBF[options]\nboot_vga = yes # the console stays\n");
}
