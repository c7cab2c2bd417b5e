#include "boot/boot_options.h"

#include "basic/kernel_params.h"
#include "basic/read_limits.h"
#include "basic/text.h"

namespace vb {

namespace {

bool network_root_param(const std::string& key, const std::string& value) {
    if (key == "nfsroot" || key == "netroot" || starts_with(key, "iscsi_") || starts_with(key, "rd.iscsi")) return true;
    if (key == "ip") return value != "off" && value != "none";
    if (key == "boot") return value == "nfs";
    if (key != "root") return false;
    for (const char* p : {"/dev/nfs", "nfs:", "nfs4:", "cifs:", "iscsi:", "nbd:", "/dev/nbd"})
        if (starts_with(value, p)) return true;
    return false;
}

} // namespace

BootOptions parse_boot_options(std::string_view cmdline) {
    BootOptions o;
    auto spans = split_cmdline(cmdline);
    if (!spans) return o; // the kernel read it somehow; we do not guess
    for (const auto& word : split_words(*spans)) {
        if (param_key(word) == "vfio_bind" && word.substr(word.find('=') + 1) == "off") o.off = true;
        if (word == kTrialMarker) o.trial = true;
        std::string value;
        if (size_t eq = word.find('='); eq != std::string::npos)
            for (char c : word.substr(eq + 1))
                if (c != '"') value += c;
        if (network_root_param(param_key(word), value)) o.network_root = true;
    }
    return o;
}

bool in_initramfs(const Fs& fs) { return fs.exists("/etc/initrd-release") || fs.exists("/conf/initramfs.conf"); }

BootOptions read_boot_options(const Fs& fs) {
    auto text = fs.read("/proc/cmdline", kMaxKernelCmdline);
    return text ? parse_boot_options(*text) : BootOptions{};
}

} // namespace vb
