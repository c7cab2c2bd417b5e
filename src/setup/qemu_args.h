// vfio-setup qemu-args: the QEMU -device options (or libvirt XML) for the
// devices vfio-bind claims, for a q35 guest. Each card sits behind a PCIe
// root port of its own, as on the host (guest drivers read its link speed
// and width, and ASPM, from there), and becomes one multifunction device
// behind it: drivers (AMD's and NVIDIA's HDMI audio among them) expect the
// functions side by side.
#pragma once

#include <string>
#include <vector>

#include "basic/result.h"
#include "boot/plan.h"

namespace vb {

struct QemuOptions {
    bool libvirt = false;  // one <devices> document instead of -device options
    bool x_vga = false;    // x-vga=on on the primary GPU (legacy VGA, SeaBIOS guests)
    int first_slot = 0x10; // pcie.0 slot of the first card's root port; clear of QEMU's q35 defaults
};

struct QemuArgs {
    std::vector<std::string> ports;   // per card: its pcie-root-port (-device value or <controller>)
    std::vector<std::string> devices; // per function: a -device value or a <hostdev> element
    std::vector<std::string> notes;   // refusals and warnings of the plan, x-vga choice, libvirt hints
};

// From a plan (make_plan) on `devices` (the scan it was made from): targets
// grouped by card in address order; card n gets root port n at pcie.0 slot
// first_slot + n, its functions guest functions 0, 1, ... behind it.
// Fails (ENOENT) when the plan claims nothing, and (EINVAL) when a target's
// IOMMU group also holds devices the config leaves on the host: QEMU cannot
// open a group that is not all vfio-pci's.
Result<QemuArgs> qemu_args(const Plan& plan, const std::vector<PciDevice>& devices, const QemuOptions& options);

// The text to print: -device lines joined with " \\\n", or one XML document
// (<devices> holding the controllers and hostdevs, for `virsh edit`).
std::string format_qemu_args(const QemuArgs& args, const QemuOptions& options);

} // namespace vb
