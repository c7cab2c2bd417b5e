// The setup side of trial boots (bootloader/trial.h): changed claims tried
// the same way as a changed command line, and `vfio-setup confirm`.
//   Claims: `vfio-setup add|remove --trial` writes the new config to
//   /etc/vfio-devices.trial.ini (the images carry it once rebuilt) and arms
//   a trial entry with the current command line: only that boot claims what
//   it says (vfio_bind.trial=1), every other boot the known-good config.
//   Confirm: the parameters tried made permanent (the normal enable), the
//   trial config moved into place (one backup) with the images rebuilt,
//   the trial entry taken back. Only from the trial boot itself: a trial
//   whose boot is still ahead was never tried, one whose boot is over
//   without a confirm failed or was abandoned (`force` overrides, with a
//   warning). With --auto (vfio-bind-confirm.service, at the trial boot
//   itself) only once this boot is the trial, the IOMMU is active and every
//   configured device is claimed; otherwise the next boot is the old default
//   anyway and the trial stays pending.
#pragma once

#include <optional>
#include <string>

#include "basic/command.h"
#include "bootloader/cmdline_plan.h"
#include "bootloader/trial.h"

namespace vb {

struct ClaimsTrial {
    TrialPlan trial;
    std::string config;             // the new claims, for kTrialConfigPath
    std::optional<Command> rebuild; // the machine's generator, rebuilding every image
};
Result<ClaimsTrial> plan_claims_trial(const Fs& fs, const std::string& new_config, bool auto_confirm);
Status write_claims_trial(Fs& fs, const ClaimsTrial& plan);

struct ConfirmPlan {
    TrialState trial;
    CmdlinePlan enable;                // the permanent change of the command line
    std::optional<std::string> config; // the tried claims, for /etc/vfio-devices.ini
    std::optional<Command> rebuild;    // after the config moved
    TrialEnd end;                      // the trial's entry and one-shot taken back
    std::string not_now;               // --auto: why this boot does not confirm (empty: it does)
    std::string warning;               // forced from outside the trial boot: what that means
};
Result<ConfirmPlan> plan_confirm(const Fs& fs, bool automatic, bool force = false);
Status apply_confirm(Fs& fs, const ConfirmPlan& plan);

// Cancelling: the trial's entry and one-shot, and its config (then the
// images want rebuilding: `rebuild`).
struct CancelPlan {
    TrialEnd end;
    bool config = false;
    std::optional<Command> rebuild;
};
Result<CancelPlan> plan_cancel(const Fs& fs, const TrialState& st);
Status apply_cancel(Fs& fs, const CancelPlan& plan);

} // namespace vb
