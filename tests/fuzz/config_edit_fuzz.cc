// libFuzzer target for the config editor: any text as /etc/vfio-devices.ini,
// any add or remove. Whatever the editor returns must parse as vfio-bind
// parses it, hold what was added (or lack exactly what was removed), and an
// add undone by a remove must give back the input byte for byte (plus the
// newline add puts after an unterminated last line).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "boot/config.h"
#include "setup/config_edit.h"

namespace {

void check(bool ok) {
    if (!ok) abort();
}

std::string eol_of(const std::string& text) {
    size_t nl = text.find('\n');
    return nl != std::string::npos && nl > 0 && text[nl - 1] == '\r' ? "\r\n" : "\n";
}

const char* const kLabels[] = {"gpu-01:00.0", "audio", "gpu", "options", "a]b", "x y", "", "dev-2"};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 4) return 0;
    // Header bytes: which address, how many sections, which labels, boot_vga.
    const uint8_t bus = data[0], flags = data[1], label_a = data[2] % 8, label_b = data[3] % 8;
    const std::string text(reinterpret_cast<const char*>(data + 4), size - 4);
    vb::PciAddress addr{0, bus, static_cast<uint8_t>(flags & 0x1f), 0};
    auto before = vb::parse_config(text, "f");

    std::vector<vb::NewSection> sections{{kLabels[label_a], addr, {0x1002, 0x6818, false, 0, 0}}};
    if (flags & 0x20) {
        vb::PciAddress second = addr;
        second.function = 1;
        sections.push_back({kLabels[label_b], second, {0x1002, 0xaab0, false, 0, 0}});
    }
    const bool boot_vga = flags & 0x40;
    auto added = vb::config_add(text, sections, boot_vga, "f");
    if (added) {
        check(before.ok()); // never edits a config vfio-bind rejects
        auto parsed = vb::parse_config(*added, "f");
        check(parsed.ok());
        check(parsed->devices.size() == before->devices.size() + sections.size());
        if (boot_vga) check(parsed->boot_vga);
        if (!boot_vga) {
            auto ours = [&](const vb::PciAddress& a) {
                for (const auto& s : sections)
                    if (s.address == a) return true;
                return false;
            };
            auto back = vb::config_remove(*added, ours, "f");
            check(back.ok());
            const bool terminated = text.empty() || text.back() == '\n';
            check(back->text == (terminated ? text : text + eol_of(text)));
        }
    }

    // Remove whatever sits on this card from the input itself.
    auto card = [&](const vb::PciAddress& a) { return a.same_slot(addr); };
    auto removed = vb::config_remove(text, card, "f");
    if (removed) {
        check(before.ok());
        auto parsed = vb::parse_config(removed->text, "f");
        check(parsed.ok());
        size_t gone = 0;
        for (const auto& e : before->devices) gone += e.address && card(*e.address);
        check(gone == removed->removed.size());
        check(parsed->devices.size() + gone == before->devices.size());
        for (const auto& e : parsed->devices) check(!e.address || !card(*e.address));
        check(parsed->group == before->group && parsed->boot_vga == before->boot_vga &&
              parsed->vfio_pci_options == before->vfio_pci_options);
    }
    return 0;
}
