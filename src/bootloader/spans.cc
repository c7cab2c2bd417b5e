#include "bootloader/spans.h"

#include <algorithm>

namespace vb {

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

const SpanSyntax& plain_syntax() {
    static const SpanSyntax plain{
        [](std::string_view s) -> Result<std::vector<std::string>> {
            auto split = split_cmdline(s);
            if (!split) return split.error();
            return split_words(*split);
        },
        [](std::string_view s, const ParamEdit& e) { return apply_edit(s, e); },
    };
    return plain;
}

Result<std::string> edit_spans(std::string_view text, const std::vector<Span>& spans, const ParamEdit& edit,
                               std::vector<std::string>* added, std::vector<std::string>* removed,
                               const SpanSyntax& syntax) {
    if (spans.empty()) return std::string(text);
    std::vector<std::vector<std::string>> words(spans.size());
    for (size_t s = 0; s < spans.size(); ++s) {
        auto w = syntax.params(text.substr(spans[s].begin, spans[s].end - spans[s].begin));
        if (!w) return w.error();
        words[s] = std::move(*w);
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
        auto r = syntax.edit(text.substr(spans[k].begin, spans[k].end - spans[k].begin), per[k]);
        if (!r) return r.error();
        if (added) added->insert(added->end(), r->added.begin(), r->added.end());
        if (removed) removed->insert(removed->end(), r->removed.begin(), r->removed.end());
        out.replace(spans[k].begin, spans[k].end - spans[k].begin, r->cmdline);
    }
    return out;
}

Result<std::vector<std::string>> span_words(std::string_view text, const std::vector<Span>& spans,
                                            const SpanSyntax& syntax) {
    std::vector<std::string> words;
    for (const auto& s : spans) {
        auto w = syntax.params(text.substr(s.begin, s.end - s.begin));
        if (!w) return w.error();
        for (auto& x : *w) words.push_back(std::move(x));
    }
    return words;
}

int line_of(std::string_view text, size_t offset) {
    return 1 + static_cast<int>(
                   std::count(text.begin(), text.begin() + static_cast<long>(std::min(offset, text.size())), '\n'));
}

} // namespace vb
