// Work that must not hold its caller for long: a write to sysfs that a
// driver stuck in remove() blocks in the kernel, a whole vfio-bind run at
// boot. The work runs in a child process; the caller waits for it at most
// so long and then goes on without it.
#pragma once

#include <functional>

#include "basic/result.h"

namespace vb {

// fn's return value (its exit status, 0..255), or ETIMEDOUT when it did not
// finish within timeout_ms: the child is then sent SIGKILL and not waited
// for (in uninterruptible sleep it dies only when the kernel lets it).
// EAGAIN when no child could be started (the caller may then do the work
// itself); EINTR when the child was killed before it reported.
// What the caller printed is flushed first, so that nothing is printed twice.
Result<int> run_bounded(const std::function<int()>& fn, int timeout_ms);

} // namespace vb
