#include <doctest/doctest.h>

#include "boot/config.h"
#include "lib/require_ok.h"

using namespace vb;

namespace {
std::string errors_of(const char* text) {
    auto c = parse_config(text, "/etc/vfio-devices.ini");
    REQUIRE_FALSE(c.ok());
    return c.error().message;
}
} // namespace

TEST_CASE("config: the example from the documentation") {
    const char* text = "[options]\n"
                       "group = yes          ; also claim the other functions\n"
                       "boot_vga = no\n"
                       "vfio_pci_options = disable_vga=1\n"
                       "\n"
                       "[gpu]                ; one section per device\n"
                       "address = 0000:01:00.0\n"
                       "id = 1002:6818\n"
                       "\n"
                       "[any-of-this-model]\n"
                       "  id = 10de:1b80     ; indentation is fine\n";
    auto c = parse_config(text, "x.ini");
    REQUIRE_OK(c);
    CHECK(c->group);
    CHECK_FALSE(c->boot_vga);
    REQUIRE(c->devices.size() == 2);
    CHECK(c->devices[0].name == "gpu");
    CHECK(c->devices[0].address->str() == "0000:01:00.0");
    CHECK(c->devices[0].id->str() == "1002:6818");
    CHECK_FALSE(c->devices[1].address.has_value());
    CHECK(c->vfio_pci_options == "disable_vga=1");
}

TEST_CASE("config: defaults and an empty file") {
    auto c = parse_config("", "x.ini");
    REQUIRE_OK(c);
    CHECK(c->group);
    CHECK_FALSE(c->boot_vga);
    CHECK(c->devices.empty());
    CHECK(c->vfio_pci_options.empty());
}

TEST_CASE("config: every error is file:line: what") {
    CHECK(errors_of("[gpu]\naddress = 01:00.0\nid = 1002:6818\ncolour = red\n") ==
          "/etc/vfio-devices.ini:4: unknown key 'colour' in [gpu] (known: address, id, allow_host_device)");
    CHECK(errors_of("[gpu]\nid = 1002:6818\n[gpu]\nid = 1002:6819\n") ==
          "/etc/vfio-devices.ini:3: section [gpu] appears twice");
    CHECK(errors_of("[gpu]\naddress = 1:0.0\nid = 1002:6818\n")
              .find("/etc/vfio-devices.ini:2: '1:0.0' is not a PCI address") == 0);
    CHECK(errors_of("[gpu]\nid = 1002-6818\n").find("/etc/vfio-devices.ini:2: '1002-6818' is not a PCI id") == 0);
    CHECK(errors_of("[options]\ngroup = maybe\n") ==
          "/etc/vfio-devices.ini:2: group: 'maybe' is not a boolean (use yes or no)");
    CHECK(errors_of("[options]\nspeed = 3\n").find("/etc/vfio-devices.ini:2: unknown key 'speed' in [options]") == 0);
    CHECK(errors_of("id = 1002:6818\n") == "/etc/vfio-devices.ini:1: 'id' is outside any section");
    CHECK(errors_of("[gpu]\nid = 1002:6818\nid = 1002:6819\n") ==
          "/etc/vfio-devices.ini:3: 'id' is given twice in [gpu]");
    CHECK(errors_of("[gpu]\n") == "/etc/vfio-devices.ini:1: [gpu] has neither address nor id");
    CHECK(errors_of("[gpu\nid = 1002:6818\n").find("/etc/vfio-devices.ini:1: malformed section header") == 0);
    CHECK(errors_of("[gpu]\njust words\nid = 1002:6818\n") ==
          "/etc/vfio-devices.ini:2: expected 'key = value', got 'just words'");
    CHECK(errors_of("[a]\naddress = 01:00.0\nid = 1002:6818\n[b]\naddress = 0000:01:00.0\nid = 1002:6818\n") ==
          "/etc/vfio-devices.ini:4: [b] repeats address 0000:01:00.0");
    CHECK(errors_of("[options]\nvfio_pci_options = x=1\\nblacklist radeon\n").find("holds characters") !=
          std::string::npos);
    CHECK(errors_of("[options]\nvfio_pci_options = ids=1002:6818\n").find("do not set ids=") != std::string::npos);
}

TEST_CASE("config: several errors are all reported, and nothing is returned") {
    std::string e = errors_of("[gpu]\naddress = nowhere\nid = 1002:6818\n[other]\nid = bad\n");
    CHECK(e.find(":2: 'nowhere'") != std::string::npos);
    CHECK(e.find(":5: 'bad'") != std::string::npos);
}

TEST_CASE("config: a path-like address never gets through") {
    std::string e = errors_of("[evil]\naddress = ../../../etc\nid = 1002:6818\n");
    CHECK(e.find(":2: '../../../etc' is not a PCI address") != std::string::npos);
}

TEST_CASE("config: binary garbage, CRLF, long lines and huge files") {
    std::string nul("[gpu]\nid = 1002:6818\n\0\xff\xfe", 23);
    auto n = parse_config(nul, "f");
    REQUIRE_FALSE(n.ok());
    CHECK(n.error().message == "f: contains NUL bytes; this is not a text file");

    std::string garbage;
    for (int i = 0; i < 2000; i++) garbage += static_cast<char>(1 + (i * 7919) % 255);
    auto g = parse_config(garbage, "g");
    CHECK_FALSE(g.ok());

    auto crlf = parse_config("[gpu]\r\naddress = 01:00.0\r\nid = 1002:6818\r\n", "c");
    REQUIRE_OK(crlf);
    CHECK(crlf->devices[0].id->str() == "1002:6818");

    std::string long_line = "[gpu]\nid = 1002:6818 ;" + std::string(300, 'x') + "\n";
    CHECK(errors_of(long_line.c_str()) == "/etc/vfio-devices.ini:2: line longer than 190 characters");

    // The limit is on what the line says, not on its line ending (found by config_fuzz).
    const std::string longest = "; " + std::string(188, 'x');
    for (const char* eol : {"\n", "\r\n", ""}) {
        CHECK(parse_config("[gpu]\nid = 1002:6818\n" + longest + eol, "f").ok());
        CHECK(errors_of(("[gpu]\nid = 1002:6818\n" + longest + "x" + eol).c_str()) ==
              "/etc/vfio-devices.ini:3: line longer than 190 characters");
    }

    std::string huge(10 * 1024 * 1024, ';');
    auto h = parse_config(huge, "h");
    REQUIRE_FALSE(h.ok());
    CHECK(h.error().code == EFBIG);
}

TEST_CASE("config: '#' after a value is a comment, as vfio-devices.ini(5) says; ';' too") {
    auto c = parse_config("[options]\ngroup = yes # the card's audio too\n[gpu]\nid = 1002:6818 # comment\n"
                          "address = 01:00.0\t; tab, then a comment\n[b]\nid = 10de:1b80#not a comment\n",
                          "x.ini");
    REQUIRE_FALSE(c.ok()); // '#' glued to the value is part of it, as inih treats ';'
    CHECK(c.error().message.find("x.ini:7:") != std::string::npos);
    auto ok = parse_config("[options]\ngroup = yes # the card's audio too\n[gpu]\nid = 1002:6818 # comment\n"
                           "address = 01:00.0\t; tab, then a comment\n",
                           "x.ini");
    REQUIRE_OK(ok);
    CHECK(ok->group);
    CHECK(ok->devices[0].id->str() == "1002:6818");
    CHECK(ok->devices[0].address->str() == "0000:01:00.0");
}

TEST_CASE("config: a UTF-8 byte order mark before the first line is accepted") {
    auto c = parse_config("\xEF\xBB\xBF[gpu]\naddress = 01:00.0\nid = 1002:6818\n", "x.ini");
    REQUIRE_OK(c);
    REQUIRE(c->devices.size() == 1);
    CHECK(c->devices[0].name == "gpu");
}
