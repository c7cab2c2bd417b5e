#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "basic/fs.h"
#include "check/initrd_locate.h"
#include "lib/fixture.h"

using namespace vbtest;

namespace {

std::vector<std::string> uki_paths(const vb::Fs& fs, const std::string& kver) {
    std::vector<std::string> out;
    for (const auto& i : vb::find_images(fs, kver))
        if (i.uki) out.push_back(i.path);
    return out;
}

} // namespace

TEST_CASE("UKIs: the kernel version matched whole, not as a substring; boot counters allowed") {
    TempDir root;
    vb::DiskFs fs(root.path());
    for (const char* f : {"arch-6.8.1.efi", "arch-6.8.12.efi", "arch-6.8.1-rc2.efi", "0123abcd-6.8.1+3-0.efi",
                          "0123abcd-6.8.12+2.efi", "fedora-16.8.1.efi", "arch-6.8.1+lts.efi", "arch-6.8.1.efi.bak"})
        write_file(root / (std::string("efi/EFI/Linux/") + f), "MZ");
    CHECK(uki_paths(fs, "6.8.1") ==
          std::vector<std::string>{"/efi/EFI/Linux/0123abcd-6.8.1+3-0.efi", "/efi/EFI/Linux/arch-6.8.1.efi"});
    CHECK(uki_paths(fs, "6.8.12") ==
          std::vector<std::string>{"/efi/EFI/Linux/0123abcd-6.8.12+2.efi", "/efi/EFI/Linux/arch-6.8.12.efi"});
    CHECK(uki_paths(fs, "6.8.1-rc2") == std::vector<std::string>{"/efi/EFI/Linux/arch-6.8.1-rc2.efi"});
}
