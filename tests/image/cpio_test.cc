// The newc reader on its own, on archives made byte by byte
// (lib/image_builder.h): what the kernel accepts, it reads the same way.
#include <doctest/doctest.h>

#include <vector>

#include "basic/byte_source.h"
#include "image/cpio.h"
#include "lib/image_builder.h"
#include "lib/require_ok.h"

using namespace vb;
using vbtest::CpioFile;

namespace {

struct Read {
    Result<CpioEnd> end = make_error(0, "not run");
    std::vector<std::string> names;
    std::vector<std::string> data;
    size_t entries = 0;
    uint64_t stopped_at = 0; // reader position when it returned
};

Read read_all(const std::string& bytes, bool allow_foreign = false, const char* stop_at = nullptr) {
    Read r;
    MemorySource src(bytes);
    ByteReader in(src);
    r.end = read_cpio(
        in,
        [&](const CpioEntry& e) {
            r.names.push_back(e.name);
            if (e.is_regular()) {
                auto d = e.data();
                r.data.push_back(d ? *d : "<" + d.error().message + ">");
            }
            return stop_at && e.name == stop_at ? Visit::stop : Visit::next;
        },
        allow_foreign, r.entries);
    r.stopped_at = in.position();
    return r;
}

} // namespace

TEST_CASE("cpio: entries in order, names without ./ or /, data, the trailer unseen") {
    auto r = read_all(vbtest::cpio_newc({{".", "", 040755},
                                         {"./etc/vfio-devices.ini", "[gpu]\n"},
                                         {"/usr/sbin/vfio-bind", "ELF", 0100755},
                                         {"usr/lib/link", "target", 0120777}}));
    REQUIRE_OK(r.end);
    CHECK(*r.end == CpioEnd::end_of_stream);
    CHECK(r.names == std::vector<std::string>{"", "etc/vfio-devices.ini", "usr/sbin/vfio-bind", "usr/lib/link"});
    CHECK(r.data == std::vector<std::string>{"[gpu]\n", "ELF"});
    CHECK(r.entries == 4);
}

TEST_CASE("cpio: several archives with zero padding between them, as concatenated images are") {
    std::string two = vbtest::cpio_newc({{"a", "1"}}) + std::string(512, '\0') + vbtest::cpio_newc({{"b", "22"}});
    auto r = read_all(two);
    REQUIRE_OK(r.end);
    CHECK(r.names == std::vector<std::string>{"a", "b"});
    CHECK(r.data == std::vector<std::string>{"1", "22"});
}

TEST_CASE("cpio: the CRC variant (070702) reads like newc") {
    std::string a = vbtest::cpio_newc({{"x", "data"}});
    for (size_t p = a.find("070701"); p != std::string::npos; p = a.find("070701", p + 1)) a[p + 5] = '2';
    auto r = read_all(a);
    REQUIRE_OK(r.end);
    CHECK(r.names == std::vector<std::string>{"x"});
}

TEST_CASE("cpio: foreign data after an archive ends the read there when allowed, else is an error") {
    std::string archive = vbtest::cpio_newc({{"early", "ucode"}});
    std::string image = archive + "\x1f\x8b\x08rest-of-a-gzip-stream";
    auto allowed = read_all(image, true);
    REQUIRE_OK(allowed.end);
    CHECK(*allowed.end == CpioEnd::foreign_data);
    CHECK(allowed.stopped_at == archive.size()); // left at the foreign byte
    auto refused = read_all(image, false);
    REQUIRE_FALSE(refused.end.ok());
    CHECK(refused.end.error().message == "junk after a cpio archive at byte " + std::to_string(archive.size()));
}

TEST_CASE("cpio: the visitor stops the read; data not asked for is skipped") {
    auto r = read_all(vbtest::cpio_newc({{"a", "1"}, {"b", "2"}, {"c", "3"}}), false, "b");
    REQUIRE_OK(r.end);
    CHECK(*r.end == CpioEnd::stopped);
    CHECK(r.names == std::vector<std::string>{"a", "b"});
}

TEST_CASE("cpio: broken headers are errors that say where") {
    SUBCASE("bad magic") {
        auto r = read_all("070707" + std::string(200, '0'));
        REQUIRE_FALSE(r.end.ok());
        CHECK(r.end.error().message == "bad cpio magic at byte 0 (not a newc archive)");
    }
    SUBCASE("a field that is not hex") {
        std::string a = vbtest::cpio_newc({{"x", "1"}});
        a[20] = 'g';
        auto r = read_all(a);
        REQUIRE_FALSE(r.end.ok());
        CHECK(r.end.error().message == "bad cpio header at byte 0 (a field is not hexadecimal)");
    }
    SUBCASE("a name longer than PATH_MAX") {
        auto r = read_all(vbtest::newc_header("n", 0100644, 0, 5000) + std::string(5100, 'n'));
        REQUIRE_FALSE(r.end.ok());
        CHECK(r.end.error().message.find("has a name of 5000 bytes (limit 4096)") != std::string::npos);
    }
    SUBCASE("a name without its NUL") {
        std::string h = vbtest::newc_header("abc", 0100644, 0, 3); // namesize 3: "abc" without the NUL
        auto r = read_all(h.substr(0, 110) + "abcd" + std::string(8, '\0'));
        REQUIRE_FALSE(r.end.ok());
        CHECK(r.end.error().message == "cpio entry name at byte 0 is not NUL-terminated");
    }
    SUBCASE("no trailer: the stream ends inside the archive") {
        auto r = read_all(vbtest::cpio_newc({{"x", "1"}}, false));
        REQUIRE_FALSE(r.end.ok());
    }
}

TEST_CASE("cpio: data larger than asked for is refused, the read goes on past it") {
    std::string big(3000, 'b');
    Read r;
    std::string bytes = vbtest::cpio_newc({{"big", big}, {"next", "n"}});
    MemorySource src(bytes);
    ByteReader in(src);
    std::vector<std::string> seen;
    r.end = read_cpio(
        in,
        [&](const CpioEntry& e) {
            auto d = e.data(1000);
            seen.push_back(e.name + ":" + (d ? *d : d.error().message));
            return Visit::next;
        },
        false, r.entries);
    REQUIRE_OK(r.end);
    CHECK(seen == std::vector<std::string>{"big:'big' is larger than 1000 bytes", "next:n"});
}
