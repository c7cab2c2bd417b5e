#include "image/decompress.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#ifdef VB_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "basic/text.h"

namespace vb {

namespace {

constexpr uint32_t kLz4LegacyMagic = 0x184C2102;
constexpr size_t kLz4LegacyBlock = 8u << 20; // fixed by the format
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
constexpr uint64_t kXzMemLimit = 256u << 20; // dracut uses a 1 MiB dictionary
constexpr uint32_t kXzMaxThreads = 8;        // xz -T0 images hold many blocks
constexpr int kZstdWindowLogMax = 27;        // 128 MiB, zstd's own default cap
#else
// Under libFuzzer (clang's convention): each input's header picks the window,
// and a sanitizer pays for a big one in full (shadow memory) on every run.
// Small limits keep the same code paths, the over-limit refusal included.
constexpr uint64_t kXzMemLimit = 8u << 20;
constexpr uint32_t kXzMaxThreads = 1;
constexpr int kZstdWindowLogMax = 20;
#endif

uint32_t le32(const char* p) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    return u[0] | (u[1] << 8) | (u[2] << 16) | (static_cast<uint32_t>(u[3]) << 24);
}

// What every decoder shares: the input, how far it got, and whether the
// stream (possibly several concatenated ones) ended.
class Base : public Decompressor {
public:
    Base(Compression c, std::string_view input) : kind_(c), in_(input) {}
    size_t consumed() const override { return pos_; }

protected:
    size_t rest() const { return in_.size() - pos_; }
    const char* next_in() const { return in_.data() + pos_; }

    // After one stream: does another of the same format follow (after zero
    // padding)? Then it is read as a continuation, as the kernel does.
    bool next_stream_follows() {
        size_t q = pos_;
        while (q < in_.size() && in_[q] == '\0') ++q;
        if (q == in_.size() || detect_compression(in_.substr(q)) != kind_) return false;
        pos_ = q;
        return true;
    }

    Error corrupt(const std::string& detail) const {
        return make_error(EINVAL, std::string(compression_name(kind_)) + " data is corrupt at compressed byte " +
                                      std::to_string(pos_) + (detail.empty() ? "" : ": " + detail));
    }
    Error truncated() const {
        return make_error(EINVAL, std::string("truncated: the ") + compression_name(kind_) +
                                      " stream ends early (after " + std::to_string(in_.size()) + " bytes)");
    }

    Compression kind_;
    std::string_view in_;
    size_t pos_ = 0;
    bool ended_ = false;
};

// The decoders that are one library call in a loop: each step says what it
// took and gave and whether a stream ended; the loop decides the rest
// (continuation, truncation, no progress) the same way for every format.
class Streaming : public Base {
public:
    using Base::Base;
    Result<size_t> read(char* out, size_t n) final {
        size_t produced = 0;
        while (produced < n && !ended_) {
            Step s = step(out + produced, n - produced);
            pos_ += s.in;
            produced += s.out;
            if (!s.error.empty()) return corrupt(s.error);
            if (s.stream_end) {
                if (!next_stream_follows()) ended_ = true;
                else if (Status st = restart(); !st) return st.error();
            } else if (s.in == 0 && s.out == 0) {
                if (rest() == 0) return truncated();
                return corrupt("no progress");
            }
        }
        return produced;
    }

protected:
    struct Step {
        size_t in = 0, out = 0;
        bool stream_end = false;
        std::string error; // the library's words, when the data is bad
    };
    // One call of the library on next_in()/rest() into out[0, n).
    virtual Step step(char* out, size_t n) = 0;
    // Another stream of the same format follows: start on it.
    virtual Status restart() { return {}; }

    // zlib, igzip and liblzma share the shape of their stream struct: point
    // it at the input and the output, make the call, count what moved.
    template <class Stream, class Call>
    Step feed(Stream& st, char* out, size_t n, Call call) {
        using InLen = decltype(st.avail_in);
        using OutLen = decltype(st.avail_out);
        auto in_avail = static_cast<InLen>(std::min<size_t>(rest(), std::numeric_limits<InLen>::max() / 2));
        auto out_avail = static_cast<OutLen>(std::min<size_t>(n, std::numeric_limits<OutLen>::max() / 2));
        st.next_in = reinterpret_cast<decltype(st.next_in)>(const_cast<char*>(next_in()));
        st.avail_in = in_avail;
        st.next_out = reinterpret_cast<decltype(st.next_out)>(out);
        st.avail_out = out_avail;
        Step s;
        s.stream_end = call(s.error);
        s.in = in_avail - st.avail_in;
        s.out = out_avail - st.avail_out;
        return s;
    }
};

// zlib: everywhere, the reference.
class Gzip : public Streaming {
public:
    using Streaming::Streaming;
    ~Gzip() override {
        if (init_) inflateEnd(&zs_);
    }
    Status init() {
        if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) return make_error(ENOMEM, "cannot start zlib");
        init_ = true;
        return {};
    }

private:
    Step step(char* out, size_t n) override {
        return feed(zs_, out, n, [this](std::string& error) {
            int r = inflate(&zs_, Z_NO_FLUSH);
            if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
                error = zs_.msg ? zs_.msg : "zlib error " + std::to_string(r);
            return r == Z_STREAM_END;
        });
    }
    Status restart() override {
        inflateReset(&zs_);
        return {};
    }

    z_stream zs_{};
    bool init_ = false;
};

#ifdef VB_HAVE_ISAL
// ISA-L's igzip: the same gzip streams, inflated several times faster (the
// floor of reading an image is inflating it).
class IsalGzip : public Streaming {
public:
    using Streaming::Streaming;
    Status init() {
        isal_inflate_init(&st_);
        st_.crc_flag = ISAL_GZIP; // parse the header, verify the trailer
        return {};
    }

private:
    Step step(char* out, size_t n) override {
        return feed(st_, out, n, [this](std::string& error) {
            int r = isal_inflate(&st_);
            if (r < 0) error = isal_error(r);
            return st_.block_state == ISAL_BLOCK_FINISH;
        });
    }
    Status restart() override { return init(); }
    static std::string isal_error(int r) {
        switch (r) {
        case ISAL_INVALID_BLOCK: return "invalid block";
        case ISAL_INVALID_SYMBOL: return "invalid symbol";
        case ISAL_INVALID_LOOKBACK: return "invalid distance";
        case ISAL_INVALID_WRAPPER: return "invalid gzip header";
        case ISAL_UNSUPPORTED_METHOD: return "unsupported method";
        case ISAL_INCORRECT_CHECKSUM: return "incorrect checksum";
        }
        return "igzip error " + std::to_string(r);
    }
    inflate_state st_{};
};
#endif

class Zstd : public Streaming {
public:
    using Streaming::Streaming;
    ~Zstd() override { ZSTD_freeDCtx(d_); }
    Status init() {
        d_ = ZSTD_createDCtx();
        if (!d_) return make_error(ENOMEM, "cannot start zstd");
        ZSTD_DCtx_setParameter(d_, ZSTD_d_windowLogMax, kZstdWindowLogMax);
        return {};
    }

private:
    // A new frame needs no restart: the context starts on it by itself.
    Step step(char* out, size_t n) override {
        ZSTD_inBuffer in{in_.data(), in_.size(), pos_};
        ZSTD_outBuffer o{out, n, 0};
        size_t r = ZSTD_decompressStream(d_, &o, &in);
        Step s{in.pos - pos_, o.pos, !ZSTD_isError(r) && r == 0, {}};
        if (ZSTD_isError(r)) s.error = ZSTD_getErrorName(r);
        return s;
    }

    ZSTD_DCtx* d_ = nullptr;
};

class Xz : public Streaming {
public:
    using Streaming::Streaming;
    ~Xz() override { lzma_end(&s_); }
    Status init() {
        if (kind_ == Compression::lzma) return check(lzma_alone_decoder(&s_, kXzMemLimit));
        // Blocks are decoded in parallel (xz -T0, as dracut and mkinitcpio
        // compress, writes many); liblzma falls back to one thread for one.
        lzma_mt mt{};
        mt.threads = std::max<uint32_t>(1, std::min(lzma_cputhreads(), kXzMaxThreads));
        mt.memlimit_threading = kXzMemLimit;
        mt.memlimit_stop = kXzMemLimit;
        return check(lzma_stream_decoder_mt(&s_, &mt));
    }

private:
    static Status check(lzma_ret r) {
        if (r != LZMA_OK) return make_error(ENOMEM, "cannot start liblzma");
        return {};
    }
    Step step(char* out, size_t n) override {
        return feed(s_, out, n, [this](std::string& error) {
            // All the input is here, so LZMA_FINISH is right from the start.
            lzma_ret r = lzma_code(&s_, LZMA_FINISH);
            if (r == LZMA_MEMLIMIT_ERROR)
                error = "needs more than " + std::to_string(kXzMemLimit >> 20) + " MiB of memory";
            else if (r != LZMA_OK && r != LZMA_STREAM_END && r != LZMA_BUF_ERROR)
                error = "liblzma error " + std::to_string(static_cast<int>(r));
            return r == LZMA_STREAM_END;
        });
    }
    Status restart() override { return init(); }

    lzma_stream s_ = LZMA_STREAM_INIT;
};

// "lz4 -l": the magic, then blocks of <le32 size><data>, each at most 8 MiB
// once decompressed; no end mark, so the stream ends with the input, at a
// zero size (padding) or continues at a repeated magic.
class Lz4Legacy : public Base {
public:
    using Base::Base;
    Status init() {
        pos_ = 4;
        return {};
    }
    Result<size_t> read(char* out, size_t n) override {
        size_t produced = 0;
        while (produced < n) {
            if (bpos_ < blen_) {
                size_t k = std::min(n - produced, blen_ - bpos_);
                std::memcpy(out + produced, block_.get() + bpos_, k);
                bpos_ += k;
                produced += k;
                continue;
            }
            if (ended_) break;
            if (Status st = next_block(); !st) return st.error();
        }
        return produced;
    }

private:
    Status next_block() {
        if (rest() == 0 || (rest() >= 4 && le32(next_in()) == 0)) {
            ended_ = true;
            return {};
        }
        if (rest() < 4) return truncated();
        uint32_t size = le32(next_in());
        if (size == kLz4LegacyMagic) {
            pos_ += 4;
            return {};
        }
        if (size > static_cast<uint32_t>(LZ4_compressBound(kLz4LegacyBlock)))
            return corrupt("block size " + std::to_string(size) + " is too large");
        if (size > rest() - 4) return truncated();
        if (!block_) block_.reset(new char[kLz4LegacyBlock]); // not zero-filled: untouched pages cost nothing
        int r =
            LZ4_decompress_safe(next_in() + 4, block_.get(), static_cast<int>(size), static_cast<int>(kLz4LegacyBlock));
        if (r < 0) return corrupt("bad block");
        pos_ += 4 + size;
        blen_ = static_cast<size_t>(r);
        bpos_ = 0;
        return {};
    }

    std::unique_ptr<char[]> block_;
    size_t bpos_ = 0, blen_ = 0;
};

class Lz4Frame : public Streaming {
public:
    using Streaming::Streaming;
    ~Lz4Frame() override { LZ4F_freeDecompressionContext(d_); }
    Status init() {
        if (LZ4F_isError(LZ4F_createDecompressionContext(&d_, LZ4F_VERSION)))
            return make_error(ENOMEM, "cannot start lz4");
        return {};
    }

private:
    // After a frame's end the context is ready for the next one.
    Step step(char* out, size_t n) override {
        size_t dst = n, src = rest();
        size_t r = LZ4F_decompress(d_, out, &dst, next_in(), &src, nullptr);
        Step s{src, dst, !LZ4F_isError(r) && r == 0, {}};
        if (LZ4F_isError(r)) s.error = LZ4F_getErrorName(r);
        return s;
    }

    LZ4F_dctx* d_ = nullptr;
};

template <class D>
Result<std::unique_ptr<Decompressor>> make(Compression c, std::string_view input) {
    auto d = std::make_unique<D>(c, input);
    if (Status st = d->init(); !st) return st.error();
    return std::unique_ptr<Decompressor>(std::move(d));
}

} // namespace

Compression detect_compression(std::string_view head) {
    if (starts_with(head, "07070")) return Compression::none;
    if (starts_with(head, "\x1f\x8b") || starts_with(head, "\x1f\x9e")) return Compression::gzip;
    if (starts_with(head, "\x28\xb5\x2f\xfd")) return Compression::zstd;
    if (starts_with(head, std::string_view("\xfd"
                                           "7zXZ\0",
                                           6)))
        return Compression::xz;
    if (starts_with(head, std::string_view("\x5d\0\0", 3))) return Compression::lzma;
    if (starts_with(head, "\x02\x21\x4c\x18")) return Compression::lz4_legacy;
    if (starts_with(head, "\x04\x22\x4d\x18")) return Compression::lz4_frame;
    if (starts_with(head, "BZh")) return Compression::bzip2;
    if (starts_with(head, "\x89LZO")) return Compression::lzo;
    return Compression::unknown;
}

const char* compression_name(Compression c) {
    switch (c) {
    case Compression::none: return "uncompressed";
    case Compression::gzip: return "gzip";
    case Compression::zstd: return "zstd";
    case Compression::xz: return "xz";
    case Compression::lzma: return "lzma";
    case Compression::lz4_legacy: return "lz4 (legacy)";
    case Compression::lz4_frame: return "lz4";
    case Compression::bzip2: return "bzip2";
    case Compression::lzo: return "lzo";
    case Compression::unknown: break;
    }
    return "unknown";
}

bool have_fast_inflate() {
#ifdef VB_HAVE_ISAL
    return true;
#else
    return false;
#endif
}

Result<std::unique_ptr<Decompressor>> open_decompressor(Compression c, std::string_view input, Inflater inflater) {
    switch (c) {
    case Compression::gzip:
#ifdef VB_HAVE_ISAL
        if (inflater == Inflater::fastest) return make<IsalGzip>(c, input);
#endif
        (void)inflater;
        return make<Gzip>(c, input);
    case Compression::zstd: return make<Zstd>(c, input);
    case Compression::xz:
    case Compression::lzma: return make<Xz>(c, input);
    case Compression::lz4_legacy: return make<Lz4Legacy>(c, input);
    case Compression::lz4_frame: return make<Lz4Frame>(c, input);
    case Compression::bzip2:
    case Compression::lzo:
        return make_error(ENOTSUP, std::string(compression_name(c)) +
                                       " compression is not supported (rebuild the image with gzip, zstd, xz or lz4)");
    case Compression::none:
    case Compression::unknown: break;
    }
    return make_error(EINVAL, "not a compressed stream (unknown magic bytes)");
}

Result<std::string> decompress(std::string_view input, size_t max_out) {
    auto d = open_decompressor(detect_compression(input), input);
    if (!d) return d.error();
    std::string out;
    char buf[65536];
    for (;;) {
        auto n = (*d)->read(buf, sizeof buf);
        if (!n) return n.error();
        if (*n == 0) return out;
        if (out.size() + *n > max_out)
            return make_error(EFBIG, "decompressed data is larger than " + std::to_string(max_out) + " bytes");
        out.append(buf, *n);
    }
}

} // namespace vb
