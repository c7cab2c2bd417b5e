#include "image/uki.h"

#include <cstdint>

#include "basic/text.h"

namespace vb {

namespace {

uint32_t le(std::string_view d, size_t off, int bytes) {
    uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(d[off + i]);
    return v;
}

Error bad(const std::string& what) { return make_error(EINVAL, "malformed PE image: " + what); }

} // namespace

bool is_pe_image(std::string_view data) { return data.substr(0, 2) == "MZ"; }

Result<std::string_view> pe_section(std::string_view image, std::string_view name) {
    if (!is_pe_image(image) || image.size() < 0x40) return bad("no DOS header");
    const size_t pe = le(image, 0x3c, 4);
    if (pe > image.size() || image.size() - pe < 24 || image.substr(pe, 4) != std::string_view("PE\0\0", 4))
        return bad("no PE signature");
    const size_t nsections = le(image, pe + 6, 2);
    const size_t opt_size = le(image, pe + 20, 2);
    const size_t table = pe + 24 + opt_size;
    if (table > image.size() || (image.size() - table) / 40 < nsections) return bad("section table past the end");
    for (size_t i = 0; i < nsections; ++i) {
        const size_t s = table + i * 40;
        std::string_view sname = image.substr(s, 8);
        sname = sname.substr(0, sname.find('\0'));
        if (sname != name) continue;
        const size_t vsize = le(image, s + 8, 4);    // the real length
        const size_t rawsize = le(image, s + 16, 4); // rounded up to the file alignment
        const size_t off = le(image, s + 20, 4);
        const size_t size = vsize && vsize < rawsize ? vsize : rawsize;
        if (off > image.size() || image.size() - off < size)
            return bad("section " + std::string(name) + " lies past the end of the file");
        return image.substr(off, size);
    }
    return make_error(ENOENT, "the PE image has no " + std::string(name) + " section");
}

Result<Uki> read_uki(std::string_view image) {
    auto initrd = pe_section(image, ".initrd");
    if (!initrd) return initrd.error();
    Uki u;
    u.initrd = *initrd;
    // Text sections may carry a NUL or newline at the end.
    auto text = [&](const char* name) -> std::string {
        auto s = pe_section(image, name);
        if (!s) return {};
        return trim(s->substr(0, s->find('\0')));
    };
    u.uname = text(".uname");
    u.cmdline = text(".cmdline");
    return u;
}

} // namespace vb
