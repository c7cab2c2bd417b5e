// Which files a kernel module needs, from a kernel's modules.dep and
// modules.builtin: what must be inside an initramfs for it to load there.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vb {

// "kernel/drivers/vfio/pci/vfio-pci.ko.xz" -> "vfio_pci" (the kernel treats
// '-' and '_' alike in module names).
std::string module_name_of(std::string_view path);

struct ModuleNeed {
    std::string name;               // as asked, normalized ("vfio_pci")
    bool builtin = false;           // in modules.builtin: no file needed
    bool found = false;             // in modules.dep
    std::vector<std::string> files; // itself then its dependencies, relative to /lib/modules/V
};

ModuleNeed module_need(std::string_view modules_dep, std::string_view modules_builtin, std::string_view name);

// A kernel config (/boot/config-V) value: "y", "m", or "" when not set.
std::string kconfig_value(std::string_view config, std::string_view key);

} // namespace vb
