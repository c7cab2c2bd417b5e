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
