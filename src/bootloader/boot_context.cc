#include "bootloader/boot_context.h"

#include <cerrno>
#include <cstdio>

#include "basic/read_limits.h"

namespace vb {

std::string efi_variable_path(const std::string& name, EfiVendor vendor) {
    return std::string("/sys/firmware/efi/efivars/") + name + "-" +
           (vendor == EfiVendor::Global ? "8be4df61-93ca-11d2-aa0d-00e098032b8c"
                                        : "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f");
}

Result<std::string> read_efi_variable(const Fs& fs, const std::string& name, EfiVendor vendor) {
    auto v = fs.read(efi_variable_path(name, vendor), kMaxEfiVariable);
    if (!v) return v.error().code == ENOENT ? Result<std::string>(std::string()) : v;
    return v->size() > 4 ? v->substr(4) : std::string();
}

std::string utf16_to_ascii(std::string_view d) {
    std::string out;
    for (size_t i = 0; i + 1 < d.size(); i += 2) {
        unsigned c = static_cast<unsigned char>(d[i]) | static_cast<unsigned char>(d[i + 1]) << 8;
        if (c == 0) break;
        out += c < 0x80 ? static_cast<char>(c) : '?';
    }
    return out;
}

std::string ascii_to_utf16(std::string_view text) {
    std::string out;
    for (char c : text) {
        out += c;
        out += '\0';
    }
    return out + std::string(2, '\0');
}

Status write_efi_variable(Fs& fs, const std::string& name, EfiVendor vendor, std::string_view data) {
    const char attributes[4] = {0x07, 0, 0, 0}; // NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS
    const std::string p = efi_variable_path(name, vendor);
    if (fs.exists(p))
        if (Status s = fs.clear_immutable(p); !s) return s;
    return fs.write_new(p, std::string(attributes, 4) + std::string(data));
}

Status remove_efi_variable(Fs& fs, const std::string& name, EfiVendor vendor) {
    const std::string p = efi_variable_path(name, vendor);
    if (!fs.exists(p)) return {};
    if (Status s = fs.clear_immutable(p); !s) return s;
    return fs.remove(p);
}

Result<BootContext> load_boot_context(const Fs& fs) {
    BootContext ctx;
    auto info = read_efi_variable(fs, "LoaderInfo", EfiVendor::LoaderInterface);
    if (!info) return info.error();
    ctx.loader_info = utf16_to_ascii(*info);
    auto current = read_efi_variable(fs, "BootCurrent", EfiVendor::Global);
    if (!current) return current.error();
    const std::string& cur = *current;
    if (cur.size() >= 2) {
        unsigned n = static_cast<unsigned char>(cur[0]) | static_cast<unsigned char>(cur[1]) << 8;
        char name[16];
        std::snprintf(name, sizeof name, "Boot%04X", n);
        // EFI_LOAD_OPTION: u32 attributes, u16 path list length, then the description.
        auto opt = read_efi_variable(fs, name, EfiVendor::Global);
        if (!opt) return opt.error();
        if (opt->size() > 6) ctx.boot_current = utf16_to_ascii(std::string_view(*opt).substr(6));
    }
    return ctx;
}

} // namespace vb
