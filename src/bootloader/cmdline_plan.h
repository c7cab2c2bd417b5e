// `vfio-setup cmdline enable|disable|status` without the printing: which
// parameters to add for this CPU, which bootloaders to edit, the file changes
// and commands that follow, and the state file that makes disable exact.
#pragma once

#include <cerrno>
#include <string>
#include <vector>

#include "basic/fs.h"
#include "basic/kernel_params.h"
#include "bootloader/boot_context.h"
#include "bootloader/bootloader.h"
#include "bootloader/cpu_info.h"

namespace vb {

inline constexpr const char* kCmdlineStatePath = "/var/lib/vfio-bind/cmdline.state";

struct EnableOptions {
    bool iommu_pt = false;
    std::vector<std::string> extra; // --add
};

// Intel: intel_iommu=on. AMD: nothing to add (the IOMMU is on by default and
// amd_iommu=on is not a kernel option). Both: drop what turns the IOMMU or
// interrupt remapping off (iommu_off_switches). `notes` says why.
Result<ParamEdit> enable_edit(CpuVendor vendor, const EnableOptions& opts, std::vector<std::string>* notes);

struct CmdlinePlan {
    std::vector<FileChange> files;
    std::vector<std::pair<std::string, Command>> commands; // backend name, command
    std::vector<std::string> notes;
    std::vector<std::string> backends; // edited ones
    std::vector<std::string> seen;     // enable: the growing_files() of the backends in use
    // disable: a state is left to remove, with the directories enable made
    // (all that is left of a disable cut short after its files).
    bool state_left = false;
    bool empty() const { return files.empty() && !state_left; }
};

// What enable would do on this root (nothing is written). Fails with
// kIommuOffLeft when a command line would still turn off what the edit
// removes (iommu_off.h), saying which and why.
inline constexpr int kIommuOffLeft = EPERM;
// What enable would do on this root (nothing is written).
Result<CmdlinePlan> plan_enable(const Fs& fs, const ParamEdit& edit);
// What disable would do: take out what the state file says enable added,
// from each file as it is now, keeping every other change; files enable
// created are deleted only while they hold just what it wrote.
Result<CmdlinePlan> plan_disable(const Fs& fs);
// Writes the files (atomically, one backup each) and the state file.
Status apply_plan(Fs& fs, const CmdlinePlan& plan, bool enabling);

struct BootloaderStatus {
    std::string name;
    bool in_use = false;
    std::vector<BootEntry> entries;
    std::string error; // entries could not be read
};
struct CmdlineStatus {
    CpuInfo cpu;
    bool cpu_known = false;
    IommuState iommu;
    std::string running_cmdline; // /proc/cmdline
    BootContext boot;
    std::vector<BootloaderStatus> bootloaders;
    bool enabled = false; // a state file exists
};
// An error when what says which boot loader is used, or whether there is an
// IOMMU, cannot be read.
Result<CmdlineStatus> cmdline_status(const Fs& fs);

} // namespace vb
