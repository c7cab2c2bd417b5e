// What the firmware says booted this machine, from the EFI variables in
// efivarfs: the Boot Loader Interface's LoaderInfo (systemd-boot, GRUB with
// the BLI patches) and the description of the BootCurrent entry. Empty when
// unknown: under --root without efivars, on BIOS machines.
#pragma once

#include <string>

#include "basic/fs.h"

namespace vb {

struct BootContext {
    std::string loader_info;  // EFI LoaderInfo: "systemd-boot 254.5"
    std::string boot_current; // description of EFI BootCurrent: "ubuntu", "rEFInd Boot Manager"
};

// An error reading a variable that is there is an error, never an absence:
// what it decides is where to write.
Result<BootContext> load_boot_context(const Fs& fs);

// An efivarfs file's data (after its 4 attribute bytes); "" when absent,
// an error when it is there but cannot be read.
// `guid` is the variable's vendor: EFI's global one for Boot####, the Boot
// Loader Interface's for Loader*.
enum class EfiVendor { Global, LoaderInterface };
Result<std::string> read_efi_variable(const Fs& fs, const std::string& name, EfiVendor vendor);
std::string efi_variable_path(const std::string& name, EfiVendor vendor);
// UTF-16LE up to the first NUL, non-ASCII as '?': for messages and matching.
std::string utf16_to_ascii(std::string_view data);
// ASCII as UTF-16LE with its terminating NUL, as the Boot Loader Interface
// stores entry ids.
std::string ascii_to_utf16(std::string_view text);
// Sets a variable (non-volatile, boot and runtime access) in one write of
// its attributes and data, as efivarfs wants; removes it.
Status write_efi_variable(Fs& fs, const std::string& name, EfiVendor vendor, std::string_view data);
Status remove_efi_variable(Fs& fs, const std::string& name, EfiVendor vendor);

} // namespace vb
