// Copies a distribution's bootloader files from tests/fixtures/bootloaders
// into a fresh --root, with a /proc/cpuinfo of the wanted vendor.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "lib/fixture.h"

namespace vbtest {

inline std::string fixture_dir(const std::string& name) { return "tests/fixtures/bootloaders/" + name; }

inline void copy_fixture(const std::string& name, const TempDir& root, const char* vendor = "GenuineIntel") {
    std::filesystem::copy(fixture_dir(name), root.path(), std::filesystem::copy_options::recursive);
    write_file(root / "proc/cpuinfo", std::string("processor\t: 0\nvendor_id\t: ") + vendor +
                                          "\nmodel name\t: Test CPU\nflags\t\t: fpu vmx svm\n\n");
}

// Every file under the fixture is byte-identical under the root.
// Every file of `fixture` is in `root` with the same bytes, and `root` holds
// no file the fixture does not (nothing left behind), apart from what the
// test itself or vfio-setup's own bookkeeping put there: /proc, /sys, /run
// (the lock) and /var/lib/vfio-bind (its state). SOURCE notes are the
// fixtures' own. Prints what differs.
inline bool same_tree(const std::filesystem::path& fixture, const TempDir& root,
                      const std::vector<std::string>& made_by_test = {}) {
    namespace fs = std::filesystem;
    bool same = true;
    for (const auto& e : fs::recursive_directory_iterator(fixture)) {
        if (!e.is_regular_file() || e.path().filename() == "SOURCE") continue;
        const std::string rel = fs::relative(e.path(), fixture).string();
        if (!fs::exists(root / rel) || read_file(e.path().string()) != read_file(root / rel)) {
            MESSAGE("differs or is gone: " << rel);
            same = false;
        }
    }
    for (const auto& e : fs::recursive_directory_iterator(root.path())) {
        if (e.is_directory()) continue;
        const std::string rel = fs::relative(e.path(), root.path()).string();
        for (const char* ours : {"proc/", "sys/", "run/", "var/lib/vfio-bind/"})
            if (rel.rfind(ours, 0) == 0) goto next;
        for (const auto& t : made_by_test)
            if (rel == t) goto next;
        if (!fs::exists(fixture / rel) && !fs::is_symlink(fixture / rel)) {
            MESSAGE("left behind: " << rel);
            same = false;
        }
    next:;
    }
    return same;
}

inline bool same_as_fixture(const std::string& name, const TempDir& root) { return same_tree(fixture_dir(name), root); }

} // namespace vbtest
