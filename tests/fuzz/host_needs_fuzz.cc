// libFuzzer target for the host-needs record (/etc/vfio-bind/host-devices
// in the image): any text parsed; what parses must be written back by
// format_host_record to a record that parses to the same record.
#include <string>

#include "boot/host_needs.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text = fuzz::text_of(data, size);
    auto record = vb::parse_host_record(text, "f");
    if (!record) {
        FUZZ_CHECK(record.error().message.compare(0, 2, "f:") == 0);
        return 0;
    }
    const std::string written = vb::format_host_record(*record);
    auto again = vb::parse_host_record(written, "f");
    FUZZ_CHECK(again.ok() && again->needs.size() == record->needs.size());
    for (size_t i = 0; i < record->needs.size(); ++i) {
        const auto &a = record->needs[i], &b = again->needs[i];
        FUZZ_CHECK(a.address == b.address && a.id == b.id && a.kind == b.kind && a.what == b.what);
    }
    // Written back, a record always has the v2 header; one that had it keeps what it said.
    FUZZ_CHECK(again->versioned);
    if (record->versioned) FUZZ_CHECK(again->complete == record->complete && again->machine == record->machine);
    FUZZ_CHECK(vb::format_host_record(*again) == written);
    return 0;
}
