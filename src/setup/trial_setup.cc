#include "setup/trial_setup.h"

#include "setup/live_status.h"

namespace vb {

Result<ConfirmPlan> plan_confirm(const Fs& fs, bool automatic) {
    auto pending = read_trial(fs);
    if (!pending) return pending.error();
    if (!*pending) return make_error(ENOENT, "no trial boot is pending");
    ConfirmPlan plan;
    plan.trial = **pending;
    if (automatic) {
        if (!plan.trial.auto_confirm) plan.not_now = "the trial was not started with --auto-confirm";
        else if (!booted_as_trial(fs)) plan.not_now = "this boot is not the trial (no vfio_bind.trial=1)";
        else {
            auto st = read_setup_status(fs);
            if (!st) return st.error();
            auto problems = st->problems();
            if (!problems.empty()) plan.not_now = "the trial boot is not all good: " + problems.front();
        }
        if (!plan.not_now.empty()) return plan;
    }
    auto enable = plan_enable(fs, plan.trial.edit);
    if (!enable) return enable.error();
    plan.enable = std::move(*enable);
    plan.end = plan_trial_end(fs, plan.trial);
    return plan;
}

Status apply_confirm(Fs& fs, const ConfirmPlan& plan) {
    if (Status s = apply_plan(fs, plan.enable, true); !s) return s;
    return finish_trial(fs, plan.end);
}

} // namespace vb
