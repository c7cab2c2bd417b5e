// vfio-initrd-check without the printing: for each installed kernel, will
// its next boot claim the configured devices? Reads every initramfs image
// in-process and compares it with the machine's config, the kernel's
// modules and config, and the command line the kernel will boot with.
#pragma once

#include <string>
#include <vector>

#include "basic/fs.h"
#include "basic/result.h"
#include "check/initrd_locate.h"

namespace vb {

enum class Severity { warning, problem };

// One line of the verdict: what is wrong, for which kernel, and the command
// that fixes it.
struct Finding {
    Severity severity = Severity::problem;
    std::string kver; // empty: the whole machine
    std::string what;
    std::vector<std::string> fix; // a command (argv); empty when a person must act
    std::string fix_text;         // what to do when there is no command
    bool rebuild = false;         // `fix` rebuilds an image (what --fix runs)
};

struct ImageReport {
    ImageLocation location;
    std::string generator; // "dracut", "initramfs-tools", "mkinitcpio"; empty when unknown
    std::string kver;      // the kernel it was checked for (found in the image when not given)
    std::string format;    // "uncompressed + zstd", "UKI: zstd"
    size_t entries = 0;
    bool readable = false;
    bool stopped_early = false;
    std::string esp;     // proxmox-boot-tool's copy on the ESP with this UUID; empty for the image itself
    std::string same_as; // a copy with the same bytes as this image, checked once as that one
};

struct KernelReport {
    std::string kver;
    std::vector<ImageReport> images;
};

struct CheckReport {
    bool configured = false; // /etc/vfio-devices.ini exists
    std::vector<KernelReport> kernels;
    std::vector<Finding> findings;
    bool has_problems() const;
    // The distinct rebuild commands among the findings (what --fix runs).
    std::vector<std::vector<std::string>> rebuild_commands() const;
};

struct CheckOptions {
    std::string kver;    // only this kernel
    std::string image;   // only this image (for `kver`, or the UKI's .uname, or the running kernel)
    bool cmdline = true; // check the boot loader's command line
};

CheckReport check_initrds(const Fs& fs, const CheckOptions& opts);

// The checks of one image read from `bytes`, for kernel `kver` (exposed for tests).
ImageReport check_image(const Fs& fs, const ImageLocation& where, std::string_view bytes, const std::string& kver,
                        std::vector<Finding>& findings);

} // namespace vb
