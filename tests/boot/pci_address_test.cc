#include <doctest/doctest.h>

#include "boot/pci_address.h"
#include "lib/require_ok.h"

using namespace vb;

TEST_CASE("pci addresses: full and short forms, canonical output") {
    auto a = parse_pci_address("0000:01:00.0");
    REQUIRE_OK(a);
    CHECK(a->str() == "0000:01:00.0");
    auto b = parse_pci_address("0A:1f.7");
    REQUIRE_OK(b);
    CHECK(b->str() == "0000:0a:1f.7");
    auto c = parse_pci_address("10000:e1:00.0"); // Intel VMD's domain
    REQUIRE_OK(c);
    CHECK(c->domain == 0x10000);
    CHECK(c->str() == "10000:e1:00.0");
    CHECK(c->slot_str() == "10000:e1:00");
    CHECK_FALSE(parse_pci_address("123456789:00:00.0").ok()); // more than 32 bits
    auto d = parse_pci_address("abcd:ff:1f.7");
    REQUIRE_OK(d);
    CHECK(d->domain == 0xabcd);
}

TEST_CASE("pci addresses: compared as numbers, whatever the width of the domain") {
    auto a = *parse_pci_address("ffff:00:00.0"), b = *parse_pci_address("10000:00:00.0"),
         c = *parse_pci_address("0000:02:00.0"), d = *parse_pci_address("0000:01:1f.7");
    CHECK(a < b);
    CHECK_FALSE(b < a);
    CHECK(d < c);
    CHECK(c < a);
    CHECK(b == *parse_pci_address("00010000:00:00.0"));
    CHECK_FALSE(b.same_slot(*parse_pci_address("0000:00:00.1")));
}

TEST_CASE("pci addresses: a kernel name is exactly str()'s form") {
    for (const char* good : {"0000:01:00.0", "10000:e1:00.0", "abcd:ff:1f.7"}) {
        CAPTURE(good);
        REQUIRE(parse_pci_sysfs_name(good));
        CHECK(parse_pci_sysfs_name(good)->str() == good);
    }
    for (const char* not_one : {"01:00.0", "pci0000:00", "0000:00", "0000:0A:00.0", "010000:e1:00.0", "nvme0"}) {
        CAPTURE(not_one);
        CHECK_FALSE(parse_pci_sysfs_name(not_one));
    }
}

TEST_CASE("pci addresses: anything else is rejected before it can become a path") {
    for (const char* bad :
         {"", "../../../etc", "0000:01:00", "01:00.8", "01:20.0", "0000:01:00.0/..", "1:00.0", "0000:01:00.0 ",
          "zz:00.0", "0000:01:00.00", "0000::01:00.0", "01.00.0", "000:01:00.0", "123456789:01:00.0"}) {
        CAPTURE(bad);
        auto r = parse_pci_address(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("not a PCI address") != std::string::npos);
    }
}

TEST_CASE("pci ids: vendor:device and with subsystem") {
    auto id = parse_pci_id("1002:6818");
    REQUIRE_OK(id);
    CHECK(id->str() == "1002:6818");
    CHECK(id->matches(0x1002, 0x6818, 0x1458, 0x22d9));
    auto sub = parse_pci_id("10DE:1B80:1458:22d9");
    REQUIRE_OK(sub);
    CHECK(sub->str() == "10de:1b80:1458:22d9");
    CHECK(sub->matches(0x10de, 0x1b80, 0x1458, 0x22d9));
    CHECK_FALSE(sub->matches(0x10de, 0x1b80, 0x1458, 0x0000));
    for (const char* bad : {"1002", "1002:681", "1002:6818:1458", "1002:6818:", "g002:6818", "1002:68181"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_pci_id(bad).ok());
    }
}

TEST_CASE("sysfs hex attributes") {
    CHECK(*parse_sysfs_hex("0x1002\n") == 0x1002);
    CHECK(*parse_sysfs_hex("0x030000\n") == 0x030000);
    CHECK_FALSE(parse_sysfs_hex("nonsense").ok());
}

TEST_CASE("pci ids: a 4-part id compares every part") {
    auto sub = parse_pci_id("10de:1b80:1458:22d9");
    REQUIRE_OK(sub);
    CHECK(sub->matches(0x10de, 0x1b80, 0x1458, 0x22d9));
    CHECK_FALSE(sub->matches(0x10de, 0x1b80, 0x1043, 0x22d9)); // another board maker, same subdevice
    CHECK_FALSE(sub->matches(0x10de, 0x1b80, 0x1458, 0x22da));
    CHECK_FALSE(sub->matches(0x10de, 0x1b81, 0x1458, 0x22d9));
    CHECK_FALSE(sub->matches(0x1002, 0x1b80, 0x1458, 0x22d9));
}
