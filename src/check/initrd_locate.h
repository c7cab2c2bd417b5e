// Which kernels are installed and where each one's initramfs is, across the
// layouts distributions use: /boot/initramfs-V.img (Fedora, Arch),
// /boot/initrd.img-V (Debian), kernel-install's $BOOT/<entry-token>/V/initrd,
// /lib/modules/V/initrd, and UKIs in $BOOT/EFI/Linux.
#pragma once

#include <string>
#include <vector>

#include "basic/fs.h"

namespace vb {

// Releases with a kernel image (/boot/vmlinuz-V, /lib/modules/V/vmlinuz) and
// a module directory, sorted. Leftover /lib/modules directories are skipped.
std::vector<std::string> installed_kernels(const Fs& fs);

struct ImageLocation {
    std::string path;            // in the Fs
    bool uki = false;            // a PE image: the initramfs is its .initrd section
    bool dracut_default = false; // where `dracut --kver V` writes on this machine
};

// Every image that exists for kernel `kver`, most usual first.
std::vector<ImageLocation> find_images(const Fs& fs, const std::string& kver);

// Where a new image for `kver` goes on this machine, when there is none.
ImageLocation default_image(const Fs& fs, const std::string& kver);

} // namespace vb
