// A DiskFs where chosen paths fail as a broken disk makes them fail (EIO):
// looking at them, listing them, reading them and their links. What decides where to write
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
    vb::Result<std::string> read_link(const std::string& path) const override {
        if (broken_.count(path)) return eio(path);
        return DiskFs::read_link(path);
    }
    // sysfs attributes and links read together: a broken one fails alone.
    std::vector<vb::Result<std::string>> read_in_dir(const std::string& dir,
                                                     const std::vector<DirItem>& items) const override {
        auto out = DiskFs::read_in_dir(dir, items);
        for (size_t i = 0; i < items.size(); i++)
            if (broken_.count(dir + "/" + items[i].name)) out[i] = eio(dir + "/" + items[i].name);
        return out;
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
