// vfio-setup status: is passthrough working right now? For every device the
// config claims: its driver, its IOMMU group's viability and /dev/vfio/N;
// for the machine: IOMMU and interrupt remapping; and a boot framebuffer
// (efifb, simpledrm...) still sitting in a claimed GPU's memory, which makes
// the guest's driver fail to map the BAR ("BAR 0: can't reserve").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "basic/fs.h"
#include "boot/config.h"
#include "boot/plan.h"

namespace vb {

struct MemRange {
    uint64_t start = 0, end = 0; // inclusive, as the kernel prints them
    std::string name;
    bool overlaps(const MemRange& o) const { return start <= o.end && o.start <= end; }
};

// /proc/iomem lines ("  c0000000-c02fffff : efifb"), nesting ignored.
std::vector<MemRange> parse_iomem(std::string_view text);
// A device's memory BARs from its sysfs `resource` file ("0xstart 0xend 0xflags" lines).
std::vector<MemRange> parse_resource(std::string_view text);
// "IR-PCI-MSI", "IR-IO-APIC", "AMD-IR" in /proc/interrupts: interrupts go
// through the IOMMU's remapping table. Without it vfio refuses devices unless
// vfio_iommu_type1 allow_unsafe_interrupts=1.
bool interrupts_remapped(std::string_view proc_interrupts);
// The kernel parameter that keeps a boot framebuffer off the GPU:
// video=efifb:off / video=vesafb:off for those drivers; for simpledrm and
// simplefb (sysfb, kernels 5.15+, "BOOTFB" in /proc/iomem)
// initcall_blacklist=sysfb_init, which stops the framebuffer device being created.
std::string framebuffer_param(const std::string& name);

struct DeviceState {
    PciDevice device;
    std::string why;                   // from the plan: "[gpu] by address"
    std::vector<std::string> blockers; // group members that make it not viable
    bool dev_vfio = false;             // /dev/vfio/N exists
};

struct FramebufferConflict {
    std::string device; // the GPU whose BAR it sits in
    MemRange framebuffer;
    std::string param; // what frees it
};

struct SetupStatus {
    bool config_exists = false;
    std::string config_error; // the config is invalid: why (the devices are then what vfio-pci holds now)
    size_t entries = 0;
    bool iommu_active = false;
    std::optional<bool> interrupt_remapping; // unknown when /proc/interrupts is unreadable
    std::vector<DeviceState> devices;
    std::vector<Refusal> refused;
    std::vector<std::string> warnings;
    std::vector<FramebufferConflict> framebuffers;
    std::string rebuild;      // the machine's own rebuild of its images (rebuild_advice)
    std::string iommu_advice; // the next step while the IOMMU is not active (iommu_next_step)

    // One line per thing that stops passthrough; empty: all good.
    std::vector<std::string> problems() const;
};

// The state of this boot against the config at `path` (the trial's, when this
// boot is a trial of changed claims).
Result<SetupStatus> read_setup_status(const Fs& fs, const std::string& path = kDefaultConfigPath);
std::string format_status(const SetupStatus& st);

} // namespace vb
