#include "bootloader/cmdline_state.h"

#include <sstream>

#include "basic/kernel_params.h"
#include "basic/read_limits.h"

namespace vb {

namespace {
// Format 2 added the `seen` lines and keeps each `original` up to date with
// changes made between two enables; format 1 is still read (as legacy).
constexpr std::string_view kMagic = "vfio-setup cmdline state 2\n";
constexpr std::string_view kMagic1 = "vfio-setup cmdline state 1\n";
} // namespace

StateFile* CmdlineState::find(const std::string& path) {
    for (auto& f : files)
        if (f.path == path) return &f;
    return nullptr;
}

const StateFile* CmdlineState::find(const std::string& path) const {
    return const_cast<CmdlineState*>(this)->find(path);
}

void put_line(std::string& out, const std::string& key, const std::string& value) { out += key + " " + value + "\n"; }

void put_blob(std::string& out, const std::string& key, std::string_view bytes) {
    out += key + " " + std::to_string(bytes.size()) + "\n";
    out.append(bytes);
    out += "\n";
}

bool StateReader::line(const char* key, std::string* value) {
    size_t nl = t_.find('\n', i_);
    std::string k = std::string(key) + " ";
    if (nl == std::string_view::npos || t_.compare(i_, k.size(), k) != 0) return false;
    *value = std::string(t_.substr(i_ + k.size(), nl - i_ - k.size()));
    i_ = nl + 1;
    return true;
}

bool StateReader::blob(const char* key, std::string* value) {
    std::string len;
    if (!line(key, &len) || len.empty() || len.size() > 12) return false;
    for (char c : len)
        if (c < '0' || c > '9') return false;
    size_t n = std::stoul(len);
    if (i_ + n >= t_.size() || t_[i_ + n] != '\n') return false;
    *value = std::string(t_.substr(i_, n));
    i_ += n + 1;
    return true;
}

bool StateReader::next_is(const char* key) const {
    std::string k = std::string(key) + " ";
    return t_.compare(i_, k.size(), k) == 0;
}

std::string format_state(const CmdlineState& s) {
    std::string out(kMagic);
    for (const auto& f : s.files) {
        put_line(out, "file", f.path);
        put_line(out, "backend", f.backend);
        put_line(out, "existed", f.existed ? "1" : "0");
        put_line(out, "added", join_cmdline(f.added));
        put_line(out, "removed", join_cmdline(f.removed));
        put_blob(out, "original", f.original);
        put_blob(out, "written", f.written);
    }
    for (const auto& p : s.seen) put_line(out, "seen", p);
    for (const auto& d : s.made_dirs) put_line(out, "made_dir", d);
    return out;
}

Result<CmdlineState> parse_state(std::string_view t, const std::string& path) {
    CmdlineState s;
    auto bad = [&](const std::string& why) {
        return make_error(EINVAL, path + ": " + why + "; not touching anything");
    };
    s.legacy = t.substr(0, kMagic1.size()) == kMagic1;
    if (!s.legacy && t.substr(0, kMagic.size()) != kMagic) return bad("not a vfio-setup state file");
    StateReader r(t, kMagic.size());
    while (!r.at_end()) {
        if (!s.legacy && r.next_is("seen")) {
            std::string p;
            if (!r.line("seen", &p)) return bad("damaged near byte " + std::to_string(r.offset()));
            s.seen.push_back(std::move(p));
            continue;
        }
        if (!s.legacy && r.next_is("made_dir")) {
            std::string p;
            if (!r.line("made_dir", &p)) return bad("damaged near byte " + std::to_string(r.offset()));
            s.made_dirs.push_back(std::move(p));
            continue;
        }
        StateFile f;
        std::string existed, added, removed;
        if (!r.line("file", &f.path) || !r.line("backend", &f.backend) || !r.line("existed", &existed) ||
            !r.line("added", &added) || !r.line("removed", &removed) || !r.blob("original", &f.original) ||
            !r.blob("written", &f.written))
            return bad("damaged near byte " + std::to_string(r.offset()));
        f.existed = existed == "1";
        auto a = split_cmdline(added), rm = split_cmdline(removed);
        if (!a || !rm) return bad("damaged parameter list");
        f.added = split_words(*a);
        f.removed = split_words(*rm);
        s.files.push_back(std::move(f));
    }
    return s;
}

Result<CmdlineState> read_state(const Fs& fs, const std::string& path) {
    auto there = fs.probe(path);
    if (!there) return there.error();
    if (!*there) return CmdlineState{};
    auto t = fs.read(path, kMaxRewrittenFile);
    if (!t) return t.error();
    return parse_state(*t, path);
}

} // namespace vb
