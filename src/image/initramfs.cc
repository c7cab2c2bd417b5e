#include "image/initramfs.h"

#include <cstdio>

#include "image/uki.h"

namespace vb {

namespace {

// Counts decompressed bytes across all streams and refuses past the limit,
// so a small hostile image cannot keep us busy forever.
class LimitedSource : public ByteSource {
public:
    LimitedSource(ByteSource& src, uint64_t& total, uint64_t max) : src_(src), total_(total), max_(max) {}
    Result<size_t> read(char* out, size_t n) override {
        auto r = src_.read(out, n);
        if (!r) return r;
        total_ += *r;
        if (total_ > max_)
            return make_error(EFBIG, "the image unpacks to more than " + std::to_string(max_) + " bytes");
        return r;
    }

private:
    ByteSource& src_;
    uint64_t& total_;
    uint64_t max_;
};

std::string hex_head(std::string_view s) {
    std::string out;
    char b[4];
    for (size_t i = 0; i < s.size() && i < 6; ++i) {
        std::snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(s[i]));
        out += (i ? " " : "") + std::string(b);
    }
    return out;
}

Error in_segment(const InitramfsSegment& seg, const Error& e) {
    return make_error(e.code, std::string("in the ") + compression_name(seg.compression) + " part at byte " +
                                  std::to_string(seg.offset) + ": " + e.message);
}

} // namespace

Result<InitramfsInfo> read_initramfs(std::string_view image, const CpioVisitor& visit, const InitramfsLimits& limits) {
    InitramfsInfo info;
    if (is_pe_image(image)) {
        auto uki = read_uki(image);
        if (!uki) return uki.error();
        image = uki->initrd;
        info.uki = true;
    }
    uint64_t pos = 0, unpacked = 0;
    while (pos < image.size()) {
        if (image[pos] == '\0') { // padding between parts
            ++pos;
            continue;
        }
        InitramfsSegment seg{pos, detect_compression(image.substr(pos)), 0};
        Result<CpioEnd> end = CpioEnd::end_of_stream;
        if (seg.compression == Compression::none) {
            MemorySource src(image.substr(pos));
            ByteReader in(src, pos);
            end = read_cpio(in, visit, /*allow_foreign=*/true, seg.entries);
            pos = in.position();
        } else if (seg.compression == Compression::unknown) {
            return make_error(EINVAL, "not an initramfs: unknown data at byte " + std::to_string(pos) + " (" +
                                          hex_head(image.substr(pos)) + ")");
        } else {
            auto d = open_decompressor(seg.compression, image.substr(pos));
            if (!d) return in_segment(seg, d.error());
            LimitedSource src(**d, unpacked, limits.max_unpacked);
            ByteReader in(src);
            end = read_cpio(in, visit, /*allow_foreign=*/false, seg.entries);
            if (end && *end == CpioEnd::end_of_stream && (*d)->consumed() == 0)
                return in_segment(seg, make_error(EINVAL, "empty compressed stream"));
            pos += (*d)->consumed();
        }
        info.entries += seg.entries;
        info.segments.push_back(seg);
        if (!end) return in_segment(seg, end.error());
        if (*end == CpioEnd::stopped) {
            info.stopped = true;
            return info;
        }
    }
    if (info.segments.empty()) return make_error(EINVAL, "not an initramfs: the image is empty");
    return info;
}

Result<std::map<std::string, std::string>> read_initramfs_files(std::string_view image,
                                                                const std::set<std::string>& names, size_t max_each) {
    std::map<std::string, std::string> found;
    Error failure;
    bool failed = false;
    auto info = read_initramfs(image, [&](const CpioEntry& e) {
        if (!e.is_regular() || !names.count(e.name)) return Visit::next;
        auto data = e.data(max_each);
        if (!data) {
            failure = data.error();
            failed = true;
            return Visit::stop;
        }
        found[e.name] = std::move(*data);
        return found.size() == names.size() ? Visit::stop : Visit::next;
    });
    if (!info) return info.error();
    if (failed) return failure;
    return found;
}

} // namespace vb
