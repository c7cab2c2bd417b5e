#include "bootloader/line_file.h"

#include <algorithm>

namespace vb {

namespace {
std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    return s;
}
} // namespace

bool firmware_names_other(const BootContext& ctx, const std::string& hint) {
    if (!ctx.loader_info.empty()) return lower(ctx.loader_info).find(hint) == std::string::npos;
    if (!ctx.boot_current.empty() && lower(ctx.boot_current).find(hint) != std::string::npos) return false;
    return false; // a distribution's name in BootCurrent says nothing about the loader
}

size_t skip_blanks(std::string_view s, size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return i;
}

LineBootloader::LineBootloader(const char* name, std::vector<std::string> files, LineMatcher match,
                               std::string firmware_hint)
    : name_(name), files_(std::move(files)), match_(std::move(match)), hint_(std::move(firmware_hint)) {}

bool LineBootloader::in_use(const Fs& fs, const BootContext& ctx) const {
    return present(fs) && !firmware_names_other(ctx, hint_);
}

std::vector<Span> LineBootloader::spans(std::string_view text) const {
    std::vector<Span> out;
    for (const auto& l : line_refs(text))
        if (auto s = match_(text.substr(l.begin, l.end - l.begin)))
            out.push_back({l.begin + s->begin, l.begin + s->end});
    return out;
}

Result<std::vector<BootEntry>> LineBootloader::entries(const Fs& fs) const {
    std::vector<BootEntry> out;
    const std::string path = first_existing(fs, files_);
    if (path.empty()) return out;
    auto text = fs.read(path);
    if (!text) return text.error();
    for (const auto& l : line_refs(*text)) {
        std::string_view line = std::string_view(*text).substr(l.begin, l.end - l.begin);
        if (auto s = match_(line)) {
            auto words = split_cmdline(line.substr(s->begin, s->end - s->begin));
            if (!words) return make_error(EINVAL, path + ":" + std::to_string(l.number) + ": " + words.error().message);
            out.push_back({path + ":" + std::to_string(l.number), join_cmdline(split_words(*words))});
        }
    }
    return out;
}

Result<std::string> LineBootloader::edit_file(const Fs&, const std::string& path, const std::string& content,
                                              const ParamEdit& edit) const {
    std::string out = content;
    auto sp = spans(content);
    // Each line is its own entry; edit from the end so offsets stay valid.
    for (size_t k = sp.size(); k-- > 0;) {
        auto r = edit_spans(out, {sp[k]}, edit);
        if (!r) {
            int line = 1 + static_cast<int>(
                               std::count(content.begin(), content.begin() + static_cast<long>(sp[k].begin), '\n'));
            return make_error(EINVAL, path + ":" + std::to_string(line) + ": " + r.error().message);
        }
        out = std::move(*r);
    }
    return out;
}

Result<std::vector<FileChange>> LineBootloader::plan(const Fs& fs, const ParamEdit& edit) const {
    const std::string path = first_existing(fs, files_);
    if (path.empty()) return std::vector<FileChange>{};
    auto text = fs.read(path);
    if (!text) return text.error();
    FileChange c;
    c.path = path;
    c.before = *text;
    std::string out = *text;
    auto sp = spans(*text);
    for (size_t k = sp.size(); k-- > 0;) {
        auto r = edit_spans(out, {sp[k]}, edit, &c.added, &c.removed);
        if (!r) {
            int line =
                1 + static_cast<int>(std::count(text->begin(), text->begin() + static_cast<long>(sp[k].begin), '\n'));
            return make_error(EINVAL, path + ":" + std::to_string(line) + ": " + r.error().message);
        }
        out = std::move(*r);
    }
    c.after = out;
    if (c.after == c.before) return std::vector<FileChange>{};
    return std::vector<FileChange>{c};
}

} // namespace vb
