// Building initramfs images in tests: a tiny newc cpio writer and the
// compressors (through the same libraries the reader uses), so every test
// makes exactly the bytes it needs. Header-only: shared by the unit tests and
// the benchmark without a Makefile change.
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "image/decompress.h"

namespace vbtest {

struct CpioFile {
    std::string name;
    std::string data;
    uint32_t mode = 0100644;
};

// One newc header + name, padded; `namesize` overrides the real name size
// (0 = the real one) to make broken archives.
inline std::string newc_header(const std::string& name, uint32_t mode, uint32_t filesize, uint32_t namesize = 0) {
    char h[111];
    uint32_t ns = namesize ? namesize : static_cast<uint32_t>(name.size() + 1);
    std::snprintf(h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1u, mode, 0u, 0u, 1u, 0u,
                  filesize, 0u, 0u, 0u, 0u, ns, 0u);
    std::string out(h, 110);
    out += name;
    out += '\0';
    while (out.size() % 4) out += '\0';
    return out;
}

inline void pad4(std::string& s) {
    while (s.size() % 4) s += '\0';
}

// A complete archive (with "TRAILER!!!" unless told otherwise), 4-byte padded.
inline std::string cpio_newc(const std::vector<CpioFile>& files, bool trailer = true) {
    std::string out;
    for (const auto& f : files) {
        out += newc_header(f.name, f.mode, static_cast<uint32_t>(f.data.size()));
        out += f.data;
        pad4(out);
    }
    if (trailer) out += newc_header("TRAILER!!!", 0, 0);
    return out;
}

inline std::string gzip(const std::string& in) {
    z_stream zs{};
    if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("zlib");
    std::string out(deflateBound(&zs, in.size()) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

inline std::string zstd(const std::string& in) {
    std::string out(ZSTD_compressBound(in.size()), '\0');
    size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
    if (ZSTD_isError(n)) throw std::runtime_error("zstd");
    out.resize(n);
    return out;
}

inline std::string xz_or_lzma(const std::string& in, bool legacy_lzma) {
    lzma_stream s = LZMA_STREAM_INIT;
    lzma_options_lzma opt;
    lzma_lzma_preset(&opt, 1);
    lzma_ret r = legacy_lzma ? lzma_alone_encoder(&s, &opt) : lzma_easy_encoder(&s, 1, LZMA_CHECK_CRC32);
    if (r != LZMA_OK) throw std::runtime_error("lzma");
    std::string out(in.size() + in.size() / 2 + 4096, '\0');
    s.next_in = reinterpret_cast<const uint8_t*>(in.data());
    s.avail_in = in.size();
    s.next_out = reinterpret_cast<uint8_t*>(out.data());
    s.avail_out = out.size();
    if (lzma_code(&s, LZMA_FINISH) != LZMA_STREAM_END) throw std::runtime_error("lzma_code");
    out.resize(s.total_out);
    lzma_end(&s);
    return out;
}

// "lz4 -l": magic, then <le32 size><block> per 8 MiB of input.
inline std::string lz4_legacy(const std::string& in) {
    auto le32 = [](uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; };
    std::string out = le32(0x184C2102);
    const size_t block = 8u << 20;
    for (size_t off = 0; off < in.size(); off += block) {
        size_t len = std::min(block, in.size() - off);
        std::string c(LZ4_compressBound(static_cast<int>(len)), '\0');
        int n = LZ4_compress_default(in.data() + off, c.data(), static_cast<int>(len), static_cast<int>(c.size()));
        if (n <= 0) throw std::runtime_error("lz4");
        out += le32(static_cast<uint32_t>(n)) + c.substr(0, static_cast<size_t>(n));
    }
    return out;
}

inline std::string lz4_frame(const std::string& in) {
    std::string out(LZ4F_compressFrameBound(in.size(), nullptr), '\0');
    size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), nullptr);
    if (LZ4F_isError(n)) throw std::runtime_error("lz4f");
    out.resize(n);
    return out;
}

inline std::string compress(vb::Compression c, const std::string& in) {
    switch (c) {
    case vb::Compression::gzip: return gzip(in);
    case vb::Compression::zstd: return zstd(in);
    case vb::Compression::xz: return xz_or_lzma(in, false);
    case vb::Compression::lzma: return xz_or_lzma(in, true);
    case vb::Compression::lz4_legacy: return lz4_legacy(in);
    case vb::Compression::lz4_frame: return lz4_frame(in);
    case vb::Compression::none: return in;
    default: throw std::runtime_error("no compressor for this format");
    }
}

inline const std::vector<vb::Compression>& all_compressions() {
    static const std::vector<vb::Compression> all = {vb::Compression::gzip,       vb::Compression::zstd,
                                                     vb::Compression::xz,         vb::Compression::lzma,
                                                     vb::Compression::lz4_legacy, vb::Compression::lz4_frame};
    return all;
}

// A minimal PE image (what a UKI is) with the given sections.
inline std::string pe_image(const std::vector<std::pair<std::string, std::string>>& sections) {
    auto put = [](std::string& s, size_t off, uint32_t v, int bytes) {
        for (int i = 0; i < bytes; ++i) s[off + i] = char(v >> (8 * i));
    };
    const size_t pe = 0x80, table = pe + 24; // no optional header
    size_t data_off = (table + 40 * sections.size() + 511) & ~size_t(511);
    std::string img(data_off, '\0');
    img[0] = 'M';
    img[1] = 'Z';
    put(img, 0x3c, pe, 4);
    img.replace(pe, 4, std::string("PE\0\0", 4));
    put(img, pe + 4, 0x8664, 2);
    put(img, pe + 6, static_cast<uint32_t>(sections.size()), 2);
    for (size_t i = 0; i < sections.size(); ++i) {
        const auto& [name, data] = sections[i];
        size_t s = table + i * 40;
        img.replace(s, std::min<size_t>(8, name.size()), name.substr(0, 8));
        size_t raw = (data.size() + 511) & ~size_t(511); // file alignment
        put(img, s + 8, static_cast<uint32_t>(data.size()), 4);
        put(img, s + 16, static_cast<uint32_t>(raw), 4);
        put(img, s + 20, static_cast<uint32_t>(img.size()), 4);
        img += data + std::string(raw - data.size(), '\0');
    }
    return img;
}

} // namespace vbtest
