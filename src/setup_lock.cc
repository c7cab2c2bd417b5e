#include "setup_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace vb {

SetupLock::~SetupLock() {
    if (fd_ >= 0) ::close(fd_); // closing releases the flock
}

Result<SetupLock> SetupLock::acquire(const Fs& fs, const std::string& path) {
    if (Status d = make_parent_dirs(fs, path); !d) return d.error();
    const std::string p = fs.host_path(path);
    int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return make_error(errno, "cannot open the lock file " + p + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int err = errno;
        ::close(fd);
        if (err == EWOULDBLOCK) return make_error(err, "another vfio-setup is running (" + p + " is locked)");
        return make_error(err, "cannot lock " + p + ": " + std::strerror(err));
    }
    return SetupLock(fd);
}

Status make_parent_dirs(const Fs& fs, const std::string& path) {
    const std::string p = fs.host_path(path);
    for (size_t slash = p.find('/', 1); slash != std::string::npos; slash = p.find('/', slash + 1)) {
        const std::string dir = p.substr(0, slash);
        if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST)
            return make_error(errno, "cannot create " + dir + ": " + std::strerror(errno));
    }
    return {};
}

} // namespace vb
