#include "setup/lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cstring>

namespace vb {

Result<SetupLock> SetupLock::acquire(Fs& fs, const std::string& path) {
    if (Status d = fs.make_parent_dirs(path); !d) return d.error();
    const std::string p = fs.host_path(path);
    UniqueFd fd(::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) return make_error(errno, "cannot open the lock file " + p + ": " + std::strerror(errno));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK) return make_error(errno, "another vfio-setup is running (" + p + " is locked)");
        return make_error(errno, "cannot lock " + p + ": " + std::strerror(errno));
    }
    return SetupLock(std::move(fd));
}

} // namespace vb
