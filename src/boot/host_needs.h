// The PCI devices the host needs to come up and be reached (the controllers
// of its root, /boot, /usr, swap and resume devices, the NIC of a network
// root, the console display), as found when the image was built (in it:
// /etc/vfio-bind/host-devices) or before the real root's run (/run/...).
// vfio-bind refuses them and every device of their IOMMU groups.
//   # vfio-bind host-devices v2
//   # machine: dmi=<product_uuid or none> storage=<hash of the storage controllers>
//   # complete: yes                  ("no (what could not be followed)")
//   0000:00:06.0 1af4:1001 storage: / (ext4 on vda)    one line each: ADDRESS VENDOR:DEVICE KIND: WHAT
// A record that is missing, incomplete, older (no header) or made on another
// machine is not trusted: at boot every mass-storage controller is kept then,
// and the network controllers when the command line says the root comes over
// the network (at boot the class of every device is known before any driver binds).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "basic/fs.h"
#include "basic/result.h"
#include "boot/pci.h"
#include "boot/pci_address.h"

namespace vb {

inline constexpr const char* kHostNeedsImagePath = "/etc/vfio-bind/host-devices";
inline constexpr const char* kHostNeedsRunPath = "/run/vfio-bind/host-devices";

struct HostNeed {
    PciAddress address;
    std::string id;                 // "1af4:1001" as recorded
    std::string kind;               // "storage", "network", "console"
    std::string what;               // "/ (ext4 on vda)"
    std::optional<int> iommu_group; // where it is now (load_host_needs)
    bool console() const { return kind == "console"; }
    std::string str() const { return address.str() + " (" + kind + ": " + what + ")"; }
};

struct HostRecord {
    std::vector<HostNeed> needs;
    bool versioned = false; // has the v2 header (an older vfio-bind wrote none)
    bool complete = false;  // everything the host needs was followed to its devices
    std::string incomplete; // what was not, when !complete
    std::string machine;    // machine_id() where it was made
};

Result<HostRecord> parse_host_record(std::string_view text, const std::string& path);
std::string format_host_record(const HostRecord& record);

// This machine, as the running system and the initramfs both see it in
// sysfs: the firmware's product UUID (when it is a real one: QEMU and some
// boards leave it zero or absent) and a hash of the mass-storage controllers
// (address and id; SR-IOV functions left out, they come and go).
std::string machine_id(const Fs& fs);
// The same from a scan of the bus already made (scan_pci_devices).
std::string machine_id(const Fs& fs, const Result<std::vector<PciDevice>>& devices);
// Why `record` cannot be trusted on this machine (`machine` = machine_id()), or "".
std::string distrust_reason(const HostRecord& record, const std::string& machine);

// What the host keeps when its needs are not known, added to `needs` (those
// not in it yet): every mass-storage controller, and the network controllers
// when the kernel command line says the root comes over the network
// (boot_options.h), `why` in each one's text.
void add_class_fallback(const Fs& fs, std::vector<HostNeed>& needs, const std::string& why);
void add_class_fallback(const Fs& fs, const Result<std::vector<PciDevice>>& devices, std::vector<HostNeed>& needs,
                        const std::string& why);

// Both records (the image's and the real root's), when present, each need
// with its IOMMU group read from sysfs now. A need whose address now holds
// another device (a card swapped) is dropped and named in `errors`. When no
// record can be trusted (missing, unreadable, incomplete, older, another
// machine's), the class fallback is added and `errors` says why.
std::vector<HostNeed> load_host_needs(const Fs& fs, std::vector<std::string>* errors);
// Reads each need's IOMMU group from sysfs.
void read_host_need_groups(const Fs& fs, std::vector<HostNeed>& needs);

} // namespace vb
