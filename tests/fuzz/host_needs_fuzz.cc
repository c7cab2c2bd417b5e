// libFuzzer target for the host-needs record (/etc/vfio-bind/host-devices
// in the image): any text parsed; what parses must be written back by
// format_host_needs to a record that parses to the same needs.
#include <string>

#include "boot/host_needs.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = fuzz::text_of(data, size);
    auto needs = vb::parse_host_needs(text, "f");
    if (!needs) {
        FUZZ_CHECK(needs.error().message.compare(0, 2, "f:") == 0);
        return 0;
    }
    const std::string written = vb::format_host_needs(*needs);
    auto again = vb::parse_host_needs(written, "f");
    FUZZ_CHECK(again.ok() && again->size() == needs->size());
    for (size_t i = 0; i < needs->size(); ++i) {
        const auto &a = (*needs)[i], &b = (*again)[i];
        FUZZ_CHECK(a.address == b.address && a.id == b.id && a.kind == b.kind && a.what == b.what);
    }
    FUZZ_CHECK(vb::format_host_needs(*again) == written);
    return 0;
}
