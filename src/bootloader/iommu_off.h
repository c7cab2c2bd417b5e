// The kernel parameters that turn the IOMMU or its interrupt remapping off:
// with one of them vfio-bind refuses every device (no IOMMU groups) or VFIO
// refuses to attach them (no interrupt remapping), however right the rest of
// the command line is.
//   iommu=off          no_iommu on x86: AMD-Vi and VT-d both
//   intel_iommu=off    VT-d
//   amd_iommu=off      AMD-Vi
//   intremap=off, nointremap   interrupt remapping, on either
// Each takes comma-separated options (iommu=off,nopt): `plain` is false when
// the switch shares its parameter with others, which removing it would drop.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "basic/kernel_params.h"
#include "bootloader/cpu_info.h"

namespace vb {

struct IommuOff {
    std::string param; // as written
    std::string what;  // "turns off AMD-Vi and VT-d both"
    bool plain = false;
};

std::optional<IommuOff> iommu_off(std::string_view param);
// " (it turns off ...)" for such a switch, "" for any other parameter.
std::string iommu_off_why(std::string_view param);
// Every such switch on `cmdline` (an unbalanced quote: none).
std::vector<IommuOff> iommu_offs(std::string_view cmdline);
// The exact switches that defeat an IOMMU on `vendor`'s CPU, for enable to
// remove (disable puts back what it removed). On Intel, intel_iommu=off is
// not among them: intel_iommu=on replaces it in place.
std::vector<std::string> iommu_off_switches(CpuVendor vendor);
// Why `cmdline` (of `where`) would still turn off what `edit` removes once
// edited: a switch spelled another way or sharing its parameter
// (intremap=nosid,off), which is not ours to remove. "" when none is left.
std::string iommu_off_left(const std::string& where, std::string_view cmdline, const ParamEdit& edit);

} // namespace vb
