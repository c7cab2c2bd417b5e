#include "bootloader/line_file.h"

namespace vb {

size_t skip_blanks(std::string_view s, size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return i;
}

LineBootloader::LineBootloader(const char* name, std::vector<std::string> files, LineMatcher match)
    : name_(name), files_(std::move(files)), match_(std::move(match)) {}

std::vector<std::pair<Span, int>> LineBootloader::spans(std::string_view text) const {
    std::vector<std::pair<Span, int>> out;
    for (const auto& l : line_refs(text))
        if (auto s = match_(text.substr(l.begin, l.end - l.begin)))
            out.push_back({{l.begin + s->begin, l.begin + s->end}, l.number});
    return out;
}

Result<std::vector<BootEntry>> LineBootloader::entries(const Fs& fs) const {
    std::vector<BootEntry> out;
    const std::string path = first_existing(fs, files_);
    if (path.empty()) return out;
    auto text = fs.read(path);
    if (!text) return text.error();
    for (const auto& [span, line] : spans(*text)) {
        auto words = span_words(*text, {span});
        if (!words) return make_error(EINVAL, path + ":" + std::to_string(line) + ": " + words.error().message);
        out.push_back({path + ":" + std::to_string(line), join_cmdline(*words)});
    }
    return out;
}

Result<std::string> LineBootloader::edit_lines(const std::string& path, const std::string& text, const ParamEdit& edit,
                                               std::vector<std::string>* added,
                                               std::vector<std::string>* removed) const {
    std::string out = text;
    auto sp = spans(text);
    for (size_t k = sp.size(); k-- > 0;) {
        auto r = edit_spans(out, {sp[k].first}, edit, added, removed);
        if (!r) return make_error(EINVAL, path + ":" + std::to_string(sp[k].second) + ": " + r.error().message);
        out = std::move(*r);
    }
    return out;
}

Result<std::string> LineBootloader::edit_file(const Fs&, const std::string& path, const std::string& content,
                                              const ParamEdit& edit) const {
    return edit_lines(path, content, edit, nullptr, nullptr);
}

Result<std::vector<FileChange>> LineBootloader::plan(const Fs& fs, const ParamEdit& edit) const {
    const std::string path = first_existing(fs, files_);
    if (path.empty()) return std::vector<FileChange>{};
    return plan_one_file(fs, path, [&](const std::string& text, auto* added, auto* removed) {
        return edit_lines(path, text, edit, added, removed);
    });
}

} // namespace vb
