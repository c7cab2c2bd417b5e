// vfio-pci ids= set outside vfio-bind: "options vfio-pci ids=" in a
// modprobe.d file (what Proxmox VE's and most passthrough guides say to
// write) or vfio-pci.ids= on the kernel command line (the running one, or the
// one a boot loader will boot). Each gives vfio-pci every device with the id,
// identical cards and the boot GPU included; vfio-setup list and add name
// them and the config entries that replace them.
#pragma once

#include <string>
#include <vector>

#include "basic/fs.h"
#include "basic/json.h"
#include "boot/pci.h"

namespace vb {

struct ExistingIds {
    std::string where; // "/etc/modprobe.d/vfio.conf:1", "/proc/cmdline (the running kernel)"
    std::string text;  // the line or the parameter as written
    std::vector<PciId> ids;
    std::vector<std::string> add; // "vfio-setup add 0000:01:00.0": one per card its ids match here
    std::string remove;           // what to take out once the entries are there
    std::string file;             // the file that sets it: the modprobe.d file, the boot entry's, "/proc/cmdline"
    int line = 0;                 // its line in `file` (modprobe.d), 0 when not one line of a file
};

// Every such setting on this root; `devices` are the machine's PCI functions.
// modprobe.d files that cannot be read, and EFI variables that say which
// boot loader is used, are named in `unreadable`.
std::vector<ExistingIds> find_existing_ids(const Fs& fs, const std::vector<PciDevice>& devices,
                                           std::vector<std::string>* unreadable = nullptr);

// The text list and add print: each setting, its replacement, what to delete.
std::string format_existing_ids(const std::vector<ExistingIds>& found);

// The same as the value of a JSON key (list --json's "existing_ids"): an
// array of {where, file, line, text, ids, add, remove}.
void existing_ids_json(JsonWriter& j, const std::vector<ExistingIds>& found);

} // namespace vb
