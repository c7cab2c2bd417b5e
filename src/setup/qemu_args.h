// vfio-setup qemu-args: the QEMU -device options (or libvirt <hostdev>
// elements) for the devices vfio-bind claims. Each card becomes one
// multifunction device in the guest, as on the host: drivers (AMD's and
// NVIDIA's HDMI audio among them) expect the functions side by side.
#pragma once

#include <string>
#include <vector>

#include "basic/result.h"
#include "boot/plan.h"

namespace vb {

struct QemuOptions {
    bool libvirt = false;  // <hostdev> XML instead of -device options
    bool x_vga = false;    // x-vga=on on the primary GPU (legacy VGA, SeaBIOS guests)
    int first_slot = 0x10; // guest slot of the first card on pcie.0; clear of QEMU's q35 defaults
};

struct QemuArgs {
    std::vector<std::string> devices; // one -device value or one <hostdev> element per function
    std::vector<std::string> notes;   // refusals and warnings of the plan, x-vga choice
};

// From a plan (make_plan): targets grouped by card in address order; card n
// gets guest slot first_slot + n, its functions guest functions 0, 1, ... .
// Fails (ENOENT) when the plan claims nothing.
Result<QemuArgs> qemu_args(const Plan& plan, const QemuOptions& options);

// The text to print: -device lines joined with " \\\n", or the XML elements.
std::string format_qemu_args(const QemuArgs& args, const QemuOptions& options);

} // namespace vb
