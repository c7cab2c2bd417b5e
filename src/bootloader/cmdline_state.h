// What `enable` changed, per file, so that `disable` takes out exactly that:
// the parameters added and removed, whether the file was created, and the
// file as it was without us and as we wrote it (length-prefixed so any byte
// survives), which gives the original bytes back while nobody else touched it.
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
    // The files of the backends that gain files later (BLS entries of new
    // kernels) as they were at the first enable: a file not among them was
    // made from what enable wrote, and disable cleans it too.
    std::vector<std::string> seen;
    // The directories enable made for the files it created (grub.d): disable
    // removes each one it leaves empty, deepest first.
    std::vector<std::string> made_dirs;
    // Written by vfio-setup before format 2: no `seen` list, and a file's
    // `original` may predate a change made between two enables.
    bool legacy = false;
    StateFile* find(const std::string& path);
    const StateFile* find(const std::string& path) const;
};

std::string format_state(const CmdlineState& s);

// The record syntax of the state files: "key value" lines, and blobs that
// hold any bytes ("key LENGTH", the bytes, a newline).
void put_line(std::string& out, const std::string& key, const std::string& value);
void put_blob(std::string& out, const std::string& key, std::string_view bytes);
class StateReader {
public:
    StateReader(std::string_view text, size_t from) : t_(text), i_(from) {}
    bool line(const char* key, std::string* value);
    bool blob(const char* key, std::string* value);
    bool at_end() const { return i_ >= t_.size(); }
    bool next_is(const char* key) const;
    size_t offset() const { return i_; }

private:
    std::string_view t_;
    size_t i_;
};
Result<CmdlineState> parse_state(std::string_view text, const std::string& path);
// Absent file: empty state.
Result<CmdlineState> read_state(const Fs& fs, const std::string& path);

} // namespace vb
