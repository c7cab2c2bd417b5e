// A file descriptor that closes itself: the _cleanup_close_ of systemd, so
// that no return path can leak one and none closes one by hand.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace vb {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        if (this != &o) reset(std::exchange(o.fd_, -1));
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }
    // Closes now, for the callers that must see close()'s error (a written
    // file's last chance to report ENOSPC): 0, or the errno.
    int close() {
        int r = fd_ >= 0 && ::close(fd_) < 0 ? errno : 0;
        fd_ = -1;
        return r;
    }

private:
    int fd_ = -1;
};

} // namespace vb
