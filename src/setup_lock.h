// Keeps two vfio-setup runs from editing the same files at once: an flock
// on /run/lock/vfio-setup.lock under the root. Fs has no file-descriptor
// primitive, so this file (and make_parent_dirs) reach the disk through
// Fs::host_path() directly.
#pragma once

#include <string>

#include "fs.h"
#include "result.h"

namespace vb {

inline constexpr const char* kSetupLockPath = "/run/lock/vfio-setup.lock";

class SetupLock {
public:
    SetupLock(SetupLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    SetupLock(const SetupLock&) = delete;
    SetupLock& operator=(const SetupLock&) = delete;
    ~SetupLock();

    // Fails at once (EWOULDBLOCK) when another run holds the lock.
    static Result<SetupLock> acquire(const Fs& fs, const std::string& path = kSetupLockPath);

private:
    explicit SetupLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

// mkdir -p of the directory holding `path` (mode 0755).
Status make_parent_dirs(const Fs& fs, const std::string& path);

} // namespace vb
