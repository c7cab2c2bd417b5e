// The one seam through which every tool touches files. An Fs is rooted at a
// directory that it treats as "/": with --root DIR the tools read and write
// DIR/sys, DIR/etc, DIR/boot, DIR/lib/modules and never the host's files.
// Tests subclass it to record or fake what the kernel would do.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "basic/file_bytes.h"
#include "basic/read_limits.h"
#include "basic/result.h"
#include "basic/text.h"

namespace vb {

// The suffix of the one backup every rewritten file gets ("grub" ->
// "grub.vfio-bind.bak"), made before the first change and kept.
inline constexpr const char* kBackupSuffix = ".vfio-bind.bak";

// The mode replace_file gives the file it writes: the old file's (0644 for a
// new one), or a fixed one.
inline constexpr unsigned kKeepMode = ~0u;
// What vfio-setup records of the files it changed (their old bytes, which may
// hold a GRUB password hash) is for root alone.
inline constexpr unsigned kStateFileMode = 0600;

class Fs {
public:
    virtual ~Fs() = default;

    // Whole file, refused (EFBIG) past max_bytes so a hostile file cannot eat memory.
    virtual Result<std::string> read(const std::string& path, size_t max_bytes = kMaxTextFile) const = 0;
    // The same bytes, held without a copy where the file system allows it
    // (a boot image: tens of MB, only ever read).
    virtual Result<FileBytes> read_bytes(const std::string& path, size_t max_bytes) const {
        auto text = read(path, max_bytes);
        if (!text) return text.error();
        return FileBytes(std::move(*text));
    }
    // A sysfs attribute: at most a page, delivered by one read() (the kernel
    // formats it whole), so one call suffices where read() needs two.
    virtual Result<std::string> read_attribute(const std::string& path) const { return read(path, kMaxSysfsAttribute); }
    // Target of a symbolic link, as stored.
    virtual Result<std::string> read_link(const std::string& path) const = 0;

    // Several attributes and links of one directory (a device in sysfs):
    // entry i is the attribute's text or the link's target. One lookup of
    // `dir` serves them all, where separate calls would each walk the path.
    struct DirItem {
        std::string name;
        bool is_link = false;
    };
    virtual std::vector<Result<std::string>> read_in_dir(const std::string& dir,
                                                         const std::vector<DirItem>& items) const {
        std::vector<Result<std::string>> out;
        for (const auto& it : items)
            out.push_back(it.is_link ? read_link(dir + "/" + it.name) : read_attribute(dir + "/" + it.name));
        return out;
    }
    // Names in a directory, sorted, without "." and "..".
    virtual Result<std::vector<std::string>> list_dir(const std::string& path) const = 0;
    virtual bool exists(const std::string& path) const = 0;
    virtual bool is_dir(const std::string& path) const = 0;
    // Whether `path` is there, for what decides where to write: false only
    // when it is absent (ENOENT, ENOTDIR); any other failure (EIO, EACCES) is
    // an error, never an absence.
    virtual Result<bool> probe(const std::string& path) const { return exists(path); }

    // In-place write, as `echo data > path` does: what sysfs attributes need.
    virtual Status write(const std::string& path, std::string_view data) = 0;
    // Like write(), but gives up after timeout_ms: unbinding a driver can block
    // forever in the kernel, and a boot must never wait on it.
    virtual Status write_bounded(const std::string& path, std::string_view data, int timeout_ms) = 0;
    // Creates (or truncates) `path` and writes `data` in one write(2): what
    // efivarfs needs, where a variable is set by one write of its whole value.
    virtual Status write_new(const std::string& path, std::string_view data) = 0;
    // Clears the immutable flag (chattr -i), as efivarfs sets it on most
    // variables: they can be replaced or removed only then. A file system
    // without the flag (tmpfs under --root) is no error.
    virtual Status clear_immutable(const std::string& path) = 0;

    // Replace a regular file atomically (temp file ".NAME.XXXXXX" in the same
    // directory, fsync, rename, fsync of the directory), keeping its mode and owner unless `mode` says otherwise. A
    // symbolic link (config management keeps /etc/default/grub in its tree) is
    // followed, within the root: its target is replaced and the link stays. If
    // `backup_suffix` is not empty and path+suffix does not exist yet, the old
    // content is saved there first, with the same mode and owner. Temp files
    // of the same file that a killed run left behind are removed first. Their
    // names end in 6 letters or digits, so no boot loader or generator takes
    // one for a file of its own (a BLS "*.conf", a grub.d "*.cfg").
    virtual Status replace_file(const std::string& path, std::string_view data, const std::string& backup_suffix = "",
                                unsigned mode = kKeepMode) = 0;
    virtual Status remove(const std::string& path) = 0;
    // mkdir -p of the directory holding `path` (mode 0755).
    virtual Status make_parent_dirs(const std::string& path) = 0;
    // Removes the directory `path` if it is empty (absent: done; ENOTEMPTY
    // when it holds anything).
    virtual Status remove_empty_dir(const std::string& path) {
        return make_error(ENOTSUP, "cannot remove the directory " + path + " here");
    }

    // Where `path` really is on this machine (for messages and external tools).
    virtual std::string host_path(const std::string& path) const = 0;
    // True when rooted somewhere other than the real "/".
    virtual bool is_rooted() const = 0;
};

// An error that means "not there" (ENOENT, ENOTDIR), as opposed to one that
// means "could not look" (EIO, EACCES...).
bool is_absent(const Error& e);
// list_dir, with an absent directory as an empty one; any other failure to
// list it is an error.
Result<std::vector<std::string>> list_dir_if_present(const Fs& fs, const std::string& path);

// The real filesystem, seen from `root` ("/" or empty for the real root).
class DiskFs : public Fs {
public:
    explicit DiskFs(std::string root = "/");

    Result<std::string> read(const std::string& path, size_t max_bytes = kMaxTextFile) const override;
    Result<FileBytes> read_bytes(const std::string& path, size_t max_bytes) const override;
    Result<std::string> read_attribute(const std::string& path) const override;
    Result<std::string> read_link(const std::string& path) const override;
    std::vector<Result<std::string>> read_in_dir(const std::string& dir,
                                                 const std::vector<DirItem>& items) const override;
    Result<std::vector<std::string>> list_dir(const std::string& path) const override;
    bool exists(const std::string& path) const override;
    bool is_dir(const std::string& path) const override;
    Result<bool> probe(const std::string& path) const override;
    Status write(const std::string& path, std::string_view data) override;
    Status write_bounded(const std::string& path, std::string_view data, int timeout_ms) override;
    Status write_new(const std::string& path, std::string_view data) override;
    Status clear_immutable(const std::string& path) override;
    Status replace_file(const std::string& path, std::string_view data, const std::string& backup_suffix = "",
                        unsigned mode = kKeepMode) override;
    Status remove(const std::string& path) override;
    Status make_parent_dirs(const std::string& path) override;
    Status remove_empty_dir(const std::string& path) override;
    std::string host_path(const std::string& path) const override;
    bool is_rooted() const override { return !root_.empty(); }

private:
    // `path` with the symbolic links of its last part followed, as a path
    // under the root (an absolute target means the root's, ".." stops at it).
    Result<std::string> resolve_links(const std::string& path) const;

    std::string root_; // without trailing slash; empty for the real "/"
};

} // namespace vb
