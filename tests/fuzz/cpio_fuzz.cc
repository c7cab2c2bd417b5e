// libFuzzer target for the cpio reader: any bytes as newc archives, read
// through a ByteReader whose buffer size the first byte picks. The entries
// (names, modes, sizes, data) and the outcome must be the same as with the
// default buffer: refilling in the middle of a header or a name changes
// nothing. Names are bounded and normalized, data is the size the header says.
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "image/cpio.h"

namespace {

struct Seen {
    std::string entries; // every entry's name, mode, size, offset and data (or error)
    bool ok = false;
    int end = -1;
    size_t count = 0;
};

Seen read_all(std::string_view image, size_t buffer_size, bool allow_foreign) {
    vb::MemorySource src(image);
    vb::ByteReader in(src, 0, buffer_size);
    Seen seen;
    size_t n = 0;
    auto r = vb::read_cpio(
        in,
        [&](const vb::CpioEntry& e) {
            FUZZ_CHECK(e.name.size() <= vb::kMaxCpioName);
            FUZZ_CHECK(e.name.compare(0, 1, "/") != 0 && e.name.compare(0, 2, "./") != 0);
            FUZZ_CHECK(e.offset < image.size());
            seen.entries += e.name + '\0' + std::to_string(e.mode) + ' ' + std::to_string(e.size) + ' ' +
                            std::to_string(e.offset) + '\0';
            if (n++ % 2 == 0) { // every other entry's data, to cover reading and skipping
                auto d = e.data(4096);
                if (d) {
                    FUZZ_CHECK(d->size() == e.size);
                    auto again = e.data(4096); // once read, the same again
                    FUZZ_CHECK(again.ok() && *again == *d);
                    seen.entries += *d;
                } else {
                    seen.entries += "error";
                }
            }
            return vb::Visit::next;
        },
        allow_foreign, seen.count);
    seen.ok = r.ok();
    if (r) seen.end = static_cast<int>(*r);
    return seen;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const size_t small = 1 + data[0] % 64;
    const bool allow_foreign = data[0] & 0x80;
    const std::string_view image = fuzz::text_of(data + 1, size - 1);
    const Seen a = read_all(image, small, allow_foreign), b = read_all(image, 256 * 1024, allow_foreign);
    FUZZ_CHECK(a.ok == b.ok && a.end == b.end && a.count == b.count && a.entries == b.entries);
    FUZZ_CHECK(a.count <= image.size() / 110 + 1); // a newc header alone is 110 bytes
    return 0;
}
