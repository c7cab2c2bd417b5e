// libFuzzer target for the decompressors. The first byte picks the mode:
//  - any bytes as a compressed stream: bounded output, consumed() within the
//    input, and for gzip ISA-L's igzip and zlib agree on every byte and on
//    whether the stream is good;
//  - a round trip: the rest compressed with the format's own library (gzip,
//    zstd, xz, lz4 frame; once or twice back to back) must be detected as
//    that format and decompress to exactly the rest, every compressed byte used.
#include <string>

#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "fuzz_check.h"
#include "image/decompress.h"

namespace {

constexpr size_t kMaxOut = 1u << 20;

struct Output {
    bool ok = true;
    std::string bytes;
    size_t consumed = 0;
};

// All of a decompressor's output, pulled in pieces of varying size.
Output drain(vb::Decompressor& d, size_t piece) {
    Output out;
    std::string buf(8192, '\0');
    for (size_t i = 0;; ++i) {
        auto n = d.read(&buf[0], piece == 0 ? buf.size() : 1 + (piece * 131 * (i + 1)) % buf.size());
        if (!n) {
            out.ok = false;
            break;
        }
        if (*n == 0) break;
        out.bytes.append(buf, 0, *n);
        if (out.bytes.size() > kMaxOut) break;
    }
    out.consumed = d.consumed();
    return out;
}

Output run(vb::Compression c, std::string_view input, vb::Inflater inflater, size_t piece) {
    auto d = vb::open_decompressor(c, input, inflater);
    FUZZ_CHECK(d.ok());
    return drain(**d, piece);
}

std::string gzip(std::string_view in) {
    z_stream z{};
    FUZZ_CHECK(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&z, in.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = in.size();
    z.next_out = reinterpret_cast<Bytef*>(&out[0]);
    z.avail_out = out.size();
    FUZZ_CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

std::string zstd(std::string_view in) {
    std::string out(ZSTD_compressBound(in.size()), '\0');
    size_t n = ZSTD_compress(&out[0], out.size(), in.data(), in.size(), 1);
    FUZZ_CHECK(!ZSTD_isError(n));
    out.resize(n);
    return out;
}

std::string xz(std::string_view in) {
    std::string out(lzma_stream_buffer_bound(in.size()), '\0');
    size_t n = 0;
    FUZZ_CHECK(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, nullptr, reinterpret_cast<const uint8_t*>(in.data()),
                                       in.size(), reinterpret_cast<uint8_t*>(&out[0]), &n, out.size()) == LZMA_OK);
    out.resize(n);
    return out;
}

std::string lz4(std::string_view in) {
    std::string out(LZ4F_compressFrameBound(in.size(), nullptr), '\0');
    size_t n = LZ4F_compressFrame(&out[0], out.size(), in.data(), in.size(), nullptr);
    FUZZ_CHECK(!LZ4F_isError(n));
    out.resize(n);
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    const std::string_view rest = fuzz::text_of(data + 1, size - 1);
    const size_t piece = mode >> 3;

    if ((mode & 7) == 0 || (mode & 7) > 4) { // any bytes
        const vb::Compression c = vb::detect_compression(rest);
        auto whole = vb::decompress(rest, 1u << 20);
        if (whole) FUZZ_CHECK(whole->size() <= 1u << 20);
        auto d = vb::open_decompressor(c, rest, vb::Inflater::zlib);
        if (!d) return 0;
        const Output ref = drain(**d, piece);
        FUZZ_CHECK(ref.consumed <= rest.size());
        if (c == vb::Compression::gzip && vb::have_fast_inflate()) {
            const Output fast = run(c, rest, vb::Inflater::fastest, piece);
            FUZZ_CHECK(fast.consumed <= rest.size());
            FUZZ_CHECK(fast.ok == ref.ok);
            if (fast.ok) FUZZ_CHECK(fast.bytes == ref.bytes && fast.consumed == ref.consumed);
        }
        return 0;
    }

    static const struct {
        vb::Compression c;
        std::string (*compress)(std::string_view);
    } kFormats[] = {{vb::Compression::gzip, gzip},
                    {vb::Compression::zstd, zstd},
                    {vb::Compression::xz, xz},
                    {vb::Compression::lz4_frame, lz4}};
    const auto& f = kFormats[(mode & 7) - 1];
    const bool twice = mode & 8;
    std::string packed = f.compress(rest);
    if (twice) packed += f.compress(rest);
    const std::string want = twice ? std::string(rest) + std::string(rest) : std::string(rest);
    FUZZ_CHECK(vb::detect_compression(packed) == f.c);
    for (auto inflater : {vb::Inflater::fastest, vb::Inflater::zlib}) {
        const Output got = run(f.c, packed, inflater, piece);
        FUZZ_CHECK(got.ok && got.bytes == want && got.consumed == packed.size());
        if (f.c != vb::Compression::gzip) break;
    }
    return 0;
}
