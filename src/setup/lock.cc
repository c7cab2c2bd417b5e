#include "setup/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>

namespace vb {

namespace {

// The lock's directory, opened without following a symlink, when it is one
// that only its owner (root, or whoever runs this) can write in.
Result<UniqueFd> open_lock_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST)
        return make_error(errno, "cannot create " + dir + ": " + std::strerror(errno));
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd)
        return make_error(errno, "cannot open the lock directory " + dir + ": " + std::strerror(errno) +
                                     (errno == ENOTDIR || errno == ELOOP ? " (not a directory; remove it)" : ""));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return make_error(errno, "cannot stat " + dir + ": " + std::strerror(errno));
    const bool owner_ok = st.st_uid == 0 || st.st_uid == ::geteuid();
    if (!owner_ok || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return make_error(EPERM, "the lock directory " + dir + " is owned by uid " + std::to_string(st.st_uid) +
                                     " with mode " + mode + ": another user could hold the lock; remove it (rm -r " +
                                     dir + ") and run again");
    }
    return fd;
}

} // namespace

Result<SetupLock> SetupLock::acquire(Fs& fs, const std::string& path) {
    const size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
    if (Status d = fs.make_parent_dirs(dir); !d) return d.error();
    auto dir_fd = open_lock_dir(fs.host_path(dir));
    if (!dir_fd) return dir_fd.error();
    const std::string p = fs.host_path(path);
    UniqueFd fd(
        ::openat(dir_fd->get(), path.substr(slash + 1).c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return make_error(errno, "cannot open the lock file " + p + ": " + std::strerror(errno));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK) return make_error(errno, "another vfio-setup is running (" + p + " is locked)");
        return make_error(errno, "cannot lock " + p + ": " + std::strerror(errno));
    }
    return SetupLock(std::move(fd));
}

} // namespace vb
