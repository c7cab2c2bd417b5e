// The last word at boot: what vfio-pci holds that the plan did not choose.
// vfio-pci can get devices without vfio-bind: a built-in vfio-pci with
// vfio-pci.ids= on the command line, an early load (a host driver's softdep,
// rd.driver.pre) with an 'options vfio-pci ids=' from an old image or the
// passthrough recipe's modprobe.d file. A device the plan refused (the boot
// GPU, a card that is not the configured one) is given back to the host.
#pragma once

#include <string>
#include <vector>

#include "basic/fs.h"
#include "boot/claim.h"
#include "boot/config.h"
#include "boot/plan.h"

namespace vb {

struct ReleaseReport {
    std::vector<DeviceResult> devices; // Released, or Failed when vfio-pci kept it
    std::vector<std::string> warnings; // held by vfio-pci, not in the plan, nothing against it
};

// With `dry_run` nothing is written; the devices are reported as they would be.
ReleaseReport release_unwanted(Fs& fs, const Config& config, const Plan& plan, bool dry_run = false);

} // namespace vb
