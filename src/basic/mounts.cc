#include "basic/mounts.h"

#include "basic/text.h"

namespace vb {

namespace {

bool is_octal(char c) { return c >= '0' && c <= '7'; }

// mountinfo escapes blanks and backslashes in paths as octal (\040).
std::string unescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && is_octal(s[i + 1]) && is_octal(s[i + 2]) && is_octal(s[i + 3])) {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

} // namespace

std::vector<Mount> parse_mountinfo(std::string_view text) {
    std::vector<Mount> out;
    for (auto line : split_lines(text)) {
        auto f = split_blanks(line);
        size_t dash = 6;
        while (dash < f.size() && f[dash] != "-") ++dash;
        if (dash + 2 >= f.size()) continue; // not a mountinfo line
        Mount m;
        m.point = unescape(f[4]);
        m.dev = f[2];
        m.fstype = f[dash + 1];
        m.source = unescape(f[dash + 2]);
        m.options = dash + 3 < f.size() ? f[dash + 3] : "";
        out.push_back(std::move(m));
    }
    return out;
}

const Mount* find_mount(const std::vector<Mount>& mounts, const std::string& point) {
    const Mount* found = nullptr;
    for (const auto& m : mounts)
        if (m.point == point) found = &m;
    return found;
}

const Mount* mount_of(const std::vector<Mount>& mounts, const std::string& path) {
    const Mount* best = nullptr;
    for (const auto& m : mounts) {
        bool under = m.point == "/" || path == m.point || starts_with(path, m.point + "/");
        if (under && (!best || m.point.size() >= best->point.size())) best = &m;
    }
    return best;
}

std::vector<FstabEntry> parse_fstab(std::string_view text) {
    std::vector<FstabEntry> out;
    for (auto line : split_lines(text)) {
        auto f = split_blanks(line);
        if (f.size() < 3 || f[0][0] == '#') continue;
        out.push_back({unescape(f[0]), unescape(f[1]), f[2], f.size() > 3 ? f[3] : "defaults"});
    }
    return out;
}

std::vector<Swap> parse_swaps(std::string_view text) {
    std::vector<Swap> out;
    bool header = true;
    for (auto line : split_lines(text)) {
        if (header) {
            header = false;
            continue;
        }
        auto f = split_blanks(line);
        if (f.size() >= 2) out.push_back({unescape(f[0]), f[1] == "file"});
    }
    return out;
}

} // namespace vb
