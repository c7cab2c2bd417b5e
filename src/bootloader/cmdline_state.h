// What `enable` changed, per file, so that `disable` can put back the
// original bytes: the original and the written content, length-prefixed so
// any byte survives, and the parameters added and removed.
#pragma once

#include <string>
#include <vector>

#include "basic/fs.h"
#include "basic/result.h"

namespace vb {

struct StateFile {
    std::string path;
    std::string backend;
    bool existed = true;
    std::vector<std::string> added, removed;
    std::string original, written;
};

struct CmdlineState {
    std::vector<StateFile> files;
    StateFile* find(const std::string& path);
};

std::string format_state(const CmdlineState& s);
Result<CmdlineState> parse_state(std::string_view text, const std::string& path);
// Absent file: empty state.
Result<CmdlineState> read_state(const Fs& fs, const std::string& path);

} // namespace vb
