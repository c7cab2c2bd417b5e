// vfio-setup: the admin's companion to vfio-bind. This file only parses
// arguments, calls the library and prints.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "basic/kernel_params.h"
#include "basic/unified_diff.h"
#include "bootloader/cmdline_plan.h"
#include "bootloader/cmdline_state.h"
#include "bootloader/iommu_off.h"
#include "check/initrd_check.h"
#include "host/host_scan.h"
#include "setup/config_change.h"
#include "setup/existing_ids.h"
#include "setup/gpu_list.h"
#include "setup/initramfs_setup.h"
#include "setup/iommu_advice.h"
#include "setup/live_status.h"
#include "setup/lock.h"
#include "setup/qemu_args.h"
#include "setup/status_json.h"
#include "setup/trial_setup.h"
#include "tools/run_command.h"

namespace {

const char* kUsage =
    "Usage: vfio-setup [--root DIR] COMMAND ...\n"
    "\n"
    "  cmdline status [--json|--quiet]\n"
    "                                 CPU, IOMMU and the command line each bootloader boots with\n"
    "  cmdline enable [OPTIONS]       add the IOMMU parameters to every bootloader in use\n"
    "      --iommu-pt                 also add iommu=pt\n"
    "      --add PARAM                also add PARAM (repeatable), e.g. video=efifb:off\n"
    "      --trial                    only in an entry booted once (systemd-boot, GRUB); made\n"
    "                                 permanent by 'vfio-setup confirm', the boot after it is the old one\n"
    "      --auto-confirm             with --trial: the trial boot confirms itself once the IOMMU is\n"
    "                                 on and every configured device is claimed\n"
    "      --dry-run                  show the changes, write nothing\n"
    "      --no-update                write the files but do not run update-grub & co.\n"
    "  cmdline disable [--dry-run] [--no-update]\n"
    "                                 remove exactly what enable added; cancels a pending trial\n"
    "  confirm [--auto | --force] [--dry-run] [--no-update]\n"
    "                                 from the trial boot: make its parameters permanent\n"
    "      --force                    from another boot too (the trial untried, failed or abandoned)\n"
    "\n"
    "  initramfs status [--json|--quiet]\n"
    "                                 which generator builds the images, whether they run vfio-bind\n"
    "  initramfs enable [--dry-run]   mkinitcpio: put vfio-bind before udev in HOOKS (a drop-in)\n"
    "  initramfs disable [--dry-run]  delete that drop-in\n"
    "\n"
    "  list [--json]                  GPUs, their functions, drivers and IOMMU groups\n"
    "  add ADDR [OPTIONS]             configure ADDR's card in /etc/vfio-devices.ini\n"
    "      --boot-vga                 allow the boot GPU (sets boot_vga = yes)\n"
    "      --no-group                 write only ADDR, not the card's other functions\n"
    "      --trial [--auto-confirm]   into /etc/vfio-devices.trial.ini, claimed by the next boot only\n"
    "      --dry-run                  show the change, write nothing\n"
    "  remove ADDR [--trial [--auto-confirm]] [--dry-run]\n"
    "                                 remove the sections of ADDR's card\n"
    "  qemu-args [--libvirt] [--x-vga]\n"
    "                                 QEMU -device options for a q35 guest (-machine q35): each card behind\n"
    "                                 a pcie-root-port of its own; --libvirt: one <devices> document\n"
    "                                 (managed='no'). Exit 1 when nothing is claimed or a group is not viable\n"
    "  status [--json|--quiet]        live state: drivers, groups, /dev/vfio, IOMMU, interrupt remapping,\n"
    "                                 boot framebuffers (exit 1 on any problem)\n"
    "  host-devices [--output FILE]   the PCI devices the host needs to boot (the disks of every mount\n"
    "                                 the boot waits for, swap, resume, crypttab; a network root's NIC;\n"
    "                                 the console), which vfio-bind never claims; the initramfs hooks\n"
    "                                 record them in the image (incomplete: every storage controller kept)\n"
    "  --json: one JSON document with a \"version\" (its shape: conf/schema/ in the sources);\n"
    "  --quiet: nothing printed; exit 0 healthy, 1 action needed, 2 error (also with --json)\n"
    "\n"
    "  --root DIR    treat DIR as / (commands are then printed, never run)\n"
    "  -h, --help    this text; COMMAND --help: that command's part of it\n"
    "  -V, --version version\n"
    "Exit status: 0 done (status: all good), 1 refused, failed or a problem found, 2 usage or\n"
    "config error.\n";

// How a read-only command reports: text, one JSON document, or only its exit status.
enum class Output { Text, Json, Quiet };

int fail(const std::string& msg, int code = 1) {
    std::fprintf(stderr, "vfio-setup: %s\n", msg.c_str());
    return code;
}

// What on a command line turns the IOMMU or interrupt remapping off.
void print_iommu_offs(const std::string& cmdline, const char* indent) {
    for (const auto& o : vb::iommu_offs(cmdline))
        std::printf("%sWARNING: %s %s: passthrough cannot work with it\n", indent, o.param.c_str(), o.what.c_str());
}

// What enable added that this boot's command line lacks: it takes effect
// at the next boot.
std::vector<std::string> not_booted_yet(const vb::Fs& fs, const std::string& running) {
    std::vector<std::string> missing;
    auto state = vb::read_state(fs, vb::kCmdlineStatePath);
    auto spans = vb::split_cmdline(running);
    if (!state || !spans) return missing;
    const std::vector<std::string> words = vb::split_words(*spans);
    for (const auto& f : state->files)
        for (const auto& p : f.added)
            if (std::find(words.begin(), words.end(), p) == words.end() &&
                std::find(missing.begin(), missing.end(), p) == missing.end())
                missing.push_back(p);
    return missing;
}

void print_status(const vb::CmdlineStatus& st, const vb::Fs& fs) {
    if (st.cpu_known)
        std::printf("CPU:          %s (%s)%s%s\n", vb::vendor_name(st.cpu.vendor), st.cpu.model_name.c_str(),
                    st.cpu.vmx ? ", vmx" : "", st.cpu.svm ? ", svm" : "");
    else std::printf("CPU:          unknown (/proc/cpuinfo unreadable)\n");
    if (st.cpu_known && !st.cpu.vmx && !st.cpu.svm)
        std::printf("              no vmx/svm flag: virtualization is off in the firmware setup\n");
    std::printf("Firmware:     %s\n", st.iommu.dmar_table   ? "ACPI DMAR table (Intel VT-d)"
                                      : st.iommu.ivrs_table ? "ACPI IVRS table (AMD-Vi)"
                                                            : "no DMAR/IVRS table: no IOMMU exposed");
    std::printf("IOMMU now:    %s (%d unit(s), %d group(s))\n", st.iommu.iommu_groups > 0 ? "active" : "not active",
                st.iommu.iommu_units, st.iommu.iommu_groups);
    if (st.iommu.iommu_groups == 0)
        std::printf("Next step:    %s\n", vb::iommu_next_step(st.cpu_known ? st.cpu : vb::CpuInfo{}, st.iommu).c_str());
    std::printf("Running with: %s\n", st.running_cmdline.c_str());
    print_iommu_offs(st.running_cmdline, "              ");
    if (!st.boot.loader_info.empty()) std::printf("Boot loader:  %s (EFI LoaderInfo)\n", st.boot.loader_info.c_str());
    else if (!st.boot.boot_current.empty()) std::printf("EFI entry:    %s\n", st.boot.boot_current.c_str());
    if (st.bootloaders.empty()) std::printf("Bootloaders:  none found\n");
    for (const auto& b : st.bootloaders) {
        std::printf("%s%s:\n", b.name.c_str(), b.in_use ? "" : " (present, not in use)");
        if (!b.error.empty()) std::printf("  error: %s\n", b.error.c_str());
        for (const auto& e : b.entries) {
            std::printf("  %s\n    %s\n", e.source.c_str(), e.cmdline.c_str());
            print_iommu_offs(e.cmdline, "    ");
        }
    }
    const std::vector<std::string> pending =
        st.enabled ? not_booted_yet(fs, st.running_cmdline) : std::vector<std::string>{};
    if (!pending.empty())
        std::printf("vfio-setup:   enabled, reboot pending: this boot started without %s (disable undoes it)\n",
                    vb::join_cmdline(pending).c_str());
    else std::printf("vfio-setup:   %s\n", st.enabled ? "enabled (disable undoes it)" : "not enabled");
}

void print_lines(std::FILE* f, const std::vector<std::string>& lines) {
    for (const auto& l : lines) std::fprintf(f, "%s\n", l.c_str());
}

void print_plan(const vb::CmdlinePlan& plan, const vb::Fs& fs) {
    for (const auto& n : plan.notes) std::printf("%s\n", n.c_str());
    for (const auto& c : plan.files) {
        std::string label = fs.host_path(c.path);
        if (c.remove) std::printf("delete %s\n", label.c_str());
        if (c.by_command)
            std::printf("%s: not written here; %s's command below changes it%s\n", label.c_str(), c.backend.c_str(),
                        c.before == c.after ? "" : " to read");
        std::fputs(vb::unified_diff(c.before, c.remove ? "" : c.after, c.existed ? label : "/dev/null",
                                    c.remove ? "/dev/null" : label)
                       .c_str(),
                   stdout);
    }
}

// Runs `cmds` (only prints them with --dry-run, --no-update or under
// --root); a failure is reported, the others still run.
int run_commands(const vb::Fs& fs, const std::vector<std::pair<std::string, vb::Command>>& cmds, bool print_only) {
    int rc = 0;
    for (const auto& [who, cmd] : cmds) {
        if (print_only || fs.is_rooted()) {
            std::printf("%s: run `%s` to apply\n", who.c_str(), vb::command_line(cmd).c_str());
            continue;
        }
        std::printf("running %s\n", vb::command_line(cmd).c_str());
        if (int r = vb::run_command(cmd); r != 0)
            rc = fail(vb::command_line(cmd) + " failed (exit status " + std::to_string(r) + ")");
    }
    return rc;
}

std::vector<std::pair<std::string, vb::Command>> labelled(const std::string& who,
                                                          const std::vector<vb::Command>& cmds) {
    std::vector<std::pair<std::string, vb::Command>> out;
    for (const auto& c : cmds) out.push_back({who, c});
    return out;
}

void print_trial_files(const std::vector<vb::TrialFile>& files, const vb::Fs& fs, bool ending) {
    for (const auto& f : files) {
        const std::string label = fs.host_path(f.path);
        const bool gone = ending && !f.existed && f.after.empty();
        std::fputs(vb::unified_diff(f.before, f.after, f.before.empty() && !ending ? "/dev/null" : label,
                                    gone ? "/dev/null" : label)
                       .c_str(),
                   stdout);
    }
}

int cancel_trial(vb::Fs& fs, const vb::TrialState& st, bool dry, bool no_update) {
    auto cancel = vb::plan_cancel(fs, st);
    if (!cancel) return fail(cancel.error().message);
    const vb::CancelPlan& c = *cancel;
    print_trial_files(c.end.files, fs, true);
    print_lines(stdout, c.end.notes);
    if (c.config) std::printf("%s: removed\n", fs.host_path(vb::kTrialConfigPath).c_str());
    if (dry) return 0;
    if (vb::Status s = vb::apply_cancel(fs, c); !s) return fail(s.error().message);
    for (const auto& v : c.end.efivars) std::printf("EFI variable %s: removed\n", v.c_str());
    auto cmds = labelled("trial", c.end.commands);
    if (c.rebuild) cmds.push_back({"initramfs", *c.rebuild});
    return run_commands(fs, cmds, no_update);
}

// A trial whose one boot passed without a confirm failed or was abandoned: a
// new --trial takes it back first and starts afresh. 1 when it was cleared
// (or would be, with --dry-run), -1 on an error (printed), 0 when none.
int clear_abandoned_trial(vb::Fs& fs, bool dry) {
    auto pending = vb::read_trial(fs);
    if (!pending) {
        fail(pending.error().message);
        return -1;
    }
    if (!*pending) return 0;
    auto why = vb::trial_to_take_back(fs, **pending);
    if (!why) {
        fail(why.error().message);
        return -1;
    }
    if (why->empty()) return 0;
    std::printf("the trial of %s %s: taking it back\n", vb::trial_what(**pending).c_str(), why->c_str());
    if (cancel_trial(fs, **pending, dry, false) != 0) return -1;
    if (dry) std::printf("dry run: the fresh trial is planned once the old one is gone\n");
    return 1;
}

// A trial written half-way (an EFI variable the firmware refused, a full
// disk) is taken back at once; should that fail too, the command that does
// it is named. Returns the exit status.
int take_back_failed_trial(vb::Fs& fs, const std::string& why) {
    fail("the trial could not be armed: " + why);
    auto pending = vb::read_trial(fs);
    if (pending && !*pending) return 1; // nothing was written
    if (pending) {
        const auto c = vb::plan_cancel(fs, **pending);
        if (c && vb::apply_cancel(fs, *c)) {
            std::fprintf(stderr, "vfio-setup: what the trial had written is taken back; nothing changed\n");
            return 1;
        }
    }
    return fail("what the trial wrote is still there: run `vfio-setup cmdline disable` to take it back");
}

int start_trial(vb::Fs& fs, const vb::ParamEdit& edit, bool auto_confirm, bool dry) {
    if (int cleared = clear_abandoned_trial(fs, dry); cleared < 0 || (cleared > 0 && dry)) return cleared < 0;
    auto tp = vb::plan_trial(fs, edit, auto_confirm);
    if (!tp) return fail(tp.error().message);
    print_lines(stdout, tp->notes);
    print_trial_files(tp->state.files, fs, false);
    for (const auto& [name, data] : tp->state.efivars)
        std::printf("EFI variable %s = %s\n", name.c_str(), vb::utf16_to_ascii(data).c_str());
    if (dry) {
        std::printf("dry run: nothing written\n");
        return 0;
    }
    if (vb::Status s = vb::write_trial(fs, *tp); !s) return take_back_failed_trial(fs, s.error().message);
    if (int rc = run_commands(fs, labelled(tp->state.backend, tp->commands), false); rc != 0) return rc;
    std::printf("the next boot, and only it, takes the trial entry; %s\n",
                auto_confirm ? "it confirms itself once the IOMMU is on and every configured device is claimed"
                             : "from it, `vfio-setup confirm` makes the parameters permanent");
    return 0;
}

int confirm(vb::Fs& fs, const std::vector<std::string>& args) {
    bool automatic = false, dry = false, no_update = false, force = false;
    for (const auto& a : args) {
        if (a == "--auto") automatic = true;
        else if (a == "--force") force = true;
        else if (a == "--dry-run") dry = true;
        else if (a == "--no-update") no_update = true;
        else return fail("confirm: unknown argument '" + a + "'", 2);
    }
    auto lock = vb::SetupLock::acquire(fs);
    if (!lock && !dry) return fail(lock.error().message);
    // The unit runs this at every boot: nothing pending is no error then.
    if (auto pending = vb::read_trial(fs); automatic && pending && !*pending) return 0;
    if (automatic && force) return fail("confirm: --auto and --force do not go together", 2);
    auto plan = vb::plan_confirm(fs, automatic, force);
    if (!plan) return fail(plan.error().message);
    if (!plan->warning.empty()) std::fprintf(stderr, "%s\n", plan->warning.c_str());
    if (!plan->not_now.empty()) {
        std::printf("not confirming now: %s\n", plan->not_now.c_str());
        return 0;
    }
    print_plan(plan->enable, fs);
    if (plan->config)
        std::printf("%s becomes %s\n", fs.host_path(plan->trial.config).c_str(),
                    fs.host_path(vb::kDefaultConfigPath).c_str());
    print_trial_files(plan->end.files, fs, true);
    print_lines(stdout, plan->end.notes);
    if (dry) {
        std::printf("dry run: nothing written\n");
        return 0;
    }
    if (vb::Status s = vb::apply_confirm(fs, *plan); !s) return fail(s.error().message);
    auto cmds = plan->enable.commands;
    for (const auto& c : labelled("trial", plan->end.commands)) cmds.push_back(c);
    if (plan->rebuild) cmds.push_back({"initramfs", *plan->rebuild});
    int rc = run_commands(fs, cmds, no_update);
    if (rc == 0)
        std::printf("confirmed: every boot has %s now\n",
                    plan->config ? "these claims" : vb::join_cmdline(plan->trial.edit.set).c_str());
    return rc;
}

int cmdline(vb::Fs& fs, const std::vector<std::string>& args) {
    if (args.empty()) return fail("cmdline: status, enable or disable?\n" + std::string(kUsage), 2);
    const std::string& sub = args[0];
    bool dry = false, no_update = false, trial = false, auto_confirm = false;
    Output output = Output::Text;
    vb::EnableOptions opts;
    for (size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--dry-run") dry = true;
        else if (args[i] == "--no-update") no_update = true;
        else if (args[i] == "--trial" && sub == "enable") trial = true;
        else if (args[i] == "--auto-confirm" && sub == "enable") auto_confirm = true;
        else if (args[i] == "--iommu-pt" && sub == "enable") opts.iommu_pt = true;
        else if (args[i] == "--add" && sub == "enable" && i + 1 < args.size()) opts.extra.push_back(args[++i]);
        else if (vb::starts_with(args[i], "--add=") && sub == "enable") opts.extra.push_back(args[i].substr(6));
        else if (args[i] == "--add" && sub == "enable") return fail("cmdline enable: --add needs a parameter", 2);
        else if (args[i] == "--json" && sub == "status") output = Output::Json;
        else if (args[i] == "--quiet" && sub == "status") output = Output::Quiet;
        else return fail("cmdline " + sub + ": unknown argument '" + args[i] + "'", 2);
    }
    // What turns the IOMMU off is what enable takes out: never what it adds.
    for (const auto& p : opts.extra)
        if (auto off = vb::iommu_off(p))
            return fail("cmdline enable: --add " + p + " " + off->what + ": passthrough needs the IOMMU on", 2);
    if (sub == "status") {
        auto status = vb::cmdline_status(fs);
        if (!status) return fail(status.error().message);
        const vb::CmdlineStatus& st = *status;
        vb::CpuVendor v = st.cpu_known ? st.cpu.vendor : vb::CpuVendor::Unknown;
        auto edit = vb::enable_edit(v, opts, nullptr);
        vb::EnableOutlook outlook{"nothing", {}, ""};
        vb::Result<vb::CmdlinePlan> plan =
            edit ? vb::plan_enable(fs, *edit) : vb::Result<vb::CmdlinePlan>(edit.error());
        if (!plan) outlook = {"error", {}, plan.error().message};
        else if (!plan->empty()) {
            outlook.outcome = "change";
            for (const auto& f : plan->files) outlook.files.push_back(fs.host_path(f.path));
        }
        // For monitoring: 0 the IOMMU is on and enable has nothing to do.
        const int health = st.iommu.iommu_groups > 0 && outlook.outcome == "nothing" ? 0 : 1;
        if (output == Output::Json) std::fputs(vb::cmdline_status_json(st, outlook).c_str(), stdout);
        if (output != Output::Text) return health;
        print_status(st, fs);
        if (!plan) std::printf("enable would fail: %s\n", plan.error().message.c_str());
        else if (plan->empty()) std::printf("enable would change nothing\n");
        else {
            std::printf("enable would change:\n");
            print_plan(*plan, fs);
        }
        return 0;
    }
    if (sub != "enable" && sub != "disable") return fail("cmdline: unknown subcommand '" + sub + "'", 2);

    auto lock = vb::SetupLock::acquire(fs);
    if (!lock && !dry) return fail(lock.error().message);
    vb::Result<vb::CmdlinePlan> plan = vb::make_error(EINVAL, "");
    if (sub == "enable") {
        auto cpu = vb::read_cpu_info(fs);
        // Unreadable is not unknown: the vendor decides the parameter to add.
        if (!cpu && !vb::is_absent(cpu.error())) return fail(cpu.error().message);
        std::vector<std::string> notes;
        auto edit = vb::enable_edit(cpu ? cpu->vendor : vb::CpuVendor::Unknown, opts, &notes);
        if (!edit) return fail(edit.error().message, 2);
        for (const auto& n : notes) std::printf("%s\n", n.c_str());
        // No kernel parameter helps when the firmware (or the VM's host) exposes no IOMMU.
        if (const auto st = vb::read_iommu_state(fs); !st)
            std::printf("note: cannot tell whether the firmware exposes an IOMMU: %s\n", st.error().message.c_str());
        else if (!st->dmar_table && !st->ivrs_table && st->iommu_groups == 0)
            std::printf("note: %s\n", vb::iommu_next_step(cpu ? *cpu : vb::CpuInfo{}, *st).c_str());
        plan = vb::plan_enable(fs, *edit);
        if (!plan) return fail(plan.error().message);
        if (trial) {
            if (plan->empty()) {
                std::printf("nothing to change\n");
                return 0;
            }
            return start_trial(fs, *edit, auto_confirm, dry);
        }
        if (auto_confirm) return fail("--auto-confirm goes with --trial", 2);
    } else {
        // A pending trial is cancelled first: its entry and one-shot go.
        auto pending = vb::read_trial(fs);
        if (!pending) return fail(pending.error().message);
        if (*pending) {
            std::printf("cancelling the trial boot (%s)\n", (*pending)->config.empty()
                                                                ? vb::join_cmdline((*pending)->edit.set).c_str()
                                                                : (*pending)->config.c_str());
            if (int rc = cancel_trial(fs, **pending, dry, no_update); rc != 0) return rc;
            if (!fs.exists(vb::kCmdlineStatePath)) return 0;
        }
        plan = vb::plan_disable(fs);
    }
    if (!plan) return fail(plan.error().message);
    print_plan(*plan, fs);
    if (plan->empty()) {
        std::printf("nothing to change\n");
        return 0;
    }
    if (!dry) {
        if (vb::Status s = vb::apply_plan(fs, *plan, sub == "enable"); !s) return fail(s.error().message);
    }
    int rc = run_commands(fs, plan->commands, dry || no_update);
    if (dry) std::printf("dry run: nothing written\n");
    else if (rc == 0) std::printf("reboot for the new command line to take effect\n");
    return rc;
}

// vfio-pci ids= in modprobe.d or on a command line, and the entries that
// replace them; the modprobe.d files that cannot be read are warned of.
std::vector<vb::ExistingIds> existing_ids(const vb::Fs& fs) {
    auto devices = vb::scan_pci_devices(fs);
    std::vector<std::string> unreadable;
    auto found = vb::find_existing_ids(fs, devices ? *devices : std::vector<vb::PciDevice>{}, &unreadable);
    for (const auto& u : unreadable) std::fprintf(stderr, "vfio-setup: warning: %s\n", u.c_str());
    return found;
}

void print_existing_ids(const vb::Fs& fs) { std::fputs(vb::format_existing_ids(existing_ids(fs)).c_str(), stdout); }

int list(const vb::Fs& fs, const std::vector<std::string>& args) {
    bool json = false;
    for (const auto& a : args) {
        if (a == "--json") json = true;
        else return fail("list: unknown argument '" + a + "'", 2);
    }
    auto l = vb::list_gpus(fs);
    if (!l) return fail(l.error().message);
    if (json) {
        std::fputs(vb::format_list_json(*l, existing_ids(fs)).c_str(), stdout);
        return 0;
    }
    std::fputs(vb::format_list(*l).c_str(), stdout);
    print_existing_ids(fs);
    return 0;
}

// add and remove: show the diff, then write (unless --dry-run) and remind.
// The machine's rebuild of every image, as a command line to show.
std::string rebuild_text(const vb::Fs& fs) { return vb::rebuild_advice(fs); }

// add/remove --trial: the new claims in the trial config, tried at the next
// boot only. A dry run plans the same and stops before writing: it shows the
// trial's files and fails where the real run would.
int start_claims_trial(vb::Fs& fs, const vb::ConfigChange& change, bool auto_confirm, bool dry) {
    if (int cleared = clear_abandoned_trial(fs, dry); cleared < 0 || (cleared > 0 && dry)) return cleared < 0;
    auto ct = vb::plan_claims_trial(fs, change.after, auto_confirm);
    if (!ct) return fail(ct.error().message);
    print_lines(stdout, ct->trial.notes);
    const std::string label = fs.host_path(vb::kTrialConfigPath);
    auto before = fs.read(vb::kTrialConfigPath, vb::kMaxConfigBytes);
    std::fputs(vb::unified_diff(before ? *before : "", ct->config, before ? label : "/dev/null", label).c_str(),
               stdout);
    print_trial_files(ct->trial.state.files, fs, false);
    if (dry) {
        std::printf("dry run: nothing written (%s stays as it was)\n", fs.host_path(vb::kDefaultConfigPath).c_str());
        return 0;
    }
    if (vb::Status s = vb::write_claims_trial(fs, *ct); !s) return take_back_failed_trial(fs, s.error().message);
    std::printf("wrote %s (the trial's claims; %s stays as it was)\n", fs.host_path(vb::kTrialConfigPath).c_str(),
                fs.host_path(vb::kDefaultConfigPath).c_str());
    if (int rc = run_commands(fs, labelled(ct->trial.state.backend, ct->trial.commands), false); rc != 0) return rc;
    std::printf("now rebuild the initramfs (%s), then reboot: the next boot, and only it, claims what %s says; "
                "%s\n",
                rebuild_text(fs).c_str(), vb::kTrialConfigPath,
                auto_confirm ? "it confirms itself once every device is claimed"
                             : "from it, `vfio-setup confirm` makes it the config");
    return 0;
}

int edit_config(vb::Fs& fs, const std::string& sub, const std::vector<std::string>& args) {
    vb::AddOptions opts;
    bool dry = false, trial = false, auto_confirm = false;
    std::string address;
    for (const auto& a : args) {
        if (a == "--dry-run") dry = true;
        else if (a == "--trial") trial = true;
        else if (a == "--auto-confirm") auto_confirm = true;
        else if (a == "--boot-vga" && sub == "add") opts.boot_vga = true;
        else if (a == "--no-group" && sub == "add") opts.no_group = true;
        else if (a.empty() || a[0] == '-' || !address.empty()) return fail(sub + ": unknown argument '" + a + "'", 2);
        else address = a;
    }
    if (address.empty()) return fail(sub + ": which address? (vfio-setup list shows them)", 2);
    if (auto_confirm && !trial) return fail(sub + ": --auto-confirm goes with --trial", 2);
    auto lock = vb::SetupLock::acquire(fs);
    if (!lock && !dry) return fail(lock.error().message);
    auto change = sub == "add" ? vb::plan_add(fs, address, opts) : vb::plan_remove(fs, address);
    if (!change) return fail(change.error().message);
    print_lines(stdout, change->notes);
    // A trial writes the trial config, never this one: its own diff, its own checks.
    if (trial) return start_claims_trial(fs, *change, auto_confirm, dry);
    const std::string label = fs.host_path(change->path);
    std::fputs(vb::unified_diff(change->before, change->after, change->existed ? label : "/dev/null", label).c_str(),
               stdout);
    if (dry) {
        std::printf("dry run: nothing written\n");
        return 0;
    }
    if (vb::Status s = vb::apply_change(fs, *change); !s) return fail(s.error().message);
    std::printf("wrote %s\n", label.c_str());
    // The images carry their own copy of the config.
    std::printf("now rebuild the initramfs (%s) and check it with vfio-initrd-check\n"
                "(vfio-initrd-check --fix does both); the change takes effect at the next boot\n",
                rebuild_text(fs).c_str());
    if (sub == "add") print_existing_ids(fs);
    return 0;
}

int qemu_args(const vb::Fs& fs, const std::vector<std::string>& args) {
    vb::QemuOptions opts;
    for (const auto& a : args) {
        if (a == "--libvirt") opts.libvirt = true;
        else if (a == "--x-vga") opts.x_vga = true;
        else return fail("qemu-args: unknown argument '" + a + "'", 2);
    }
    auto cp = vb::configured_plan(fs);
    if (!cp) return fail(cp.error().message, 2);
    auto q = vb::qemu_args(cp->plan, cp->devices, opts);
    if (!q) return fail(q.error().message);
    for (const auto& n : q->notes) std::fprintf(stderr, "vfio-setup: %s\n", n.c_str());
    std::fputs(vb::format_qemu_args(*q, opts).c_str(), stdout);
    return 0;
}

// What the images installed now do, as vfio-initrd-check finds them: the
// first problem and the command that shows them all.
std::string installed_images(const vb::CheckReport& report) {
    if (!report.configured) return "not configured (no /etc/vfio-devices.ini): they claim nothing";
    size_t images = 0;
    for (const auto& k : report.kernels) images += k.images.size();
    const std::string n =
        images == 0 ? std::string("none found")
                    : std::to_string(images) + " image(s) of " + std::to_string(report.kernels.size()) + " kernel(s)";
    for (const auto& f : report.findings)
        if (f.severity == vb::Severity::problem)
            return n + ": NOT all will claim: " + (f.kver.empty() ? "" : f.kver + ": ") + f.what +
                   " (vfio-initrd-check names every problem; --fix rebuilds)";
    return images == 0 ? n : n + ": each will claim (vfio-initrd-check)";
}

void print_initramfs_status(const vb::InitramfsStatus& st, const vb::CheckReport& installed) {
    if (!st.generator) {
        std::printf("Generator:    none found (dracut, initramfs-tools, mkinitcpio)\n");
        std::printf("Installed:    %s\n", installed_images(installed).c_str());
        return;
    }
    std::printf("Generator:    %s (%s)\n", vb::generator_name(st.generator->generator), st.generator->why.c_str());
    std::printf("Integration:  %s (%s)\n", st.integration_installed ? "installed" : "NOT installed",
                vb::integration_path(st.generator->generator).c_str());
    if (st.generator->generator == vb::Generator::Mkinitcpio) {
        if (!st.hooks_error.empty()) std::printf("HOOKS:        unknown: %s\n", st.hooks_error.c_str());
        else std::printf("HOOKS:        %s\n", vb::command_line(st.hooks).c_str());
        for (const auto& p : st.presets_without_drop_ins)
            std::printf("warning:      %s names a config file: mkinitcpio reads no drop-in for it\n", p.c_str());
    }
    std::printf("New images:   %s\n", st.runs_vfio_bind ? "built now, they run vfio-bind before udev"
                                                        : "built now, they do NOT run vfio-bind");
    std::printf("Installed:    %s\n", installed_images(installed).c_str());
    std::printf("Rebuild all:  %s\n", vb::command_line(st.rebuild_all).c_str());
}

int initramfs(vb::Fs& fs, const std::vector<std::string>& args) {
    if (args.empty()) return fail("initramfs: status, enable or disable?", 2);
    const std::string& sub = args[0];
    bool dry = false;
    Output output = Output::Text;
    for (size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--dry-run" && sub != "status") dry = true;
        else if (args[i] == "--json" && sub == "status") output = Output::Json;
        else if (args[i] == "--quiet" && sub == "status") output = Output::Quiet;
        else return fail("initramfs " + sub + ": unknown argument '" + args[i] + "'", 2);
    }
    if (sub == "status") {
        auto st = vb::initramfs_status(fs);
        vb::CheckOptions images;
        images.cmdline = false; // the images alone; `cmdline status` is about the command line
        const vb::CheckReport installed = vb::check_initrds(fs, images);
        if (output == Output::Json)
            std::fputs(vb::initramfs_status_json(st, installed_images(installed), !installed.has_problems()).c_str(),
                       stdout);
        else if (output == Output::Text) print_initramfs_status(st, installed);
        return st.runs_vfio_bind && !installed.has_problems() ? 0 : 1;
    }
    if (sub != "enable" && sub != "disable") return fail("initramfs: unknown subcommand '" + sub + "'", 2);
    auto lock = vb::SetupLock::acquire(fs);
    if (!lock && !dry) return fail(lock.error().message);
    auto change = sub == "enable" ? vb::plan_initramfs_enable(fs) : vb::plan_initramfs_disable(fs);
    if (!change) return fail(change.error().message);
    for (const auto& n : change->notes) std::printf("%s\n", n.c_str());
    if (change->empty()) return 0;
    const std::string label = fs.host_path(change->path);
    std::fputs(vb::unified_diff(change->before, change->after, change->remove ? label : "/dev/null",
                                change->remove ? "/dev/null" : label)
                   .c_str(),
               stdout);
    if (dry) {
        std::printf("dry run: nothing written\n");
        return 0;
    }
    if (vb::Status s = vb::apply_initramfs_change(fs, *change); !s) return fail(s.error().message);
    std::printf("%s %s\nnow rebuild the images: mkinitcpio -P (then vfio-initrd-check)\n",
                change->remove ? "deleted" : "wrote", label.c_str());
    return 0;
}

int status(const vb::Fs& fs, const std::vector<std::string>& args) {
    Output output = Output::Text;
    for (const auto& a : args) {
        if (a == "--json") output = Output::Json;
        else if (a == "--quiet") output = Output::Quiet;
        else return fail("status: unknown argument '" + a + "'", 2);
    }
    // The trial boot of changed claims is judged by the trial's config.
    auto trial = vb::read_trial(fs);
    auto marked = vb::booted_as_trial(fs);
    const bool trial_boot = trial && *trial && marked && *marked;
    auto st =
        vb::read_setup_status(fs, trial_boot && !(*trial)->config.empty() ? (*trial)->config : vb::kDefaultConfigPath);
    if (!st) return output == Output::Quiet ? 2 : fail(st.error().message, 2);
    std::string trial_line;
    if (trial && *trial) {
        const auto& t = **trial;
        const auto phase = vb::trial_phase(fs, t);
        trial_line =
            std::string("trial boot ") + (phase && *phase == vb::TrialPhase::Over ? "FAILED OR ABANDONED" : "pending") +
            " (" + t.backend + ", " + vb::trial_what(t) + "): " +
            (!phase                               ? "where it stands is unknown: " + phase.error().message
             : *phase == vb::TrialPhase::ThisBoot ? "this boot is the trial; `vfio-setup confirm` makes it permanent"
             : *phase == vb::TrialPhase::Ahead    ? "the next boot takes it"
                                                  : "its boot is over and it was never confirmed, so it will not "
                                                    "be; `vfio-setup cmdline disable` clears it, `--trial` again "
                                                    "starts a fresh one");
    }
    if (trial && *trial)
        if (std::string pin = vb::pinned_default_warning(**trial); !pin.empty()) trial_line += "\nWARNING: " + pin;
    if (output == Output::Json) std::fputs(vb::status_json(*st, trial_line).c_str(), stdout);
    if (output == Output::Text) {
        std::fputs(vb::format_status(*st).c_str(), stdout);
        if (!trial_line.empty()) std::printf("\n%s\n", trial_line.c_str());
    }
    if (!st->config_error.empty()) return 2; // a config error, the live state shown all the same
    return st->problems().empty() ? 0 : 1;
}

int host_devices(vb::Fs& fs, const std::vector<std::string>& args) {
    std::string output;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--output" && i + 1 < args.size()) output = args[++i];
        else if (args[i] == "--output") return fail("host-devices: --output needs a file", 2);
        else return fail("host-devices: unknown argument '" + args[i] + "'", 2);
    }
    vb::HostScan scan = vb::scan_host_needs(fs);
    std::string text = vb::format_host_record(vb::host_record(scan));
    for (const auto& n : scan.notes) text += "# not followed: " + n + "\n";
    if (output.empty()) {
        std::fputs(text.c_str(), stdout);
        return 0;
    }
    if (vb::Status s = fs.make_parent_dirs(output); !s) return fail(s.error().message);
    if (vb::Status s = fs.replace_file(output, text); !s) return fail(s.error().message);
    return 0;
}

// The lines of the usage text that describe `cmd` ("  add ADDR ..." and the
// lines indented under it), or "" for an unknown command.
std::string command_usage(const std::string& cmd) {
    std::string out;
    bool in = false;
    for (const std::string& line : vb::split(kUsage, '\n')) {
        const bool head = vb::starts_with(line, "  ") && line.size() > 2 && line[2] != ' ' && line[2] != '-';
        if (head) in = vb::starts_with(line, "  " + cmd + " ") || line == "  " + cmd;
        else if (!vb::starts_with(line, "   ")) in = false;
        if (in) out += line + "\n";
    }
    return out;
}

// Commands that write to the machine (with --dry-run, none does).
bool writes(const std::string& cmd, const std::vector<std::string>& rest) {
    for (const auto& a : rest)
        if (a == "--dry-run") return false;
    if (cmd == "add" || cmd == "remove" || cmd == "confirm") return true;
    if (cmd == "cmdline" || cmd == "initramfs") return !rest.empty() && (rest[0] == "enable" || rest[0] == "disable");
    return false;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string root = "/";
    std::vector<std::string> rest;
    bool help = false;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "-h" || args[i] == "--help") {
            help = true;
            continue;
        }
        if (args[i] == "-V" || args[i] == "--version") {
            std::printf("vfio-setup %s\n", VFIO_BIND_VERSION);
            return 0;
        }
        if (args[i] == "--root" || args[i] == "--root=") {
            if (args[i] == "--root=" || i + 1 >= args.size() || args[i + 1].empty())
                return fail("--root needs a directory: --root DIR treats DIR as /", 2);
            root = args[++i];
            continue;
        }
        if (vb::starts_with(args[i], "--root=")) {
            root = args[i].substr(7);
            continue;
        }
        rest.push_back(args[i]);
    }
    if (help) {
        // vfio-setup CMD --help: that command's part of the usage.
        const std::string part = rest.empty() ? "" : command_usage(rest[0]);
        if (part.empty()) std::fputs(kUsage, stdout);
        else
            std::printf("usage: vfio-setup [--root DIR] %s ...\n\n%s\n"
                        "  --root DIR    treat DIR as / (commands are then printed, never run)\n",
                        rest[0].c_str(), part.c_str());
        return 0;
    }
    if (rest.empty()) return fail("no command given\n" + std::string(kUsage), 2);
    if (root != "/") {
        struct stat st {};
        if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            return fail("--root " + root + ": no such directory", 2);
    }
    vb::DiskFs fs(root == "/" ? "" : root);
    const std::string cmd = rest[0];
    rest.erase(rest.begin());
    if (root == "/" && ::geteuid() != 0 && writes(cmd, rest))
        return fail(cmd + (rest.empty() || (cmd != "cmdline" && cmd != "initramfs") ? "" : " " + rest[0]) +
                        " changes the machine's files: must be root (run it with sudo, or with --dry-run to "
                        "see the change)",
                    1);
    if (cmd == "cmdline") return cmdline(fs, rest);
    if (cmd == "list") return list(fs, rest);
    if (cmd == "add" || cmd == "remove") return edit_config(fs, cmd, rest);
    if (cmd == "qemu-args") return qemu_args(fs, rest);
    if (cmd == "status") return status(fs, rest);
    if (cmd == "initramfs") return initramfs(fs, rest);
    if (cmd == "host-devices") return host_devices(fs, rest);
    if (cmd == "confirm") return confirm(fs, rest);
    return fail("unknown command '" + cmd + "' (try --help)", 2);
}
