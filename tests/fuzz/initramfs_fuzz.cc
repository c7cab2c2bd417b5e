// libFuzzer target for the initramfs reader: any bytes as an image (with or
// without a PE/UKI wrapper, any compression), every entry's data asked for.
// Must never crash, hang or allocate without bound; errors are fine.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "image/initramfs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view image(reinterpret_cast<const char*>(data), size);
    vb::InitramfsLimits limits;
    limits.max_unpacked = 64u << 20; // a small bomb must stop quickly
    size_t n = 0;
    auto info = vb::read_initramfs(
        image,
        [&](const vb::CpioEntry& e) {
            // Every other entry's data, to cover both reading and skipping.
            if (n++ % 2 == 0) (void)e.data(1u << 20);
            return vb::Visit::next;
        },
        limits);
    (void)info;
    return 0;
}
