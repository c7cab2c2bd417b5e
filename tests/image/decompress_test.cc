#include <doctest/doctest.h>

#include <string>

#include "image/decompress.h"
#include "lib/image_builder.h"
#include "lib/require_ok.h"

using vb::Compression;

namespace {

// Text that compresses well but is not trivial.
std::string sample(size_t n) {
    std::string s;
    for (size_t i = 0; s.size() < n; ++i) s += "line " + std::to_string(i * 7919 % 1000) + " of the sample\n";
    s.resize(n);
    return s;
}

// Reads a decompressor to the end `chunk` bytes at a time.
vb::Result<std::string> drain(vb::Decompressor& d, size_t chunk) {
    std::string out, buf(chunk, '\0');
    for (;;) {
        auto n = d.read(buf.data(), chunk);
        if (!n) return n.error();
        if (*n == 0) return out;
        out.append(buf, 0, *n);
    }
}

} // namespace

TEST_CASE("detect_compression knows the kernel's magic bytes") {
    CHECK(vb::detect_compression("070701000") == Compression::none);
    CHECK(vb::detect_compression("070702000") == Compression::none);
    CHECK(vb::detect_compression("\x1f\x8b\x08") == Compression::gzip);
    CHECK(vb::detect_compression("\x28\xb5\x2f\xfd") == Compression::zstd);
    CHECK(vb::detect_compression(std::string("\xfd"
                                             "7zXZ\0",
                                             6)) == Compression::xz);
    CHECK(vb::detect_compression(std::string("\x5d\0\0\x80", 4)) == Compression::lzma);
    CHECK(vb::detect_compression("\x02\x21\x4c\x18") == Compression::lz4_legacy);
    CHECK(vb::detect_compression("\x04\x22\x4d\x18") == Compression::lz4_frame);
    CHECK(vb::detect_compression("BZh91AY") == Compression::bzip2);
    CHECK(vb::detect_compression("\x89LZO") == Compression::lzo);
    CHECK(vb::detect_compression("hello") == Compression::unknown);
    CHECK(vb::detect_compression("") == Compression::unknown);
    CHECK(vb::detect_compression("\x1f") == Compression::unknown);
}

TEST_CASE("every supported format round-trips, whatever the read size") {
    // Over 8 MiB so that lz4's legacy format needs two blocks.
    const std::string data = sample((8u << 20) + 12345);
    for (Compression c : vbtest::all_compressions()) {
        CAPTURE(std::string(vb::compression_name(c)));
        const std::string packed = vbtest::compress(c, data);
        REQUIRE(vb::detect_compression(packed) == c);
        auto whole = vb::decompress(packed, 64u << 20);
        REQUIRE_OK(whole);
        CHECK(*whole == data);
        auto d = vb::open_decompressor(c, packed);
        REQUIRE_OK(d);
        auto small = drain(**d, 4093); // odd size: outputs split anywhere
        REQUIRE_OK(small);
        CHECK(*small == data);
        CHECK((*d)->consumed() == packed.size());
    }
}

TEST_CASE("a stream followed by other data stops at its own end") {
    const std::string data = sample(100000);
    const std::string tail = std::string(4, '\0') + "070701 something else";
    for (Compression c : vbtest::all_compressions()) {
        if (c == Compression::lz4_legacy) continue; // no end mark: covered below
        CAPTURE(std::string(vb::compression_name(c)));
        const std::string packed = vbtest::compress(c, data);
        const std::string input = packed + tail; // outlives the decompressor
        auto d = vb::open_decompressor(c, input);
        REQUIRE_OK(d);
        auto out = drain(**d, 65536);
        INFO(std::string(out.ok() ? "" : out.error().message));
        REQUIRE_OK(out);
        CHECK(*out == data);
        CHECK((*d)->consumed() == packed.size());
    }
}

TEST_CASE("lz4 legacy ends at zero padding and continues at a repeated magic") {
    const std::string a = sample(5000), b = sample(7000);
    std::string packed = vbtest::lz4_legacy(a) + vbtest::lz4_legacy(b);
    auto out = vb::decompress(packed + std::string(8, '\0'), 1u << 20);
    REQUIRE_OK(out);
    CHECK(*out == a + b);
}

TEST_CASE("concatenated streams of one format read as one, zero padding between them allowed") {
    const std::string a = sample(3000), b = sample(5000);
    for (Compression c : vbtest::all_compressions()) {
        if (c == Compression::lzma) continue; // the .lzma format has no magic to find a second stream by
        CAPTURE(std::string(vb::compression_name(c)));
        std::string packed = vbtest::compress(c, a) + std::string(4, '\0') + vbtest::compress(c, b);
        if (c == Compression::lz4_legacy) packed = vbtest::compress(c, a) + vbtest::compress(c, b);
        auto out = vb::decompress(packed, 1u << 20);
        REQUIRE_OK(out);
        CHECK(*out == a + b);
    }
}

TEST_CASE("truncated streams are errors that say so, at every cut") {
    const std::string data = sample(20000);
    for (Compression c : vbtest::all_compressions()) {
        CAPTURE(std::string(vb::compression_name(c)));
        const std::string packed = vbtest::compress(c, data);
        for (size_t cut : {packed.size() / 4, packed.size() / 2, packed.size() - 1}) {
            CAPTURE(cut);
            auto out = vb::decompress(packed.substr(0, cut), 1u << 20);
            REQUIRE_FALSE(out.ok());
            CHECK(out.error().message.find("truncated") != std::string::npos);
        }
    }
}

TEST_CASE("corrupt streams give an error or wrong bytes, never a crash") {
    const std::string data = sample(20000);
    for (Compression c : vbtest::all_compressions()) {
        CAPTURE(std::string(vb::compression_name(c)));
        std::string packed = vbtest::compress(c, data);
        for (size_t i = 12; i < packed.size(); i += packed.size() / 7) packed[i] = char(packed[i] ^ 0x5a);
        auto out = vb::decompress(packed, 1u << 20);
        if (out.ok()) CHECK(*out != data);
        // Formats with checksums must notice.
        if (c == Compression::gzip || c == Compression::xz) CHECK_FALSE(out.ok());
    }
}

TEST_CASE("output past the cap is refused") {
    auto out = vb::decompress(vbtest::zstd(std::string(1u << 20, 'a')), 1000);
    REQUIRE_FALSE(out.ok());
    CHECK(out.error().code == EFBIG);
}

TEST_CASE("recognised but unsupported formats and garbage are clear errors") {
    auto bz = vb::open_decompressor(Compression::bzip2, "BZh91AY&SY");
    REQUIRE_FALSE(bz.ok());
    CHECK(bz.error().code == ENOTSUP);
    CHECK(bz.error().message.find("bzip2") != std::string::npos);
    auto junk = vb::decompress("not compressed at all", 100);
    REQUIRE_FALSE(junk.ok());
    CHECK(junk.error().message.find("unknown magic") != std::string::npos);
}

TEST_CASE("gzip: igzip (where built in) and zlib read the same streams the same way") {
    const std::string a = sample((2u << 20) + 77), b = sample(5000);
    const std::string one = vbtest::compress(Compression::gzip, a);
    const std::string two = one + std::string(3, '\0') + vbtest::compress(Compression::gzip, b);
    const std::string tail = std::string(4, '\0') + "070701 something else";
    for (vb::Inflater inf : {vb::Inflater::fastest, vb::Inflater::zlib}) {
        CAPTURE(inf == vb::Inflater::zlib ? "zlib" : vb::have_fast_inflate() ? "igzip" : "zlib (no igzip)");
        for (size_t chunk : {size_t(1), size_t(4093), size_t(1u << 20)}) {
            if (chunk == 1 && inf == vb::Inflater::zlib) continue; // slow, and zlib is the reference
            const std::string small = vbtest::compress(Compression::gzip, b);
            auto d = vb::open_decompressor(Compression::gzip, chunk == 1 ? small : one, inf);
            REQUIRE_OK(d);
            auto out = drain(**d, chunk);
            REQUIRE_OK(out);
            CHECK(*out == (chunk == 1 ? b : a));
            CHECK((*d)->consumed() == (chunk == 1 ? small : one).size());
        }
        auto d2 = vb::open_decompressor(Compression::gzip, two, inf);
        REQUIRE_OK(d2);
        auto out2 = drain(**d2, 65536);
        REQUIRE_OK(out2);
        CHECK(*out2 == a + b);
        const std::string followed = one + tail;
        auto d3 = vb::open_decompressor(Compression::gzip, followed, inf);
        REQUIRE_OK(d3);
        REQUIRE_OK(drain(**d3, 65536));
        CHECK((*d3)->consumed() == one.size()); // what follows the stream starts there
        for (size_t cut : {one.size() / 2, one.size() - 1}) {
            auto d4 = vb::open_decompressor(Compression::gzip, std::string_view(one).substr(0, cut), inf);
            REQUIRE_OK(d4);
            auto out4 = drain(**d4, 65536);
            REQUIRE_FALSE(out4.ok());
            CHECK(out4.error().message.find("truncated") != std::string::npos);
        }
        std::string bad = one;
        bad[bad.size() - 6] ^= 0x55; // the CRC in the trailer
        auto d5 = vb::open_decompressor(Compression::gzip, bad, inf);
        REQUIRE_OK(d5);
        CHECK_FALSE(drain(**d5, 65536).ok());
    }
}
