#include <doctest/doctest.h>

#include "basic/fs.h"
#include "lib/fixture.h"
#include "lib/require_ok.h"
#include "setup/lock.h"

using namespace vb;
using namespace vbtest;

TEST_CASE("lock: a second run is locked out until the first lets go") {
    TempDir root;
    DiskFs fs(root.path());
    {
        auto first = SetupLock::acquire(fs);
        REQUIRE_OK(first);
        auto second = SetupLock::acquire(fs);
        REQUIRE_FALSE(second.ok());
        CHECK(second.error().code == EWOULDBLOCK);
        CHECK(second.error().message.find("another vfio-setup is running") == 0);
    }
    CHECK(SetupLock::acquire(fs).ok()); // released with the first
    CHECK(read_file(root / "run/lock/vfio-setup.lock").empty());
}
