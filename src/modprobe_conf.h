// The modprobe.d snippet the dracut module puts into the initramfs:
//   options vfio-pci ids=...            (id-only entries, extra options)
//   softdep radeon pre: vfio-pci        (every host driver that would bind a target)
// The softdeps make vfio-pci load before any host driver, whoever loads it.
#pragma once

#include <string>

#include "kmod.h"
#include "plan.h"

namespace vb {

Result<std::string> modprobe_conf(const Plan& plan, ModuleLoader& loader, const std::string& config_path);

} // namespace vb
