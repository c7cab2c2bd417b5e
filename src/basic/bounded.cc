#include "basic/bounded.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "basic/unique_fd.h"

namespace vb {

Result<int> run_bounded(const std::function<int()>& fn, int timeout_ms) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0)
        return make_error(EAGAIN, std::string("cannot make a pipe: ") + std::strerror(errno));
    UniqueFd from_child(fds[0]), to_parent(fds[1]);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return make_error(EAGAIN, std::string("cannot fork: ") + std::strerror(errno));
    if (pid == 0) {
        from_child.reset();
        auto status = static_cast<unsigned char>(fn() & 0xff);
        std::fflush(nullptr);
        // The status goes through the pipe rather than its closing: a
        // grandchild fn left stuck in the kernel holds a copy of it open.
        ssize_t w;
        do w = ::write(to_parent.get(), &status, 1);
        while (w < 0 && errno == EINTR);
        ::_exit(status);
    }
    to_parent.reset();
    struct pollfd pfd = {from_child.get(), POLLIN, 0};
    int r;
    do r = ::poll(&pfd, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
        ::kill(pid, SIGKILL);
        return make_error(ETIMEDOUT, "did not finish within " + std::to_string(timeout_ms) + " ms");
    }
    unsigned char reported = 0;
    ssize_t n;
    do n = ::read(from_child.get(), &reported, 1);
    while (n < 0 && errno == EINTR);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return make_error(errno, std::string("cannot wait: ") + std::strerror(errno));
    if (n == 1) return reported;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return make_error(EINTR, "ended by signal " + std::to_string(WTERMSIG(status)));
}

} // namespace vb
