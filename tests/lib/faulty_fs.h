// A DiskFs where chosen paths fail as a broken disk makes them fail (EIO):
// looking at them, listing them, reading them. What decides where to write
// must then be an error, never an absence.
#pragma once

#include <cerrno>
#include <set>
#include <string>
#include <vector>

#include "basic/fs.h"

namespace vbtest {

class FaultyFs : public vb::DiskFs {
public:
    FaultyFs(std::string root, std::set<std::string> broken, std::set<std::string> once = {})
        : DiskFs(std::move(root)), broken_(std::move(broken)), once_(std::move(once)) {}

    // Paths in `once` fail their first read only (a disk that errs once).
    vb::Result<std::string> read(const std::string& path, size_t max_bytes = vb::kMaxTextFile) const override {
        if (broken_.count(path) || once_.erase(path)) return eio(path);
        return DiskFs::read(path, max_bytes);
    }
    vb::Result<std::vector<std::string>> list_dir(const std::string& path) const override {
        if (broken_.count(path)) return eio(path);
        return DiskFs::list_dir(path);
    }
    // What a failing lstat() gives a plain existence test: "no".
    bool exists(const std::string& path) const override { return !broken_.count(path) && DiskFs::exists(path); }
    bool is_dir(const std::string& path) const override { return !broken_.count(path) && DiskFs::is_dir(path); }
    vb::Result<bool> probe(const std::string& path) const override {
        if (broken_.count(path)) return eio(path);
        return DiskFs::probe(path);
    }

private:
    vb::Error eio(const std::string& path) const {
        return vb::make_error(EIO, "cannot read " + host_path(path) + ": Input/output error");
    }
    std::set<std::string> broken_;
    mutable std::set<std::string> once_;
};

} // namespace vbtest
