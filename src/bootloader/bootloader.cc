#include "bootloader/bootloader.h"

#include <algorithm>
#include <cstdio>

#include "basic/read_limits.h"

namespace vb {

namespace {

constexpr const char* kEfiGlobal = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
constexpr const char* kLoaderVendor = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";

// An efivarfs file: 4 bytes of attributes, then the data.
std::string efivar(const Fs& fs, const std::string& name) {
    auto v = fs.read("/sys/firmware/efi/efivars/" + name, kMaxEfiVariable);
    return v && v->size() > 4 ? v->substr(4) : std::string();
}

// UTF-16LE up to the first NUL, non-ASCII replaced by '?': only for messages and matching.
std::string utf16_ascii(std::string_view d) {
    std::string out;
    for (size_t i = 0; i + 1 < d.size(); i += 2) {
        unsigned c = static_cast<unsigned char>(d[i]) | static_cast<unsigned char>(d[i + 1]) << 8;
        if (c == 0) break;
        out += c < 0x80 ? static_cast<char>(c) : '?';
    }
    return out;
}

} // namespace

BootContext read_boot_context(const Fs& fs) {
    BootContext ctx;
    ctx.loader_info = utf16_ascii(efivar(fs, std::string("LoaderInfo-") + kLoaderVendor));
    std::string cur = efivar(fs, std::string("BootCurrent-") + kEfiGlobal);
    if (cur.size() >= 2) {
        unsigned n = static_cast<unsigned char>(cur[0]) | static_cast<unsigned char>(cur[1]) << 8;
        char name[16];
        std::snprintf(name, sizeof name, "Boot%04X-", n);
        // EFI_LOAD_OPTION: u32 attributes, u16 path list length, then the description.
        std::string opt = efivar(fs, name + std::string(kEfiGlobal));
        if (opt.size() > 6) ctx.boot_current = utf16_ascii(std::string_view(opt).substr(6));
    }
    return ctx;
}

std::vector<std::unique_ptr<Bootloader>> all_bootloaders() {
    std::vector<std::unique_ptr<Bootloader>> v;
    v.push_back(make_grub_bootloader());
    v.push_back(make_bls_bootloader());
    v.push_back(make_kernelstub_bootloader());
    v.push_back(make_sdbootutil_bootloader());
    v.push_back(make_rpm_ostree_bootloader());
    v.push_back(make_refind_bootloader());
    v.push_back(make_extlinux_bootloader());
    v.push_back(make_limine_bootloader());
    return v;
}

std::string first_existing(const Fs& fs, const std::vector<std::string>& candidates) {
    for (const auto& c : candidates)
        if (fs.exists(c)) return c;
    return {};
}

bool have_program(const Fs& fs, const std::string& name) {
    for (const char* dir : {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"})
        if (fs.exists(dir + name)) return true;
    return false;
}

std::vector<LineRef> line_refs(std::string_view text) {
    std::vector<LineRef> out;
    size_t b = 0;
    int n = 1;
    while (b < text.size()) {
        size_t nl = text.find('\n', b);
        size_t e = nl == std::string_view::npos ? text.size() : nl;
        size_t content_end = e > b && text[e - 1] == '\r' ? e - 1 : e;
        out.push_back({b, content_end, n++});
        if (nl == std::string_view::npos) break;
        b = nl + 1;
    }
    return out;
}

Result<std::string> edit_spans(std::string_view text, const std::vector<Span>& spans, const ParamEdit& edit,
                               std::vector<std::string>* added, std::vector<std::string>* removed) {
    if (spans.empty()) return std::string(text);
    std::vector<std::vector<std::string>> words(spans.size());
    for (size_t s = 0; s < spans.size(); ++s) {
        auto split = split_cmdline(text.substr(spans[s].begin, spans[s].end - spans[s].begin));
        if (!split) return split.error();
        words[s] = split_words(*split);
    }
    // Decide, per span, what it must do.
    std::vector<ParamEdit> per(spans.size());
    for (auto& p : per) p.remove = edit.remove;
    for (const auto& want : edit.set) {
        long home = -1;
        for (size_t s = 0; s < spans.size() && home < 0; ++s)
            for (const auto& w : words[s])
                if (w == want) {
                    home = static_cast<long>(s);
                    break;
                }
        for (size_t s = 0; s < spans.size() && home < 0; ++s)
            for (const auto& w : words[s])
                if (same_setting(w, want)) {
                    home = static_cast<long>(s);
                    break;
                }
        if (home < 0) home = static_cast<long>(spans.size()) - 1;
        for (size_t s = 0; s < spans.size(); ++s) {
            if (static_cast<long>(s) == home) {
                per[s].set.push_back(want);
                continue;
            }
            for (const auto& w : words[s])
                if (same_setting(w, want)) per[s].remove.push_back(w);
        }
    }
    // Edit from the last offset backwards so earlier offsets stay valid.
    std::vector<size_t> order(spans.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return spans[a].begin > spans[b].begin; });
    std::string out(text);
    for (size_t k : order) {
        auto r = apply_edit(text.substr(spans[k].begin, spans[k].end - spans[k].begin), per[k]);
        if (!r) return r.error();
        if (added) added->insert(added->end(), r->added.begin(), r->added.end());
        if (removed) removed->insert(removed->end(), r->removed.begin(), r->removed.end());
        out.replace(spans[k].begin, spans[k].end - spans[k].begin, r->cmdline);
    }
    return out;
}

} // namespace vb
