// Proxmox VE (and Proxmox Backup Server, Mail Gateway) booting through
// proxmox-boot-tool: the ESPs it keeps are listed by file system UUID in
// /etc/kernel/proxmox-boot-uuids, and `proxmox-boot-tool refresh` copies the
// kernels and writes the boot entries onto every one of them. The command
// line is /etc/kernel/cmdline where the ESPs boot systemd-boot and
// /etc/default/grub where they boot GRUB. What vfio-setup edits is only that
// file; the ESPs are the tool's (proxmox_boot.cc says how it lays them out).
#pragma once

#include <string>
#include <vector>

#include "basic/fs.h"
#include "basic/result.h"
#include "bootloader/boot_context.h"

namespace vb {

inline constexpr const char* kProxmoxBootUuids = "/etc/kernel/proxmox-boot-uuids";
inline constexpr const char* kProxmoxBootName = "proxmox-boot-tool";

enum class ProxmoxBootMode { SystemdBoot, Grub };

// Which boot loader the ESPs hold, from what the firmware says: systemd-boot
// sets LoaderInfo; GRUB (UEFI with Secure Boot, or BIOS) does not. Under
// --root without /sys/firmware/efi (a BIOS machine's image, or a tree being
// set up), /etc/kernel/cmdline decides: systemd-boot's command line.
Result<ProxmoxBootMode> proxmox_boot_mode(const Fs& fs); // an error when the firmware cannot be read
const char* proxmox_boot_mode_name(ProxmoxBootMode mode);

// The ESPs' UUIDs, in the file's order; an unreadable or empty list is an
// error that says what to do.
Result<std::vector<std::string>> proxmox_boot_esps(const Fs& fs);

// Whether a trial can use systemd-boot's one-shot here: the ESPs boot
// systemd-boot, it started this boot, and the ESP it started from is the one
// mounted where the trial entry goes (/boot/efi or /efi). Else why not, and
// the next step.
Status proxmox_boot_trial_possible(const Fs& fs, const BootContext& boot);

} // namespace vb
