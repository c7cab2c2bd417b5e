#include "basic/kernel_params.h"

#include <algorithm>

namespace vb {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string unquote(std::string_view p) {
    std::string out;
    for (char c : p)
        if (c != '"') out += c;
    return out;
}

// Parameters the kernel accepts several times, each meaning something else:
// there "another value" is another instance, not a conflict.
bool repeatable(const std::string& key) { return key == "console" || key == "video"; }

// "video=HDMI-A-1:1920x1080" -> "HDMI-A-1"; "" when the value names no instance.
std::string instance_of(std::string_view param) {
    std::string p = unquote(param);
    size_t eq = p.find('=');
    if (eq == std::string::npos) return {};
    size_t colon = p.find(':', eq);
    return colon == std::string::npos ? std::string() : p.substr(eq + 1, colon - eq - 1);
}

} // namespace

Result<std::vector<ParamSpan>> split_cmdline(std::string_view s) {
    std::vector<ParamSpan> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i])) ++i;
        if (i >= s.size()) break;
        size_t b = i;
        bool quoted = false;
        while (i < s.size() && (quoted || !is_space(s[i]))) {
            if (s[i] == '"') quoted = !quoted;
            ++i;
        }
        if (quoted)
            return make_error(EINVAL,
                              "unbalanced double quote in the kernel command line at column " + std::to_string(b + 1));
        out.push_back({b, i, std::string(s.substr(b, i - b))});
    }
    return out;
}

std::vector<std::string> split_words(const std::vector<ParamSpan>& spans) {
    std::vector<std::string> out;
    for (const auto& s : spans) out.push_back(s.text);
    return out;
}

std::string join_cmdline(const std::vector<std::string>& params) {
    std::string out;
    for (const auto& p : params) {
        if (!out.empty()) out += ' ';
        out += p;
    }
    return out;
}

std::string param_key(std::string_view param) {
    std::string p = unquote(param);
    std::string key = p.substr(0, p.find('='));
    std::replace(key.begin(), key.end(), '-', '_');
    return key;
}

bool same_setting(std::string_view a, std::string_view b) {
    std::string key = param_key(a);
    if (key != param_key(b)) return false;
    if (!repeatable(key)) return true;
    if (key == "video") {
        std::string ia = instance_of(a);
        return !ia.empty() && ia == instance_of(b);
    }
    return unquote(a) == unquote(b);
}

Status validate_param(std::string_view p) {
    if (p.empty()) return make_error(EINVAL, "empty kernel parameter");
    if (p.front() == '=') return make_error(EINVAL, "kernel parameter '" + std::string(p) + "' has no name");
    for (char c : p) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u <= ' ' || u == 0x7f || c == '"' || c == '\'' || c == '\\' || c == '$' || c == '`' || c == '#' || c == ';')
            return make_error(EINVAL, "kernel parameter '" + std::string(p) +
                                          "' contains whitespace, a quote or a shell-special character");
    }
    return {};
}

namespace {

// What an edit does to a command line's parameters: each one kept, dropped
// or rewritten in place (text[i] differs from the span), and what is appended.
struct EditDecision {
    std::vector<bool> drop;
    std::vector<std::string> text;
    std::vector<std::string> append;
};

EditDecision decide(const std::vector<ParamSpan>& spans, const ParamEdit& edit) {
    EditDecision d{std::vector<bool>(spans.size(), false), {}, {}};
    for (const auto& s : spans) d.text.push_back(s.text);
    for (const auto& r : edit.remove)
        for (size_t i = 0; i < spans.size(); ++i)
            if (!d.drop[i] && unquote(spans[i].text) == unquote(r)) d.drop[i] = true;
    for (const auto& want : edit.set) {
        // Keep an exact match if there is one, else reuse the first slot of the
        // same setting; every other instance of the setting goes.
        long keep = -1;
        for (size_t i = 0; i < spans.size() && keep < 0; ++i)
            if (!d.drop[i] && unquote(d.text[i]) == unquote(want)) keep = static_cast<long>(i);
        for (size_t i = 0; i < spans.size(); ++i) {
            if (d.drop[i] || !same_setting(d.text[i], want) || static_cast<long>(i) == keep) continue;
            if (keep < 0) {
                keep = static_cast<long>(i);
                d.text[i] = want;
            } else {
                d.drop[i] = true;
            }
        }
        bool queued = std::find(d.append.begin(), d.append.end(), want) != d.append.end();
        if (keep < 0 && !queued) d.append.push_back(want);
    }
    return d;
}

// The edited bytes. A dropped parameter takes the whitespace before it when a
// kept parameter precedes it, else the whitespace after it, so that appending
// and then dropping a parameter gives back the very same bytes. With `w`, the
// command line is written in another syntax: each byte is copied as written,
// with what lies between written bytes (quotes, continued lines) where both
// neighbours are not dropped.
Result<EditOutcome> render(std::string_view cmdline, const std::vector<ParamSpan>& spans, const EditDecision& d,
                           const WrittenCmdline* w = nullptr) {
    EditOutcome out;
    const size_t n = cmdline.size();
    std::vector<bool> keep(n, true);
    bool kept_before = false;
    size_t insert_at = 0; // where appended parameters go (offset in cmdline)
    for (size_t i = 0; i < spans.size(); ++i) {
        if (!d.drop[i]) {
            kept_before = true;
            insert_at = spans[i].end;
            continue;
        }
        out.removed.push_back(spans[i].text);
        size_t b = spans[i].begin, e = spans[i].end;
        if (kept_before) b = spans[i - 1].end;
        else if (i + 1 < spans.size()) e = spans[i + 1].begin;
        for (size_t k = b; k < e; ++k) keep[k] = false;
    }
    if (!kept_before) {
        insert_at = 0;
        while (insert_at < n && is_space(cmdline[insert_at]) && keep[insert_at]) ++insert_at;
    }
    std::string added;
    for (const auto& a : d.append) {
        if (!added.empty() || kept_before) added += ' ';
        added += a;
    }
    const std::string_view written = w ? w->written : cmdline;
    auto src = [&](size_t k) { return w ? w->begin[k] : k; };
    auto src_end = [&](size_t k) { return w ? w->end[k] : k + 1; };
    if (w && !added.empty()) {
        size_t at = n == 0 ? w->empty_at : insert_at > 0 ? src_end(insert_at - 1) : src(0);
        auto t = w->added_text(at, added);
        if (!t) return t.error();
        added = std::move(*t);
    }
    std::string& o = out.cmdline;
    if (n == 0) {
        size_t at = w ? w->empty_at : 0;
        o = std::string(written.substr(0, at)) + added + std::string(written.substr(at));
    } else {
        o += written.substr(0, src(0));
        size_t next = 0; // next span to look at
        for (size_t k = 0; k < n; ++k) {
            if (k == insert_at) o += added;
            if (k > 0 && (keep[k - 1] || keep[k])) o += written.substr(src_end(k - 1), src(k) - src_end(k - 1));
            while (next < spans.size() && spans[next].end <= k) ++next;
            if (next < spans.size() && k == spans[next].begin && !d.drop[next] && d.text[next] != spans[next].text) {
                out.removed.push_back(spans[next].text);
                out.added.push_back(d.text[next]);
                o += d.text[next];
                k = spans[next].end - 1;
                continue;
            }
            if (keep[k]) o += written.substr(src(k), src_end(k) - src(k));
        }
        if (insert_at == n) o += added;
        o += written.substr(src_end(n - 1));
    }
    out.added.insert(out.added.end(), d.append.begin(), d.append.end());
    return out;
}

} // namespace

Result<EditOutcome> apply_edit(std::string_view cmdline, const ParamEdit& edit) {
    auto spans = split_cmdline(cmdline);
    if (!spans) return spans.error();
    return render(cmdline, *spans, decide(*spans, edit));
}

Result<EditOutcome> apply_edit_written(std::string_view cmdline, const WrittenCmdline& w, const ParamEdit& edit) {
    auto spans = split_cmdline(cmdline);
    if (!spans) return spans.error();
    return render(cmdline, *spans, decide(*spans, edit), &w);
}

} // namespace vb
