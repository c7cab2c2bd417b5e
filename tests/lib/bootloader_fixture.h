// Copies a distribution's bootloader files from tests/fixtures/bootloaders
// into a fresh --root, with a /proc/cpuinfo of the wanted vendor.
#pragma once

#include <filesystem>
#include <string>

#include "lib/fixture.h"

namespace vbtest {

inline std::string fixture_dir(const std::string& name) { return "tests/fixtures/bootloaders/" + name; }

inline void copy_fixture(const std::string& name, const TempDir& root, const char* vendor = "GenuineIntel") {
    std::filesystem::copy(fixture_dir(name), root.path(), std::filesystem::copy_options::recursive);
    write_file(root / "proc/cpuinfo", std::string("processor\t: 0\nvendor_id\t: ") + vendor +
                                          "\nmodel name\t: Test CPU\nflags\t\t: fpu vmx svm\n\n");
}

// Every file under the fixture is byte-identical under the root.
inline bool same_as_fixture(const std::string& name, const TempDir& root) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(fixture_dir(name))) {
        if (!e.is_regular_file()) continue;
        std::string rel = e.path().string().substr(fixture_dir(name).size());
        if (!std::filesystem::exists(root / rel) || read_file(e.path().string()) != read_file(root / rel)) return false;
    }
    return true;
}

} // namespace vbtest
