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
    uint32_t class_code = 0;           // 0x030000 = VGA controller
    bool boot_vga = false;             // the GPU the firmware used for the console
    std::string driver;                // bound driver, empty when none
    std::optional<int> iommu_group;    // none when the IOMMU is off
    std::string modalias;              // "pci:v00001002d00005159sv...", for host driver lookup
    std::vector<PciAddress> consumers; // display functions only: its consumer:pci:<addr> device links

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

// Which functions of a slot make one card with `d`. A GPU's slot is not always
// one card: an AMD APU's GPU shares it with the platform security processor
// (ccp, the fTPM) and the SoC's USB and audio controllers. In a slot with a
// display function, the card is that GPU and its companions: functions of the
// GPU's vendor with class audio (0x0403), USB (0x0c03) or serial bus/UCSI
// (0x0c80), or another display function; the audio at function 1 (HDMI/DP
// audio); and whatever a consumer:pci: device link of the GPU names. In any
// other slot, every function but bridges.
struct SlotSplit {
    std::vector<const PciDevice*> card;     // the other functions of d's card
    std::vector<const PciDevice*> left_out; // the slot's other functions, not of d's card (d is on the GPU's)
    const PciDevice* gpu = nullptr;         // the slot's GPU, when it has one
};
// `slot`: every function of d's slot (d included), in address order.
SlotSplit split_slot(const PciDevice& d, const std::vector<const PciDevice*>& slot);

// Human-readable class name for the common classes ("VGA compatible controller").
std::string pci_class_name(uint32_t class_code);

} // namespace vb
