// What sysfs says about PCI functions: /sys/bus/pci/devices/<addr>/...
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "basic/fs.h"
#include "basic/result.h"
#include "boot/pci_address.h"

namespace vb {

inline constexpr const char* kPciDevicesDir = "/sys/bus/pci/devices";
inline constexpr const char* kPciDriversDir = "/sys/bus/pci/drivers";
inline constexpr const char* kDriversProbe = "/sys/bus/pci/drivers_probe";

struct PciDevice {
    PciAddress address;
    uint16_t vendor = 0, device = 0, subvendor = 0, subdevice = 0;
    uint32_t class_code = 0;        // 0x030000 = VGA controller
    bool boot_vga = false;          // the GPU the firmware used for the console
    std::string driver;             // bound driver, empty when none
    std::optional<int> iommu_group; // none when the IOMMU is off
    std::string modalias;           // "pci:v00001002d00005159sv...", for host driver lookup

    std::string sysfs_dir() const { return std::string(kPciDevicesDir) + "/" + address.str(); }
    std::string id_str() const; // "1002:5159"
    bool is_bridge() const { return (class_code >> 16) == 0x06; }
    bool is_display() const { return (class_code >> 16) == 0x03; }
    bool matches(const PciId& id) const { return id.matches(vendor, device, subvendor, subdevice); }
};

// Reads one function's attributes. The address is already validated.
Result<PciDevice> read_pci_device(const Fs& fs, const PciAddress& addr);

// The functions under /sys/bus/pci/devices (those whose name `wanted`
// accepts, when given), sorted by address. Entries that cannot be read are
// skipped (and named in `skipped` when given).
Result<std::vector<PciDevice>> scan_pci_devices(const Fs& fs, std::vector<std::string>* skipped = nullptr,
                                                const std::function<bool(const std::string&)>& wanted = {});

// Human-readable class name for the common classes ("VGA compatible controller").
std::string pci_class_name(uint32_t class_code);

} // namespace vb
