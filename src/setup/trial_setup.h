// `vfio-setup confirm`: a pending trial boot (bootloader/trial.h) made
// permanent, the normal enable of the parameters it tried, and the trial's
// entry taken away. With --auto (vfio-bind-confirm.service, at the trial
// boot itself) only once this boot is the trial, the IOMMU is active and
// every configured device is claimed; otherwise the next boot is the old
// default anyway, and the trial stays pending until confirmed or cancelled.
#pragma once

#include <string>

#include "bootloader/cmdline_plan.h"
#include "bootloader/trial.h"

namespace vb {

struct ConfirmPlan {
    TrialState trial;
    CmdlinePlan enable;  // the permanent change
    TrialEnd end;        // the trial's entry and one-shot taken back
    std::string not_now; // --auto: why this boot does not confirm (empty: it does)
};
Result<ConfirmPlan> plan_confirm(const Fs& fs, bool automatic);
Status apply_confirm(Fs& fs, const ConfirmPlan& plan);

} // namespace vb
