// The --json shapes of vfio-setup's read-only status commands (`status`,
// `cmdline status`, `initramfs status`), for scripts, Ansible and monitoring.
// Each document is one object whose "version" says its shape; a change that
// drops or renames a field raises it (adding a field does not). The shapes
// are written down as JSON Schema in conf/schema/.
#pragma once

#include <string>
#include <vector>

#include "bootloader/cmdline_plan.h"
#include "setup/initramfs_setup.h"
#include "setup/live_status.h"

namespace vb {

inline constexpr int kStatusJsonVersion = 1;

// `trial`: the pending trial boot's line ("" when none).
std::string status_json(const SetupStatus& st, const std::string& trial);

// What `cmdline enable` would do now: "nothing", "change" (with the files)
// or "error" (with the reason).
struct EnableOutlook {
    std::string outcome;
    std::vector<std::string> files;
    std::string error;
};
std::string cmdline_status_json(const CmdlineStatus& st, const EnableOutlook& enable);

// `installed`: what the installed images do (vfio-initrd-check's verdict in
// one line), `installed_ok`: each will claim.
std::string initramfs_status_json(const InitramfsStatus& st, const std::string& installed, bool installed_ok);

} // namespace vb
