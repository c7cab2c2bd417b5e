#include "boot/boot_options.h"

#include "basic/kernel_params.h"
#include "basic/read_limits.h"

namespace vb {

BootOptions parse_boot_options(std::string_view cmdline) {
    BootOptions o;
    auto spans = split_cmdline(cmdline);
    if (!spans) return o; // the kernel read it somehow; we do not guess
    for (const auto& word : split_words(*spans)) {
        if (param_key(word) == "vfio_bind" && word.substr(word.find('=') + 1) == "off") o.off = true;
        if (word == kTrialMarker) o.trial = true;
    }
    return o;
}

bool in_initramfs(const Fs& fs) { return fs.exists("/etc/initrd-release") || fs.exists("/conf/initramfs.conf"); }

BootOptions read_boot_options(const Fs& fs) {
    auto text = fs.read("/proc/cmdline", kMaxKernelCmdline);
    return text ? parse_boot_options(*text) : BootOptions{};
}

} // namespace vb
