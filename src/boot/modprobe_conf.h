// The modprobe.d snippet the dracut module puts into the initramfs:
//   options vfio-pci disable_vga=1      (the config's vfio_pci_options; never ids=)
//   softdep radeon pre: vfio-pci        (every host driver that would bind a target)
// The softdeps make vfio-pci load before any host driver, whoever loads it.
#pragma once

#include <string>

#include "boot/config.h"
#include "boot/kmod.h"
#include "boot/plan.h"

namespace vb {

// Where the dracut module installs the snippet inside the initramfs.
inline constexpr const char* kInitrdModprobeConf = "/etc/modprobe.d/vfio-bind.conf";

// Host drivers come from the modalias of each device the plan claims, and
// from each configured id with the usual GPU and HDMI-audio classes, so an
// image built while the card is absent gets the same softdeps or more.
Result<std::string> modprobe_conf(const Config& config, const Plan& plan, ModuleLoader& loader);

// Whether a snippet found in an image does what `expected` asks: the same
// non-softdep lines (options), and at least its softdeps. Extra softdeps only
// make vfio-pci load earlier; an image built while the card was out (softdeps
// from its id alone) is not stale for lacking none of the needed ones.
bool snippet_covers(const std::string& image, const std::string& expected);

} // namespace vb
