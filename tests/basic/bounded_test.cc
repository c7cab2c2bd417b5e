#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include "basic/bounded.h"
#include "lib/require_ok.h"

using vb::run_bounded;

TEST_CASE("bounded: the work's exit status comes back") {
    auto r = run_bounded([] { return 7; }, 2000);
    REQUIRE_OK(r);
    CHECK(*r == 7);
    auto zero = run_bounded([] { return 0; }, 2000);
    REQUIRE_OK(zero);
    CHECK(*zero == 0);
}

TEST_CASE("bounded: work that does not finish in time is left behind, and the caller goes on") {
    // Had it waited for the child, the child's status (0) would come back.
    auto r = run_bounded(
        [] {
            ::sleep(30);
            return 0;
        },
        300);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ETIMEDOUT);
    CHECK(r.error().message == "did not finish within 300 ms");
}

TEST_CASE("bounded: work that dies of a signal is an error, not a status") {
    auto r = run_bounded(
        [] {
            ::kill(::getpid(), SIGKILL); // not catchable, unlike what doctest handles
            return 0;
        },
        2000);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "ended by signal 9");
}

TEST_CASE("bounded: the status comes back although a grandchild the work left keeps running") {
    // What a sysfs write stuck in the kernel leaves: a grandchild holding a
    // copy of the pipe. The status must not wait for it to go.
    int pids[2];
    REQUIRE(::pipe(pids) == 0);
    auto r = run_bounded(
        [&] {
            pid_t g = ::fork();
            if (g == 0) {
                ::sleep(30);
                ::_exit(0);
            }
            ssize_t w = ::write(pids[1], &g, sizeof g);
            return w == sizeof g ? 5 : 1;
        },
        10000);
    pid_t g = 0;
    CHECK(::read(pids[0], &g, sizeof g) == sizeof g);
    if (g > 0) ::kill(g, SIGKILL);
    ::close(pids[0]);
    ::close(pids[1]);
    REQUIRE_OK(r);
    CHECK(*r == 5);
}
