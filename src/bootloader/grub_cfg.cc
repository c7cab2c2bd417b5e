#include "bootloader/grub_cfg.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "basic/text.h"

namespace vb {

namespace {

// GRUB script words on one command line: quotes removed ('...' literal,
// "..." with \ escapes), up to an unquoted '{' or the end of the line.
struct Words {
    std::vector<std::string> words;
    size_t end = 0; // just after the '{' (or the line)
    bool brace = false;
};

Result<Words> command_words(std::string_view s, size_t i) {
    Words w;
    std::string cur;
    bool in_word = false;
    while (i < s.size() && s[i] != '\n') {
        char c = s[i];
        if (c == ' ' || c == '\t') {
            if (in_word) w.words.push_back(cur), cur.clear(), in_word = false;
            ++i;
        } else if (c == '{' && !in_word) {
            w.brace = true;
            ++i;
            break;
        } else if (c == '\'') {
            size_t e = s.find('\'', i + 1);
            if (e == std::string_view::npos) return make_error(EINVAL, "unbalanced ' in grub.cfg");
            cur.append(s.substr(i + 1, e - i - 1));
            in_word = true;
            i = e + 1;
        } else if (c == '"') {
            for (++i; i < s.size() && s[i] != '"'; ++i) {
                if (s[i] == '\\' && i + 1 < s.size()) ++i;
                cur += s[i];
            }
            if (i >= s.size()) return make_error(EINVAL, "unbalanced \" in grub.cfg");
            in_word = true;
            ++i;
        } else if (c == '\\' && i + 1 < s.size()) {
            cur += s[i + 1];
            in_word = true;
            i += 2;
        } else {
            cur += c;
            in_word = true;
            ++i;
        }
    }
    if (in_word) w.words.push_back(cur);
    w.end = i;
    return w;
}

// The offset just after the '}' that closes the block whose body starts at `i`.
Result<size_t> block_end(std::string_view s, size_t i) {
    int depth = 1;
    while (i < s.size()) {
        char c = s[i];
        if (c == '#' && (i == 0 || s[i - 1] == '\n' || s[i - 1] == ' ' || s[i - 1] == '\t')) {
            while (i < s.size() && s[i] != '\n') ++i;
        } else if (c == '\'') {
            size_t e = s.find('\'', i + 1);
            if (e == std::string_view::npos) return make_error(EINVAL, "unbalanced ' in grub.cfg");
            i = e + 1;
        } else if (c == '"') {
            for (++i; i < s.size() && s[i] != '"'; ++i)
                if (s[i] == '\\') ++i;
            ++i;
        } else if (c == '\\') {
            i += 2;
        } else {
            if (c == '{') ++depth;
            if (c == '}' && --depth == 0) return i + 1;
            ++i;
        }
    }
    return make_error(EINVAL, "a { in grub.cfg is never closed");
}

bool is_id_option(const std::string& w) {
    return w == "--id" || w == "$menuentry_id_option" || w == "${menuentry_id_option}";
}

std::string id_of(const std::vector<std::string>& words) {
    for (size_t k = 1; k + 1 < words.size(); ++k)
        if (is_id_option(words[k])) return words[k + 1];
    return "";
}

std::vector<std::string> options_of(const std::vector<std::string>& words) {
    std::vector<std::string> out;
    for (size_t k = 2; k < words.size(); ++k) {
        if (is_id_option(words[k])) ++k; // and its value
        else out.push_back(words[k]);
    }
    return out;
}

Status scan(std::string_view s, size_t from, size_t to, std::vector<size_t> pos, std::vector<std::string> path,
            std::vector<std::string> path_ids, std::vector<GrubMenuEntry>& out) {
    size_t index = 0;
    size_t i = from;
    while (i < to) {
        size_t line_end = s.find('\n', i);
        if (line_end == std::string_view::npos || line_end > to) line_end = to;
        size_t b = i;
        while (b < line_end && (s[b] == ' ' || s[b] == '\t')) ++b;
        bool entry = s.compare(b, 10, "menuentry ") == 0, sub = s.compare(b, 8, "submenu ") == 0;
        if (!entry && !sub) {
            i = line_end + 1;
            continue;
        }
        auto w = command_words(s, b);
        if (!w) return w.error();
        if (!w->brace || w->words.size() < 2) {
            i = line_end + 1;
            continue;
        }
        auto e = block_end(s, w->end);
        if (!e) return e.error();
        std::vector<size_t> here = pos;
        here.push_back(index++);
        if (entry) {
            out.push_back({w->words[1], id_of(w->words), here, path, path_ids, std::string(s.substr(b, *e - b)),
                           options_of(w->words)});
        } else {
            std::vector<std::string> inner = path, inner_ids = path_ids;
            inner.push_back(w->words[1]);
            inner_ids.push_back(id_of(w->words));
            if (Status st = scan(s, w->end, *e - 1, here, inner, inner_ids, out); !st) return st;
        }
        i = *e;
    }
    return {};
}

bool names(const GrubMenuEntry& e, const std::string& want) {
    return e.title == want || (!e.id.empty() && e.id == want);
}

} // namespace

Result<std::vector<GrubMenuEntry>> grub_menu_entries(std::string_view cfg) {
    std::vector<GrubMenuEntry> out;
    if (Status st = scan(cfg, 0, cfg.size(), {}, {}, {}, out); !st) return st.error();
    return out;
}

Result<GrubMenuEntry> grub_default_entry(const std::vector<GrubMenuEntry>& entries, const std::string& grub_default,
                                         const std::string& saved_entry) {
    std::string want = grub_default == "saved" ? saved_entry : grub_default;
    if (entries.empty()) return make_error(ENOENT, "grub.cfg has no menuentry");
    if (want.empty()) want = "0";
    // "2>0", "Advanced options for Debian>Debian, with Linux 6.1": one step per submenu.
    std::vector<std::string> steps = split(want, '>');
    for (const auto& e : entries) {
        if (e.position.size() != steps.size()) continue;
        bool match = true;
        for (size_t k = 0; k < steps.size() && match; ++k) {
            const std::string& step = steps[k];
            bool number = !step.empty() && std::all_of(step.begin(), step.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c));
            });
            if (number) match = e.position[k] == static_cast<size_t>(std::stoul(step));
            else if (k + 1 == steps.size()) match = names(e, step);
            else match = e.path[k] == step || (!e.path_ids[k].empty() && e.path_ids[k] == step);
        }
        if (match) return e;
    }
    return make_error(ENOENT, "GRUB_DEFAULT=" + grub_default +
                                  (grub_default == "saved" ? " (saved_entry=" + saved_entry + ")" : "") +
                                  " names no entry of grub.cfg");
}

std::string grub_word(std::string_view s) {
    auto plain = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./:=+,@", c); };
    if (!s.empty() && std::all_of(s.begin(), s.end(), plain)) return std::string(s);
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

} // namespace vb
