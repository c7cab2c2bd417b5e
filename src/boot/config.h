// /etc/vfio-devices.ini: which devices vfio-bind claims, and how.
// Parsed with inih; every error is reported as "file:line: what" and the
// whole file is rejected (all or nothing).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "basic/result.h"
#include "boot/host_needs.h"
#include "boot/pci_address.h"

namespace vb {

inline constexpr const char* kDefaultConfigPath = "/etc/vfio-devices.ini";
// The claims a trial boot tries (vfio-setup add/remove --trial), read
// instead of the default one on a boot with vfio_bind.trial=1.
inline constexpr const char* kTrialConfigPath = "/etc/vfio-devices.trial.ini";
inline constexpr size_t kMaxConfigBytes = 256 * 1024;

struct DeviceEntry {
    std::string name;                  // section name, a free label
    int line = 0;                      // where the section starts
    std::optional<PciAddress> address; // claim exactly this function...
    std::optional<PciId> id;           // ...whose id must match; or, alone, every device with this id at boot
    bool allow_host_device = false;    // claim it even where the host needs it (allow_host_device = yes)
};

// What boot refuses in an entry whatever the devices: an address without its
// id ("" when none). The plan adds the id of the device found there.
std::string entry_refusal(const DeviceEntry& e);

struct Config {
    std::string path;             // for messages
    bool group = true;            // also claim the other functions of the same card
    bool boot_vga = false;        // allow claiming the firmware's boot GPU
    std::string vfio_pci_options; // extra vfio-pci module options ("disable_vga=1")
    std::vector<DeviceEntry> devices;
    std::vector<HostNeed> host_needs; // not from the file: what the host needs (load_host_needs)
};

// Parses config text; `path` only names the file in messages. All errors
// found are reported, one per line, in Error::message.
Result<Config> parse_config(std::string_view text, const std::string& path);

} // namespace vb
