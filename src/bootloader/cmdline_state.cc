#include "bootloader/cmdline_state.h"

#include <sstream>

#include "basic/kernel_params.h"
#include "basic/read_limits.h"

namespace vb {

namespace {
constexpr const char* kMagic = "vfio-setup cmdline state 1\n";
}

StateFile* CmdlineState::find(const std::string& path) {
    for (auto& f : files)
        if (f.path == path) return &f;
    return nullptr;
}

std::string format_state(const CmdlineState& s) {
    std::string out = kMagic;
    for (const auto& f : s.files) {
        out += "file " + f.path + "\nbackend " + f.backend + "\nexisted " + (f.existed ? "1" : "0") + "\n";
        out += "added " + join_cmdline(f.added) + "\nremoved " + join_cmdline(f.removed) + "\n";
        out += "original " + std::to_string(f.original.size()) + "\n" + f.original + "\n";
        out += "written " + std::to_string(f.written.size()) + "\n" + f.written + "\n";
    }
    return out;
}

Result<CmdlineState> parse_state(std::string_view t, const std::string& path) {
    CmdlineState s;
    auto bad = [&](const std::string& why) {
        return make_error(EINVAL, path + ": " + why + "; not touching anything");
    };
    if (t.substr(0, std::string_view(kMagic).size()) != kMagic) return bad("not a vfio-setup state file");
    size_t i = std::string_view(kMagic).size();
    auto line = [&](const char* key, std::string* value) {
        size_t nl = t.find('\n', i);
        std::string k = std::string(key) + " ";
        if (nl == std::string_view::npos || t.compare(i, k.size(), k) != 0) return false;
        *value = std::string(t.substr(i + k.size(), nl - i - k.size()));
        i = nl + 1;
        return true;
    };
    auto blob = [&](const char* key, std::string* value) {
        std::string len;
        if (!line(key, &len) || len.empty() || len.size() > 12) return false;
        for (char c : len)
            if (c < '0' || c > '9') return false;
        size_t n = std::stoul(len);
        if (i + n >= t.size() || t[i + n] != '\n') return false;
        *value = std::string(t.substr(i, n));
        i += n + 1;
        return true;
    };
    while (i < t.size()) {
        StateFile f;
        std::string existed, added, removed;
        if (!line("file", &f.path) || !line("backend", &f.backend) || !line("existed", &existed) ||
            !line("added", &added) || !line("removed", &removed) || !blob("original", &f.original) ||
            !blob("written", &f.written))
            return bad("damaged near byte " + std::to_string(i));
        f.existed = existed == "1";
        auto a = split_cmdline(added), r = split_cmdline(removed);
        if (!a || !r) return bad("damaged parameter list");
        f.added = split_words(*a);
        f.removed = split_words(*r);
        s.files.push_back(std::move(f));
    }
    return s;
}

Result<CmdlineState> read_state(const Fs& fs, const std::string& path) {
    if (!fs.exists(path)) return CmdlineState{};
    auto t = fs.read(path, kMaxRewrittenFile);
    if (!t) return t.error();
    return parse_state(*t, path);
}

} // namespace vb
