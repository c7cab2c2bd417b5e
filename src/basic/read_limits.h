// How much the tools read of each kind of file at most: a hostile or broken
// file is refused (EFBIG) rather than read into memory whole. One name per
// kind of file, so the same file is never read with two different limits.
#pragma once

#include <cstddef>

namespace vb {

inline constexpr size_t kMaxTextFile = 1u << 20;       // a config file (grub, loader entries): Fs::read's default
inline constexpr size_t kMaxSysfsAttribute = 4096;     // one page: what the kernel formats for an attribute
inline constexpr size_t kMaxLinkTarget = 4096;         // PATH_MAX
inline constexpr size_t kMaxKernelCmdline = 64u << 10; // /proc/cmdline, /etc/kernel/cmdline
inline constexpr size_t kMaxEfiVariable = 64u << 10;   // an efivarfs file
inline constexpr size_t kMaxOsRelease = 64u << 10;     // /etc/os-release
inline constexpr size_t kMaxHostNeeds = 64u << 10;     // /etc/vfio-bind/host-devices
inline constexpr size_t kMaxProcTable = 16u << 20;     // /proc/cpuinfo, /proc/interrupts, /proc/iomem
inline constexpr size_t kMaxKernelConfig = 8u << 20;   // /boot/config-V
inline constexpr size_t kMaxModuleIndex = 32u << 20;   // modules.dep, modules.builtin
inline constexpr size_t kMaxRewrittenFile = 64u << 20; // a file vfio-setup rewrites, and its state file
inline constexpr size_t kMaxInitramfs = 1u << 30;      // an initramfs image or UKI
inline constexpr size_t kMaxImageMember = 16u << 20;   // a file kept from inside an image

} // namespace vb
