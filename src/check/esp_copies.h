// What boots on a Proxmox VE host whose ESPs proxmox-boot-tool keeps
// (bootloader/proxmox_boot.h): not /boot's images but the copies `refresh`
// put on each ESP listed in /etc/kernel/proxmox-boot-uuids, laid out for
// systemd-boot (EFI/proxmox/<kver>/initrd.img-<kver>, with
// loader/entries/proxmox-<kver>.conf) or for GRUB (initrd.img-<kver> at the
// ESP's root, next to vmlinuz-<kver>). No ESP is mounted normally: the tool
// mounts each under /var/tmp/espmounts/<UUID> only while it writes it.
#pragma once

#include <string>
#include <vector>

#include "basic/fs.h"
#include "basic/result.h"

namespace vb {

inline constexpr const char* kEspMountRoot = "/var/tmp/espmounts";

struct ProxmoxEsp {
    std::string uuid;    // its file system UUID, as the list has it
    std::string dir;     // where it is read in the Fs; empty when it cannot be read
    std::string why_not; // when `dir` is empty: why
    std::string how;     // and how to make it readable
    bool grub = false;   // GRUB's layout (EFI/proxmox/grubx64.efi, or no loader.conf), else systemd-boot's
};

// The ESPs proxmox-boot-tool keeps, in the list's order, each where it can be
// read: where its file system is mounted (/proc/self/mountinfo), or, under
// --root, the directory /var/tmp/espmounts/<UUID> of the root when it holds
// anything (where the tool mounts it; a copy of it there will do). Empty when
// proxmox-boot-tool does not keep this machine's boot; an unreadable list is
// an error.
Result<std::vector<ProxmoxEsp>> proxmox_esps(const Fs& fs);

// Kernel `kver` on one readable ESP: whether the ESP boots it (its kernel is
// there, or its entry), and where its copy of the image is.
struct EspKernel {
    bool present = false;
    std::string image; // the copy's path in the Fs, where refresh puts it
    bool image_exists = false;
};
EspKernel esp_kernel(const Fs& fs, const ProxmoxEsp& esp, const std::string& kver);

// The image in /boot that refresh copies for `kver`.
std::string proxmox_boot_image(const std::string& kver);

} // namespace vb
