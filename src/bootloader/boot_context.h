// What the firmware says booted this machine, from the EFI variables in
// efivarfs: the Boot Loader Interface's LoaderInfo (systemd-boot, GRUB with
// the BLI patches) and the description of the BootCurrent entry. Empty when
// unknown: under --root without efivars, on BIOS machines.
#pragma once

#include <string>

#include "basic/fs.h"

namespace vb {

inline constexpr const char* kEfiVarsDir = "/sys/firmware/efi/efivars";
inline constexpr const char* kEfiGlobalGuid = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
inline constexpr const char* kLoaderVendorGuid = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";

struct BootContext {
    std::string loader_info;  // EFI LoaderInfo: "systemd-boot 254.5"
    std::string boot_current; // description of EFI BootCurrent: "ubuntu", "rEFInd Boot Manager"
};

BootContext read_boot_context(const Fs& fs);

// An efivarfs file's data (after its 4 attribute bytes); "" when absent.
std::string read_efi_variable(const Fs& fs, const std::string& name, const std::string& guid);
// UTF-16LE up to the first NUL, non-ASCII as '?': for messages and matching.
std::string utf16_to_ascii(std::string_view data);

} // namespace vb
