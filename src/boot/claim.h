// Carrying out a plan, in the order that keeps host drivers away:
//   1. driver_override = vfio-pci on every target (no other driver can bind it now)
//   2. load vfio-pci with libkmod (its dependencies; vfio_pci_options, never ids=, nothing from modprobe.d)
//   3. per target: unbind a driver that already holds it, probe, and verify the
//      `driver` link (drivers_probe succeeds even when nothing bound).
#pragma once

#include <string>
#include <vector>

#include "basic/fs.h"
#include "boot/kmod.h"
#include "boot/plan.h"

namespace vb {

enum class Outcome {
    Claimed,
    AlreadyClaimed,
    Failed,
    Released, // vfio-pci had it though the plan did not choose it: given back (release.h)
};

struct DeviceResult {
    PciDevice device; // as read before the claim
    Outcome outcome = Outcome::Failed;
    std::string detail; // why it failed, or what was done ("unbound from radeon")
};

struct ClaimReport {
    std::vector<DeviceResult> devices;
    std::vector<std::string> warnings;
    Result<LoadResult> module = Error{0, "not loaded"};
};

inline constexpr int kSysfsWriteTimeoutMs = 10000;

ClaimReport claim(Fs& fs, ModuleLoader& loader, const Plan& plan);

} // namespace vb
