#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "image/initramfs.h"
#include "image/uki.h"
#include "lib/image_builder.h"
#include "lib/require_ok.h"

using vb::Compression;
using vb::Visit;
using vbtest::CpioFile;

namespace {

struct Seen {
    std::string name;
    uint32_t mode;
    uint64_t size;
};

// Every entry (with the data of regular files) or the error.
struct Listing {
    vb::Result<vb::InitramfsInfo> info = vb::make_error(0, "not run");
    std::vector<Seen> entries;
    std::map<std::string, std::string> data;
};

Listing list(std::string_view image, const vb::InitramfsLimits& limits = {}) {
    Listing l;
    l.info = vb::read_initramfs(
        image,
        [&](const vb::CpioEntry& e) {
            l.entries.push_back({e.name, e.mode, e.size});
            if (e.is_regular()) {
                auto d = e.data();
                if (d) l.data[e.name] = *d;
            }
            return Visit::next;
        },
        limits);
    return l;
}

std::string error_of(std::string_view image) {
    auto l = list(image);
    return l.info.ok() ? std::string("(no error)") : l.info.error().message;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const std::vector<CpioFile> kEarly = {
    {"kernel", "", 040755},
    {"kernel/x86/microcode/AuthenticAMD.bin", std::string(1001, 'u')},
    {"early_cpio", "1\n"},
};
const std::vector<CpioFile> kMain = {
    {".", "", 040755},
    {"./etc", "", 040755},
    {"./etc/vfio-devices.ini", "[gpu]\naddress = 0000:01:00.0\n"},
    {"./usr/sbin/vfio-bind", std::string(3000, 'x'), 0100755},
    {"./bin", "usr/bin", 0120777},
};

} // namespace

TEST_CASE("a plain cpio archive: names normalized, modes, sizes, data") {
    auto l = list(vbtest::cpio_newc(kMain));
    REQUIRE_OK(l.info);
    REQUIRE(l.entries.size() == 5);
    CHECK(l.entries[0].name == "");
    CHECK(l.entries[1].name == "etc");
    CHECK(l.entries[2].name == "etc/vfio-devices.ini");
    CHECK(l.entries[3].mode == 0100755);
    CHECK(l.entries[3].size == 3000);
    CHECK(l.entries[4].name == "bin");
    CHECK(l.data["etc/vfio-devices.ini"] == "[gpu]\naddress = 0000:01:00.0\n");
    CHECK(l.data["usr/sbin/vfio-bind"] == std::string(3000, 'x'));
    CHECK(l.info->entries == 5);
    REQUIRE(l.info->segments.size() == 1);
    CHECK(l.info->segments[0].compression == Compression::none);
    CHECK_FALSE(l.info->uki);
}

TEST_CASE("early cpio + main archive, for every compression") {
    for (Compression c : vbtest::all_compressions()) {
        CAPTURE(std::string(vb::compression_name(c)));
        const std::string early = vbtest::cpio_newc(kEarly);
        const std::string image = early + vbtest::compress(c, vbtest::cpio_newc(kMain));
        auto l = list(image);
        REQUIRE_OK(l.info);
        CHECK(l.entries.size() == kEarly.size() + kMain.size());
        CHECK(l.data["kernel/x86/microcode/AuthenticAMD.bin"] == std::string(1001, 'u'));
        CHECK(l.data["usr/sbin/vfio-bind"] == std::string(3000, 'x'));
        REQUIRE(l.info->segments.size() == 2);
        CHECK(l.info->segments[0].compression == Compression::none);
        CHECK(l.info->segments[0].entries == kEarly.size());
        CHECK(l.info->segments[1].compression == c);
        CHECK(l.info->segments[1].offset == early.size());
    }
}

TEST_CASE("several archives, zero padding between them, in both kinds of part") {
    std::string early = vbtest::cpio_newc({{"a", "1"}}) + std::string(512, '\0') + vbtest::cpio_newc({{"b", "22"}});
    std::string inner = vbtest::cpio_newc({{"c", "333"}}) + std::string(8, '\0') + vbtest::cpio_newc({{"d", "4444"}});
    std::string image = early + std::string(4, '\0') + vbtest::zstd(inner) + std::string(16, '\0');
    auto l = list(image);
    REQUIRE_OK(l.info);
    CHECK(l.data == std::map<std::string, std::string>{{"a", "1"}, {"b", "22"}, {"c", "333"}, {"d", "4444"}});
    CHECK(l.info->segments.size() == 2);
}

TEST_CASE("the visitor can stop early: the rest is never read") {
    // Everything after the wanted file is garbage: reading it would fail.
    std::string inner = vbtest::cpio_newc({{"etc/vfio-devices.ini", "x"}, {"etc/other", "y"}}, false);
    std::string image = vbtest::gzip(inner + vbtest::newc_header("broken", 0100644, 999999));
    std::vector<std::string> seen;
    auto info = vb::read_initramfs(image, [&](const vb::CpioEntry& e) {
        seen.push_back(e.name);
        return e.name == "etc/vfio-devices.ini" ? Visit::stop : Visit::next;
    });
    REQUIRE_OK(info);
    CHECK(info->stopped);
    CHECK(seen == std::vector<std::string>{"etc/vfio-devices.ini"});
    // Without stopping, the same image is an error.
    CHECK(contains(error_of(image), "truncated"));
}

TEST_CASE("read_initramfs_files returns the wanted files and stops once all are found") {
    std::string inner = vbtest::cpio_newc({{"etc/a", "A"}, {"etc/b", "B"}}, false);
    std::string image = vbtest::zstd(inner + "garbage after the wanted files");
    auto found = vb::read_initramfs_files(image, {"etc/a", "etc/b"});
    REQUIRE_OK(found);
    CHECK(found->at("etc/a") == "A");
    CHECK(found->at("etc/b") == "B");
    auto some = vb::read_initramfs_files(vbtest::cpio_newc(kMain), {"etc/vfio-devices.ini", "etc/absent"});
    REQUIRE_OK(some);
    CHECK(some->size() == 1);
    CHECK(some->count("etc/vfio-devices.ini") == 1);
}

TEST_CASE("entry data on demand: cached, capped, and skipping continues") {
    std::string image = vbtest::cpio_newc({{"big", std::string(5000, 'b')}, {"small", "s"}});
    std::map<std::string, std::string> got;
    auto info = vb::read_initramfs(image, [&](const vb::CpioEntry& e) {
        if (e.name == "big") {
            auto d = e.data(100);
            REQUIRE_FALSE(d.ok());
            CHECK(d.error().code == EFBIG);
        } else {
            auto d1 = e.data();
            auto d2 = e.data();
            REQUIRE_OK(d1);
            REQUIRE_OK(d2);
            CHECK(*d1 == *d2);
            got[e.name] = *d1;
        }
        return Visit::next;
    });
    REQUIRE_OK(info);
    CHECK(got["small"] == "s");
}

TEST_CASE("a UKI is read through its .initrd section") {
    std::string initrd = vbtest::cpio_newc(kEarly) + vbtest::zstd(vbtest::cpio_newc(kMain));
    std::string uki = vbtest::pe_image({{".osrel", "ID=debian\n"},
                                        {".cmdline", "quiet intel_iommu=on\n"},
                                        {".uname", "6.1.0-56-amd64"},
                                        {".linux", std::string(700, 'k')},
                                        {".initrd", initrd}});
    auto parts = vb::read_uki(uki);
    REQUIRE_OK(parts);
    CHECK(parts->uname == "6.1.0-56-amd64");
    CHECK(parts->cmdline == "quiet intel_iommu=on");
    CHECK(parts->initrd == initrd);
    auto l = list(uki);
    REQUIRE_OK(l.info);
    CHECK(l.info->uki);
    CHECK(l.data["etc/vfio-devices.ini"] == "[gpu]\naddress = 0000:01:00.0\n");
}

TEST_CASE("bad PE images are errors") {
    CHECK(contains(error_of(vbtest::pe_image({{".linux", "k"}})), "no .initrd section"));
    CHECK(contains(error_of("MZ"), "malformed PE"));
    const std::string initrd = vbtest::cpio_newc(kMain);
    std::string uki = vbtest::pe_image({{".initrd", initrd}});
    CHECK(contains(error_of(uki.substr(0, uki.size() - initrd.size() / 2)), "past the end"));
    std::string bad_pe = uki;
    bad_pe[0x3c] = '\xff'; // PE header offset past the end
    bad_pe[0x3d] = '\xff';
    bad_pe[0x3e] = '\xff';
    CHECK(contains(error_of(bad_pe), "no PE signature"));
}

TEST_CASE("bad images give clear errors") {
    const std::string good = vbtest::cpio_newc(kMain);
    SUBCASE("empty") { CHECK(contains(error_of(""), "empty")); }
    SUBCASE("only zeros") { CHECK(contains(error_of(std::string(64, '\0')), "empty")); }
    SUBCASE("garbage") {
        std::string e = error_of("this is not an initramfs");
        CHECK(contains(e, "not an initramfs"));
        CHECK(contains(e, "74 68 69 73")); // shows the bytes found
    }
    SUBCASE("garbage after the early cpio") {
        CHECK(contains(error_of(vbtest::cpio_newc(kEarly) + "junk"), "unknown data at byte"));
    }
    SUBCASE("bad magic (an odc archive)") {
        std::string odc = good;
        odc[5] = '7';
        CHECK(contains(error_of(odc), "bad cpio magic"));
    }
    SUBCASE("a header field that is not hexadecimal") {
        std::string bad = good;
        bad[20] = 'z';
        CHECK(contains(error_of(bad), "not hexadecimal"));
    }
    SUBCASE("a name longer than PATH_MAX") {
        CHECK(contains(error_of(vbtest::newc_header("x", 0100644, 0, 0xFFFFFFFF)), "has a name of 4294967295 bytes"));
    }
    SUBCASE("a name longer than the file") {
        CHECK(contains(error_of(vbtest::newc_header("x", 0100644, 0, 4000)), "truncated"));
    }
    SUBCASE("a name without its NUL") {
        std::string h = vbtest::newc_header("abc", 0100644, 0, 3) + vbtest::newc_header("TRAILER!!!", 0, 0);
        CHECK(contains(error_of(h), "not NUL-terminated"));
    }
    SUBCASE("a size past the end, uncompressed and compressed") {
        std::string h = vbtest::newc_header("etc/x", 0100644, 0xFFFFFFF0) + "abc";
        CHECK(contains(error_of(h), "truncated: the data ends inside the data of 'etc/x'"));
        CHECK(contains(error_of(vbtest::xz_or_lzma(h, false)), "the data of 'etc/x'"));
    }
    SUBCASE("an archive without its trailer inside a compressed part") {
        // The kernel would hit the end inside an archive: we say so.
        std::string e = error_of(vbtest::gzip(vbtest::cpio_newc(kMain, false) + "junk"));
        CHECK(contains(e, "gzip part at byte 0"));
    }
    SUBCASE("junk after the trailer inside a compressed part") {
        CHECK(contains(error_of(vbtest::lz4_frame(good + "junk")), "junk after a cpio archive"));
    }
    SUBCASE("a truncated compressed part") {
        std::string packed = vbtest::zstd(good);
        CHECK(contains(error_of(vbtest::cpio_newc(kEarly) + packed.substr(0, packed.size() / 2)), "truncated"));
    }
    SUBCASE("an unsupported compression") {
        CHECK(contains(error_of("BZh91AY&SY..."), "bzip2 compression is not supported"));
    }
    SUBCASE("a decompression bomb stops at the limit") {
        std::string bomb = vbtest::zstd(vbtest::cpio_newc({{"zeros", std::string(4u << 20, '\0')}}));
        vb::InitramfsLimits limits;
        limits.max_unpacked = 1u << 20;
        auto l = list(bomb, limits);
        REQUIRE_FALSE(l.info.ok());
        CHECK(l.info.error().code == EFBIG);
    }
}

TEST_CASE("every truncation of an image is an error, never a crash") {
    const std::string early = vbtest::cpio_newc(kEarly);
    const std::string image = early + vbtest::gzip(vbtest::cpio_newc(kMain));
    for (size_t cut = 1; cut < image.size(); ++cut) {
        if (cut == early.size()) continue; // a complete early archive alone is a valid image
        CAPTURE(cut);
        auto l = list(image.substr(0, cut));
        CHECK_FALSE(l.info.ok());
    }
}
