// libFuzzer target for the config parser: any text as /etc/vfio-devices.ini,
// parsed as vfio-bind parses it at boot. Beyond not crashing: the parse is
// all or nothing, every entry names what it claims, the module options hold
// the ids, and the same file written with CRLF line endings or without its
// last newline means the same.
#include <cctype>
#include <cstring>
#include <string>

#include "boot/config.h"
#include "fuzz_check.h"

namespace {

std::string crlf(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

bool same_devices(const vb::Config& a, const vb::Config& b) {
    if (a.devices.size() != b.devices.size()) return false;
    for (size_t i = 0; i < a.devices.size(); ++i) {
        const auto &x = a.devices[i], &y = b.devices[i];
        if (x.name != y.name || x.line != y.line || x.address != y.address ||
            x.allow_host_device != y.allow_host_device)
            return false;
        if (x.id.has_value() != y.id.has_value() || (x.id && x.id->str() != y.id->str())) return false;
    }
    return a.group == b.group && a.boot_vga == b.boot_vga && a.vfio_pci_options == b.vfio_pci_options;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > vb::kMaxConfigBytes) return 0;
    const std::string_view text = fuzz::text_of(data, size);
    auto config = vb::parse_config(text, "f");
    if (!config) {
        FUZZ_CHECK(config.error().message.compare(0, 2, "f:") == 0); // says which file, which line
        return 0;
    }
    size_t lines = 1;
    for (char c : text) lines += c == '\n';
    for (const auto& e : config->devices) {
        FUZZ_CHECK(e.address || e.id);
        FUZZ_CHECK(e.line >= 1 && static_cast<size_t>(e.line) <= lines);
    }
    // What reaches modprobe.d and the insmod line: module-option characters
    // only, and never an ids= (id-only sections are the way).
    for (char c : config->vfio_pci_options)
        FUZZ_CHECK(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_=,.:- ", c));
    FUZZ_CHECK(config->vfio_pci_options.find("ids=") == std::string::npos);

    if (text.find('\r') == std::string_view::npos) {
        auto dos = vb::parse_config(crlf(text), "f");
        FUZZ_CHECK(dos.ok() && same_devices(*config, *dos));
    }
    if (!text.empty() && text.back() == '\n') {
        auto cut = vb::parse_config(text.substr(0, size - 1), "f");
        FUZZ_CHECK(cut.ok() && same_devices(*config, *cut));
    }
    return 0;
}
