#include "image/cpio.h"

#include <algorithm>

namespace vb {

namespace {

constexpr size_t kHeaderSize = 110; // "070701" + 13 fields of 8 hex digits
constexpr std::string_view kTrailer = "TRAILER!!!";

std::string at(uint64_t pos) { return " at byte " + std::to_string(pos); }

struct Header {
    uint32_t ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check;
};

Result<Header> parse_header(const std::string& h, uint64_t pos) {
    if (h.compare(0, 6, "070701") != 0 && h.compare(0, 6, "070702") != 0)
        return make_error(EINVAL, "bad cpio magic" + at(pos) + " (not a newc archive)");
    uint32_t f[13];
    for (int i = 0; i < 13; ++i) {
        uint32_t v = 0;
        for (int j = 0; j < 8; ++j) {
            char c = h[6 + i * 8 + j];
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (d < 0) return make_error(EINVAL, "bad cpio header" + at(pos) + " (a field is not hexadecimal)");
            v = v << 4 | static_cast<uint32_t>(d);
        }
        f[i] = v;
    }
    return Header{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12]};
}

std::string normalize(std::string_view name) {
    for (;;) {
        if (name.substr(0, 2) == "./") name.remove_prefix(2);
        else if (!name.empty() && name[0] == '/') name.remove_prefix(1);
        else break;
    }
    return std::string(name == "." ? std::string_view() : name);
}

// Headers and data are 4-byte aligned in the stream.
Status align4(ByteReader& in, std::string_view what) { return in.skip((4 - in.position() % 4) % 4, what); }

// Zero padding between archives; the next byte (or -1 at the end).
Result<int> skip_zeros(ByteReader& in) {
    for (;;) {
        auto c = in.peek();
        if (!c || *c != 0) return c;
        if (Status st = in.skip(1, "padding"); !st) return st.error();
    }
}

} // namespace

Result<CpioEnd> read_cpio(ByteReader& in, const CpioVisitor& visit, bool allow_foreign, size_t& entries) {
    bool in_archive = false;
    std::string buf;
    for (;;) {
        if (!in_archive) {
            auto c = skip_zeros(in);
            if (!c) return c.error();
            if (*c < 0) return CpioEnd::end_of_stream;
            if (*c != '0') {
                if (allow_foreign) return CpioEnd::foreign_data;
                return make_error(EINVAL, "junk after a cpio archive" + at(in.position()));
            }
            in_archive = true;
        }
        const uint64_t pos = in.position();
        buf.clear();
        if (Status st = in.read_exact(kHeaderSize, buf, "a cpio header"); !st) return st.error();
        auto h = parse_header(buf, pos);
        if (!h) return h.error();
        if (h->namesize == 0 || h->namesize > kMaxCpioName + 1)
            return make_error(EINVAL, "cpio entry" + at(pos) + " has a name of " + std::to_string(h->namesize) +
                                          " bytes (limit " + std::to_string(kMaxCpioName) + ")");
        buf.clear();
        if (Status st = in.read_exact(h->namesize, buf, "a cpio entry name"); !st) return st.error();
        if (buf.back() != '\0') return make_error(EINVAL, "cpio entry name" + at(pos) + " is not NUL-terminated");
        std::string_view raw(buf.data(), std::min(buf.find('\0'), buf.size()));
        if (Status st = align4(in, "a cpio header"); !st) return st.error();

        if (raw == kTrailer) {
            if (Status st = in.skip(h->filesize, "the cpio trailer"); !st) return st.error();
            if (Status st = align4(in, "the cpio trailer"); !st) return st.error();
            in_archive = false;
            continue;
        }

        CpioEntry e;
        e.name = normalize(raw);
        e.mode = h->mode;
        e.size = h->filesize;
        e.nlink = h->nlink;
        e.offset = pos;
        const std::string what = "the data of '" + e.name + "'";
        bool loaded = false, consumed = false;
        Result<std::string> cached = std::string();
        e.load_ = [&](size_t max_bytes) -> Result<std::string> {
            if (loaded) return cached;
            loaded = true;
            if (e.size > max_bytes) {
                cached = make_error(EFBIG, "'" + e.name + "' is larger than " + std::to_string(max_bytes) + " bytes");
                return cached;
            }
            consumed = true;
            std::string data;
            // Grows as bytes arrive: a lying size in a truncated image costs nothing.
            data.reserve(static_cast<size_t>(std::min<uint64_t>(e.size, 1u << 20)));
            if (Status st = in.read_exact(static_cast<size_t>(e.size), data, what); !st) cached = st.error();
            else cached = std::move(data);
            return cached;
        };
        ++entries;
        Visit v = visit(e);
        if (v == Visit::stop) return CpioEnd::stopped;
        if (consumed && !cached) return cached.error(); // the stream itself failed
        if (!consumed) {
            if (Status st = in.skip(e.size, what); !st) return st.error();
        }
        if (Status st = align4(in, what); !st) return st.error();
    }
}

} // namespace vb
