#include "basic/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "basic/bounded.h"
#include "basic/read_limits.h"
#include "basic/unique_fd.h"

namespace vb {

namespace {

Error errno_error(int err, const std::string& what, const std::string& path) {
    return make_error(err, what + " " + path + ": " + std::strerror(err));
}

Error too_large(const std::string& p, size_t max_bytes) {
    return make_error(EFBIG, p + " is larger than " + std::to_string(max_bytes) + " bytes");
}

Status write_all(int fd, std::string_view data) {
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(errno, std::strerror(errno));
        }
        done += static_cast<size_t>(n);
    }
    return {};
}

} // namespace

DiskFs::DiskFs(std::string root) : root_(std::move(root)) {
    while (!root_.empty() && root_.back() == '/') root_.pop_back();
}

std::string DiskFs::host_path(const std::string& path) const {
    if (root_.empty()) return path;
    return root_ + (path.empty() || path[0] != '/' ? "/" : "") + path;
}

Result<std::string> DiskFs::read(const std::string& path, size_t max_bytes) const {
    const std::string p = host_path(path);
    UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return errno_error(errno, "cannot open", p);
    // Read in place into a buffer sized from fstat (one byte more, so the
    // read that sees the end needs no growth): a big file is then neither
    // copied through a bounce buffer nor moved on each growth. The buffer
    // never exceeds max_bytes + 1, so a file that fills it is too large.
    struct stat st {};
    size_t want = 4096;
    if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        want = static_cast<size_t>(std::min<uint64_t>(static_cast<uint64_t>(st.st_size), max_bytes)) + 1;
    std::string out(std::min(want, max_bytes + 1), '\0');
    size_t len = 0;
    for (;;) {
        if (len == out.size()) {
            if (len > max_bytes) return too_large(p, max_bytes);
            out.resize(std::min(out.size() * 2, max_bytes + 1));
        }
        ssize_t n = ::read(fd.get(), out.data() + len, out.size() - len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error(errno, "cannot read", p);
        }
        if (n == 0) break;
        len += static_cast<size_t>(n);
    }
    out.resize(len);
    return out;
}

Result<FileBytes> DiskFs::read_bytes(const std::string& path, size_t max_bytes) const {
    const std::string p = host_path(path);
    UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return errno_error(errno, "cannot open", p);
    struct stat st {};
    if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large(p, max_bytes);
        auto len = static_cast<size_t>(st.st_size);
        void* addr = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd.get(), 0);
        if (addr != MAP_FAILED) {
            ::madvise(addr, len, MADV_SEQUENTIAL);
            return FileBytes::mapped(addr, len);
        }
    }
    // Not a regular file, or one that cannot be mapped: read it.
    auto text = read(path, max_bytes);
    if (!text) return text.error();
    return FileBytes(std::move(*text));
}

namespace {

// One read() of a sysfs attribute (the kernel formats it whole).
Result<std::string> read_page(int fd, const std::string& where) {
    char buf[kMaxSysfsAttribute];
    ssize_t n;
    do n = ::read(fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n < 0) return errno_error(errno, "cannot read", where);
    return std::string(buf, static_cast<size_t>(n));
}

} // namespace

Result<std::string> DiskFs::read_attribute(const std::string& path) const {
    const std::string p = host_path(path);
    UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return errno_error(errno, "cannot open", p);
    return read_page(fd.get(), p);
}

std::vector<Result<std::string>> DiskFs::read_in_dir(const std::string& dir, const std::vector<DirItem>& items) const {
    const std::string p = host_path(dir);
    UniqueFd dfd(::open(p.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dfd) return Fs::read_in_dir(dir, items); // each item then reports its own error
    std::vector<Result<std::string>> out;
    out.reserve(items.size());
    for (const auto& it : items) {
        const std::string where = p + "/" + it.name;
        if (it.is_link) {
            char buf[kMaxLinkTarget];
            ssize_t n = ::readlinkat(dfd.get(), it.name.c_str(), buf, sizeof buf);
            out.push_back(n < 0 ? Result<std::string>(errno_error(errno, "cannot read link", where))
                                : Result<std::string>(std::string(buf, static_cast<size_t>(n))));
            continue;
        }
        UniqueFd fd(::openat(dfd.get(), it.name.c_str(), O_RDONLY | O_CLOEXEC));
        out.push_back(fd ? read_page(fd.get(), where) : Result<std::string>(errno_error(errno, "cannot open", where)));
    }
    return out;
}

Result<std::string> DiskFs::read_link(const std::string& path) const {
    const std::string p = host_path(path);
    char buf[kMaxLinkTarget];
    ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
    if (n < 0) return errno_error(errno, "cannot read link", p);
    return std::string(buf, static_cast<size_t>(n));
}

Result<std::vector<std::string>> DiskFs::list_dir(const std::string& path) const {
    const std::string p = host_path(path);
    DIR* d = ::opendir(p.c_str());
    if (!d) return errno_error(errno, "cannot list", p);
    std::vector<std::string> names;
    // readdir() says an error (EIO) and the end alike, with NULL: errno tells
    // them apart. A listing cut short is an error, never a shorter list.
    for (;;) {
        errno = 0;
        dirent* e = ::readdir(d);
        if (!e) break;
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        names.emplace_back(e->d_name);
    }
    const int err = errno;
    ::closedir(d);
    if (err) return errno_error(err, "cannot list", p);
    std::sort(names.begin(), names.end());
    return names;
}

bool DiskFs::exists(const std::string& path) const {
    struct stat st;
    return ::lstat(host_path(path).c_str(), &st) == 0;
}

Result<bool> DiskFs::probe(const std::string& path) const {
    struct stat st;
    if (::lstat(host_path(path).c_str(), &st) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return errno_error(errno, "cannot look at", host_path(path));
}

bool is_absent(const Error& e) { return e.code == ENOENT || e.code == ENOTDIR; }

Result<std::vector<std::string>> list_dir_if_present(const Fs& fs, const std::string& path) {
    auto names = fs.list_dir(path);
    if (!names && is_absent(names.error())) return std::vector<std::string>{};
    return names;
}

bool DiskFs::is_dir(const std::string& path) const {
    struct stat st;
    return ::stat(host_path(path).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status DiskFs::write(const std::string& path, std::string_view data) {
    const std::string p = host_path(path);
    UniqueFd fd(::open(p.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (!fd) return errno_error(errno, "cannot open", p);
    Status st = write_all(fd.get(), data);
    int close_err = fd.close();
    if (!st)
        return make_error(st.error().code,
                          "cannot write '" + std::string(data) + "' to " + p + ": " + st.error().message);
    if (close_err) return errno_error(close_err, "cannot write", p);
    return {};
}

Status DiskFs::write_bounded(const std::string& path, std::string_view data, int timeout_ms) {
    // The write happens in a child: if the kernel blocks it (a driver stuck
    // in remove()), we stop waiting and carry on. Its exit status is the errno.
    auto rc = run_bounded(
        [&] {
            Status st = write(path, data);
            return st ? 0 : st.error().code;
        },
        timeout_ms);
    if (!rc && rc.error().code == ETIMEDOUT)
        return make_error(ETIMEDOUT,
                          "writing '" + std::string(data) + "' to " + host_path(path) + " " + rc.error().message);
    if (!rc && rc.error().code == EAGAIN) return write(path, data); // no child to be had: write here
    if (!rc)
        return make_error(EIO, "writing '" + std::string(data) + "' to " + host_path(path) + ": " + rc.error().message);
    if (*rc) return errno_error(*rc, "cannot write '" + std::string(data) + "' to", host_path(path));
    return {};
}

namespace {

constexpr size_t kTempSuffix = 6; // mkostemp's XXXXXX

// fsync of the directory `dir`: what makes a name made, renamed or removed in
// it survive a power cut. A file system that cannot sync a directory
// (EINVAL) makes such changes durable by itself.
Status sync_dir(const std::string& dir, const std::string& what) {
    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if ((!dfd || ::fsync(dfd.get()) < 0) && errno != EINVAL) return errno_error(errno, "cannot make durable", what);
    return {};
}

// Removes the temporary files of `name` in `dir` that a run killed between
// mkostemp and rename left: ".NAME." and 6 letters or digits, regular files.
// Nothing else in the directory is touched.
Status remove_stale_temps(const std::string& dir, const std::string& name) {
    const std::string prefix = "." + name + ".";
    DIR* d = ::opendir(dir.c_str());
    if (!d) return errno_error(errno, "cannot list", dir);
    std::vector<std::string> stale;
    for (;;) {
        errno = 0;
        dirent* e = ::readdir(d);
        if (!e) break;
        std::string_view n = e->d_name;
        if (n.size() != prefix.size() + kTempSuffix || n.compare(0, prefix.size(), prefix) != 0) continue;
        if (!std::all_of(n.begin() + static_cast<long>(prefix.size()), n.end(),
                         [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
            continue;
        struct stat st;
        if (::lstat((dir + e->d_name).c_str(), &st) == 0 && S_ISREG(st.st_mode)) stale.emplace_back(n);
    }
    const int err = errno;
    ::closedir(d);
    if (err) return errno_error(err, "cannot list", dir);
    for (const auto& n : stale)
        if (::unlink((dir + n).c_str()) < 0 && errno != ENOENT)
            return errno_error(errno, "cannot remove the stale temporary file", dir + n);
    return {};
}

// Writes `data` to the host path `p` through a temporary file in its
// directory (fsync, rename, fsync of the directory). The file gets `mode`,
// and the owner of `owner` when given, before it takes the name.
Status write_replacing(const std::string& p, std::string_view data, mode_t mode, const struct stat* owner) {
    const std::string dir = p.substr(0, p.rfind('/') + 1);
    if (Status s = remove_stale_temps(dir, basename_of(p)); !s) return s;
    std::string tmpl = dir + "." + basename_of(p) + "." + std::string(kTempSuffix, 'X');
    UniqueFd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
    if (!fd) return errno_error(errno, "cannot create a temporary file in", dir);
    // errno is read before unlink() can change it.
    auto fail = [&](int err, const std::string& what) -> Status {
        fd.reset();
        ::unlink(tmpl.c_str());
        return errno_error(err, what, p);
    };
    if (::fchmod(fd.get(), mode) < 0) return fail(errno, "cannot set the mode of");
    if (owner && ::fchown(fd.get(), owner->st_uid, owner->st_gid) < 0 && errno != EPERM)
        return fail(errno, "cannot set the owner of");
    if (Status w = write_all(fd.get(), data); !w) return fail(w.error().code, "cannot write");
    if (::fsync(fd.get()) < 0) return fail(errno, "cannot fsync");
    if (int err = fd.close()) return fail(err, "cannot write");
    if (::rename(tmpl.c_str(), p.c_str()) < 0) return fail(errno, "cannot replace");
    // Make the rename itself durable: until then a power cut may bring back
    // the old file, so the change is not done.
    return sync_dir(dir, "the new " + p);
}

} // namespace

namespace {

// "/a/./b/../c" -> "/a/c"; ".." at the top stays at "/". A relative path
// (an --output file of the user's) is left as it is.
std::string normalize(const std::string& path) {
    if (path.empty() || path[0] != '/') return path;
    std::vector<std::string> parts;
    for (const auto& part : split(path, '/')) {
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
        } else {
            parts.push_back(part);
        }
    }
    std::string out;
    for (const auto& part : parts) out += "/" + part;
    return out.empty() ? "/" : out;
}

} // namespace

Result<std::string> DiskFs::resolve_links(const std::string& path) const {
    std::string cur = normalize(path);
    for (int hops = 0; hops < 40; ++hops) { // the kernel's own limit
        struct stat st;
        if (::lstat(host_path(cur).c_str(), &st) < 0) {
            if (errno == ENOENT) return cur; // a new file
            return errno_error(errno, "cannot look at", host_path(cur));
        }
        if (!S_ISLNK(st.st_mode)) return cur;
        auto target = read_link(cur);
        if (!target) return target.error();
        cur = normalize(target->rfind('/', 0) == 0 ? *target : cur.substr(0, cur.rfind('/') + 1) + *target);
    }
    return make_error(ELOOP, host_path(path) + ": too many levels of symbolic links");
}

Status DiskFs::replace_file(const std::string& link_path, std::string_view data, const std::string& backup_suffix,
                            unsigned mode) {
    // The backup is named after the path given; the bytes go to the link's target.
    auto path = resolve_links(link_path);
    if (!path) return path.error();
    const std::string p = host_path(*path);
    struct stat st;
    bool existed = ::stat(p.c_str(), &st) == 0;
    // Taken for a new file, it would lose its mode, owner and backup.
    if (!existed && errno != ENOENT) return errno_error(errno, "cannot look at", p);
    if (existed && !S_ISREG(st.st_mode)) return make_error(EINVAL, p + " is not a regular file");

    if (existed && !backup_suffix.empty()) {
        const std::string bak = link_path + backup_suffix;
        auto have_bak = probe(bak); // taken for absent, the first backup would be overwritten
        if (!have_bak) return have_bak.error();
        if (!*have_bak) {
            auto old = read(*path, 64u << 20);
            if (!old) return old.error();
            // As private as the original (a custom.cfg with a password hash is 0600).
            if (Status b = write_replacing(host_path(bak), *old, st.st_mode & 07777, &st); !b) return b;
        }
    }
    const mode_t want = mode != kKeepMode ? mode : existed ? st.st_mode & 07777 : 0644;
    return write_replacing(p, data, want, existed ? &st : nullptr);
}

Status DiskFs::remove(const std::string& path) {
    const std::string p = host_path(path);
    if (::unlink(p.c_str()) < 0) return errno == ENOENT ? Status{} : errno_error(errno, "cannot remove", p);
    // Until the directory is synced, a power cut may bring the file back.
    return sync_dir(dirname_of(p), "the removal of " + p);
}

Status DiskFs::remove_empty_dir(const std::string& path) {
    const std::string p = host_path(path);
    if (::rmdir(p.c_str()) < 0)
        return errno == ENOENT ? Status{} : errno_error(errno, "cannot remove the directory", p);
    return sync_dir(dirname_of(p), "the removal of " + p);
}

Status DiskFs::write_new(const std::string& path, std::string_view data) {
    const std::string p = host_path(path);
    UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return errno_error(errno, "cannot create", p);
    ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0) return errno_error(errno, "cannot write", p);
    if (static_cast<size_t>(n) != data.size()) return make_error(EIO, "short write to " + p);
    if (int e = fd.close()) return errno_error(e, "cannot write", p);
    return {};
}

Status DiskFs::clear_immutable(const std::string& path) {
    const std::string p = host_path(path);
    UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) return errno_error(errno, "cannot open", p);
    int flags = 0;
    if (::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) < 0) return {}; // no such flags here
    if (!(flags & FS_IMMUTABLE_FL)) return {};
    flags &= ~FS_IMMUTABLE_FL;
    if (::ioctl(fd.get(), FS_IOC_SETFLAGS, &flags) < 0) return errno_error(errno, "cannot make writable", p);
    return {};
}

Status DiskFs::make_parent_dirs(const std::string& path) {
    const std::string p = host_path(path);
    for (size_t slash = p.find('/', 1); slash != std::string::npos; slash = p.find('/', slash + 1)) {
        const std::string dir = p.substr(0, slash);
        if (::mkdir(dir.c_str(), 0755) == 0) {
            // The new directory's name is durable once its parent is synced.
            if (Status s = sync_dir(dirname_of(dir), "the new directory " + dir); !s) return s;
        } else if (errno != EEXIST) {
            return errno_error(errno, "cannot create", dir);
        }
    }
    return {};
}

} // namespace vb
