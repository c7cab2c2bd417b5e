#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>

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
    CHECK(read_file(root / "run/vfio-bind/vfio-setup.lock").empty());
}

TEST_CASE("lock: in a directory only root can create, made 0700") {
    TempDir root;
    DiskFs fs(root.path());
    REQUIRE_OK(SetupLock::acquire(fs));
    struct stat st {};
    REQUIRE(::lstat((root / "run/vfio-bind").c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 07777) == 0700);
    CHECK(std::filesystem::exists(root / "run/vfio-bind/vfio-setup.lock"));
    CHECK_FALSE(std::filesystem::exists(root / "run/lock")); // not the world-writable /run/lock
}

TEST_CASE("lock: a directory others can write in, or a symlink, is refused") {
    TempDir root;
    DiskFs fs(root.path());
    std::filesystem::create_directories(root / "run/vfio-bind");
    SUBCASE("world-writable") {
        ::chmod((root / "run/vfio-bind").c_str(), 01777);
        auto lock = SetupLock::acquire(fs);
        REQUIRE_FALSE(lock.ok());
        CHECK(lock.error().message.find("another user could hold the lock") != std::string::npos);
        CHECK(lock.error().message.find("mode 1777") != std::string::npos);
    }
    SUBCASE("a symlink to a world-writable directory") {
        std::filesystem::remove(root / "run/vfio-bind");
        std::filesystem::create_directories(root / "tmp");
        ::chmod((root / "tmp").c_str(), 01777);
        std::filesystem::create_directory_symlink(root / "tmp", root / "run/vfio-bind");
        auto lock = SetupLock::acquire(fs);
        REQUIRE_FALSE(lock.ok());
        CHECK(lock.error().message.find("not a directory; remove it") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(root / "tmp/vfio-setup.lock"));
    }
    SUBCASE("0755 is fine (the host-devices record's directory)") {
        ::chmod((root / "run/vfio-bind").c_str(), 0755);
        CHECK(SetupLock::acquire(fs).ok());
    }
}
