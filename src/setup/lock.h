// Keeps two vfio-setup runs from editing the same files at once: an flock
// on /run/vfio-bind/vfio-setup.lock under the root, held until the lock is
// destroyed. The directory is one only root can create (/run is root's), made
// 0700 when missing and refused when it is a symlink, not a directory, owned
// by another user or writable by group or others: an unprivileged user who
// could create or hold the lock could block `cmdline disable`, the way back.
// Fs has no file-descriptor primitive, so this file reaches the disk through
// Fs::host_path() directly.
#pragma once

#include <string>

#include "basic/fs.h"
#include "basic/result.h"
#include "basic/unique_fd.h"

namespace vb {

inline constexpr const char* kSetupLockPath = "/run/vfio-bind/vfio-setup.lock";

class SetupLock {
public:
    // Fails at once (EWOULDBLOCK) when another run holds the lock.
    static Result<SetupLock> acquire(Fs& fs, const std::string& path = kSetupLockPath);

private:
    explicit SetupLock(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_; // closing it releases the flock
};

} // namespace vb
