// make-fixture: the unit tests' fixture sysfs builder (fixture.h) for the
// shell tests, so that both kinds of test stand on the same tree.
//   make-fixture ROOT ADDR VENDOR DEVICE CLASS GROUP DRIVER BOOT_VGA [SUBVENDOR SUBDEVICE]
// Numbers in hex as lspci -n shows them; GROUP and DRIVER may be '-'.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "lib/fixture.h"

namespace {

unsigned long hex(const char* s) { return std::strtoul(s, nullptr, 16); }

} // namespace

int main(int argc, char** argv) {
    if (argc != 9 && argc != 11) {
        std::fputs("usage: make-fixture ROOT ADDR VENDOR DEVICE CLASS GROUP DRIVER BOOT_VGA [SUBVENDOR SUBDEVICE]\n",
                   stderr);
        return 2;
    }
    vbtest::FakeFunction f;
    f.address = argv[2];
    f.vendor = static_cast<uint16_t>(hex(argv[3]));
    f.device = static_cast<uint16_t>(hex(argv[4]));
    f.class_code = static_cast<uint32_t>(hex(argv[5]));
    if (std::string(argv[6]) != "-") f.iommu_group = std::atoi(argv[6]);
    if (std::string(argv[7]) != "-") f.driver = argv[7];
    f.boot_vga = std::string(argv[8]) == "1";
    if (argc == 11) {
        f.subvendor = static_cast<uint16_t>(hex(argv[9]));
        f.subdevice = static_cast<uint16_t>(hex(argv[10]));
    }
    try {
        vbtest::FakeSysfs(argv[1]).add(f);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "make-fixture: %s\n", e.what());
        return 1;
    }
    return 0;
}
