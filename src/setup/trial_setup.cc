#include "setup/trial_setup.h"

#include "basic/read_limits.h"
#include "boot/config.h"
#include "generator/generator.h"
#include "setup/live_status.h"

namespace vb {

Result<ClaimsTrial> plan_claims_trial(const Fs& fs, const std::string& new_config, bool auto_confirm) {
    if (auto parsed = parse_config(new_config, kTrialConfigPath); !parsed) return parsed.error();
    auto trial = plan_trial(fs, ParamEdit{}, auto_confirm);
    if (!trial) return trial.error();
    trial->state.config = kTrialConfigPath;
    return ClaimsTrial{std::move(*trial), new_config, machine_rebuild_all_command(fs)};
}

Status write_claims_trial(Fs& fs, const ClaimsTrial& plan) {
    if (Status w = fs.replace_file(kTrialConfigPath, plan.config); !w) return w;
    Status t = write_trial(fs, plan.trial);
    if (!t && !fs.exists(kTrialStatePath)) (void)fs.remove(kTrialConfigPath); // no trial records it: no orphan
    return t;
}

namespace {

// Why this boot is not the trial's, or "" when it is: a confirm from any
// other boot would make permanent what no boot has shown to work.
Result<std::string> not_the_trial_boot(const Fs& fs, const TrialState& st) {
    auto phase = trial_phase(fs, st);
    if (!phase) return phase.error();
    switch (*phase) {
    case TrialPhase::ThisBoot: return std::string();
    case TrialPhase::Ahead: return std::string("this boot is not the trial, which has not been booted yet");
    case TrialPhase::Over: break;
    }
    return std::string("the trial boot is over and was never confirmed: it failed or was abandoned");
}

} // namespace

Result<ConfirmPlan> plan_confirm(const Fs& fs, bool automatic, bool force) {
    auto pending = read_trial(fs);
    if (!pending) return pending.error();
    if (!*pending) return make_error(ENOENT, "no trial boot is pending");
    ConfirmPlan plan;
    plan.trial = **pending;
    if (automatic) {
        auto marked = booted_as_trial(fs);
        if (!marked) return marked.error();
        if (!plan.trial.auto_confirm) plan.not_now = "the trial was not started with --auto-confirm";
        else if (!*marked) plan.not_now = "this boot is not the trial (no vfio_bind.trial=1)";
        else {
            // A trial of changed claims is judged by its own config.
            auto st = read_setup_status(fs, plan.trial.config.empty() ? kDefaultConfigPath : plan.trial.config);
            if (!st) return st.error();
            auto problems = st->problems();
            if (!problems.empty()) plan.not_now = "the trial boot is not all good: " + problems.front();
        }
        if (!plan.not_now.empty()) return plan;
    } else if (auto not_this = not_the_trial_boot(fs, plan.trial); !not_this) {
        return not_this.error();
    } else if (const std::string& why = *not_this; !why.empty()) {
        if (!force)
            return make_error(EPERM, why + "; confirm from the trial boot itself (`vfio-setup cmdline disable` "
                                           "clears the trial, `--trial` again starts a fresh one, "
                                           "`confirm --force` makes it permanent untried)");
        plan.warning = "warning: " + why + "; --force makes " + trial_what(plan.trial) + " permanent untried";
    }
    auto enable = plan_enable(fs, plan.trial.edit);
    if (!enable) return enable.error();
    plan.enable = std::move(*enable);
    if (!plan.trial.config.empty()) {
        auto text = fs.read(plan.trial.config, kMaxConfigBytes);
        if (!text) return make_error(text.error().code, "the trial's claims: " + text.error().message);
        if (auto parsed = parse_config(*text, plan.trial.config); !parsed) return parsed.error();
        plan.config = *text;
        plan.rebuild = machine_rebuild_all_command(fs);
    }
    auto end = plan_trial_end(fs, plan.trial);
    if (!end) return end.error();
    plan.end = std::move(*end);
    return plan;
}

Status apply_confirm(Fs& fs, const ConfirmPlan& plan) {
    if (Status s = apply_plan(fs, plan.enable, true); !s) return s;
    if (plan.config)
        if (Status s = fs.replace_file(kDefaultConfigPath, *plan.config, kBackupSuffix); !s) return s;
    // The trial config goes last: should we stop before, the trial is still
    // recorded and a second confirm finds everything it needs.
    if (Status s = finish_trial(fs, plan.end); !s) return s;
    return plan.config ? fs.remove(plan.trial.config) : Status{};
}

Result<CancelPlan> plan_cancel(const Fs& fs, const TrialState& st) {
    auto end = plan_trial_end(fs, st);
    if (!end) return end.error();
    CancelPlan c{std::move(*end), false, std::nullopt};
    if (!st.config.empty()) {
        auto there = fs.probe(st.config);
        if (!there) return there.error();
        c.config = *there;
    }
    if (c.config) c.rebuild = machine_rebuild_all_command(fs);
    return c;
}

Status apply_cancel(Fs& fs, const CancelPlan& plan) {
    if (plan.config)
        if (Status s = fs.remove(kTrialConfigPath); !s) return s;
    return finish_trial(fs, plan.end);
}

} // namespace vb
