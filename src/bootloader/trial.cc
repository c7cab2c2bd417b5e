#include "bootloader/trial.h"

#include <fnmatch.h>

#include <algorithm>

#include "basic/mounts.h"
#include "basic/read_limits.h"
#include "basic/text.h"
#include "bootloader/bls.h"
#include "bootloader/boot_context.h"
#include "bootloader/cmdline_state.h"
#include "bootloader/grub.h"
#include "bootloader/grub_cfg.h"
#include "bootloader/proxmox_boot.h"
#include "bootloader/select.h"

namespace vb {

namespace {

constexpr const char* kMagic = "vfio-setup trial state 1\n";
constexpr const char* kSystemdBoot = "systemd-boot";
constexpr const char* kGrub = "GRUB";
constexpr const char* kOneShot = "LoaderEntryOneShot";

// A line of split_lines() as its content and its line ending.
std::pair<std::string, std::string> cut_eol(std::string_view line) {
    size_t n = line.size();
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) --n;
    return {std::string(line.substr(0, n)), std::string(line.substr(n))};
}
std::string dir_of(const std::string& p) { return p.substr(0, p.rfind('/')); }

ParamEdit with_marker(ParamEdit e) {
    e.set.push_back(kTrialMarker);
    return e;
}

// Which boot loader the trial goes through, or why none can have one.
Result<std::string> trial_backend(const Fs& fs) {
    std::vector<std::string> used;
    auto context = load_boot_context(fs);
    if (!context) return context.error();
    const BootContext& boot = *context;
    for (const auto& s : select_bootloaders(fs, boot))
        if (s.in_use) used.push_back(s.backend->name());
    // Read once: a GRUB config that cannot be read is no GRUB with BLS
    // (which has no trial) but an error to name.
    auto bls = grub_bls_enabled(fs);
    if (!bls) return bls.error();
    const bool grub_bls = *bls;
    if (used == std::vector<std::string>{"BLS entries"} && !grub_bls) return std::string(kSystemdBoot);
    // kernelstub (Pop!_OS) and sdbootutil (openSUSE) write the entries, but
    // where systemd-boot says it booted the machine, it reads them and honours
    // its one-shot as anywhere (sdbootutil's grub2-bls is left out: the
    // firmware variables do not say it does).
    if ((used == std::vector<std::string>{"kernelstub"} || used == std::vector<std::string>{"sdbootutil"}) &&
        starts_with(boot.loader_info, "systemd-boot"))
        return std::string(kSystemdBoot);
    if (used == std::vector<std::string>{"GRUB"} && !grub_bls) return std::string(kGrub);
    // proxmox-boot-tool: systemd-boot's one-shot on the ESP it started from,
    // mounted (the tool keeps none mounted); proxmox_boot.h says when.
    if (used == std::vector<std::string>{kProxmoxBootName}) {
        if (Status ok = proxmox_boot_trial_possible(fs, boot); !ok) return ok.error();
        return std::string(kSystemdBoot);
    }
    std::string names;
    for (const auto& u : used) names += (names.empty() ? "" : ", ") + u;
    if (names.empty()) names = "no supported boot loader";
    return make_error(ENOTSUP, names + (grub_bls ? " (GRUB with BLS entries)" : "") +
                                   ": no one-shot boot that vfio-setup can drive (it uses systemd-boot's "
                                   "LoaderEntryOneShot and GRUB's next_entry); enable without --trial, and "
                                   "remember vfio_bind=off in the boot menu as the way back");
}

// ------------------------------------------------------------ systemd-boot

// An entry's id: its file name without boot counters ("arch+3-0.conf" ->
// "arch.conf").
std::string entry_id(const std::string& file) {
    const std::string name = basename_of(file);
    return ends_with(name, ".conf") ? bls_without_boot_counter(name) : name;
}

// loader.conf's default; "" when none says one. One that cannot be read is
// an error: taken for "no default", the trial would pin one.
Result<std::string> loader_conf_default(const Fs& fs) {
    for (const char* p : {"/boot/loader/loader.conf", "/efi/loader/loader.conf", "/boot/efi/loader/loader.conf"}) {
        auto t = fs.read(p);
        if (!t && is_absent(t.error())) continue;
        if (!t) return t.error();
        for (auto line : split_lines(*t))
            if (size_t v = bls_key_value(line, "default"); v != std::string_view::npos)
                return std::string(trim(line.substr(v)));
    }
    return std::string();
}

// "Title" -> "Title (vfio-bind trial)": the line the menu shows.
std::string retitle(const std::string& text) {
    std::string out;
    bool done = false;
    for (auto line : split_lines(text)) {
        auto [l, eol] = cut_eol(line);
        if (!done && bls_key_value(l, "title") != std::string_view::npos) {
            l += " (vfio-bind trial)";
            done = true;
        }
        out += l + eol;
    }
    if (!done) out = "title vfio-bind trial" + line_ending_of(text) + out;
    return out;
}

Result<TrialPlan> plan_systemd_boot(const Fs& fs, const ParamEdit& edit) {
    TrialPlan plan;
    auto pinned_var = read_efi_variable(fs, "LoaderEntryDefault", EfiVendor::LoaderInterface);
    if (!pinned_var) return pinned_var.error();
    auto selected_var = read_efi_variable(fs, "LoaderEntrySelected", EfiVendor::LoaderInterface);
    if (!selected_var) return selected_var.error();
    const std::string pinned = utf16_to_ascii(*pinned_var);
    const std::string selected = utf16_to_ascii(*selected_var);
    auto conf = loader_conf_default(fs);
    if (!conf) return conf.error();
    const std::string& conf_raw = *conf;
    // A pattern or @saved names no one entry.
    const std::string conf_default =
        conf_raw.find_first_of("*?[") != std::string::npos || conf_raw == "@saved" ? "" : conf_raw;
    const std::string want = !pinned.empty() ? pinned : !conf_default.empty() ? conf_default : selected;
    if (want.empty())
        return make_error(ENOENT, "systemd-boot: cannot tell which entry boots by default (no LoaderEntryDefault, "
                                  "no plain default in loader.conf, no LoaderEntrySelected); set one with "
                                  "`bootctl set-default ID` and run again");
    std::string source;
    auto entries = bls_entry_files(fs);
    if (!entries) return entries.error();
    for (const auto& f : *entries)
        if (entry_id(f) == want || entry_id(f) == want + ".conf") source = f;
    if (source.empty()) return make_error(ENOENT, "systemd-boot: no entry file for the default entry '" + want + "'");
    if (entry_id(source) == std::string(kTrialEntryId) + ".conf")
        return make_error(EINVAL, "systemd-boot: this boot is the trial entry itself; confirm or cancel it first");
    auto text = fs.read(source);
    if (!text) return text.error();
    const std::string trial = dir_of(source) + "/" + kTrialEntryId + ".conf";
    auto trial_there = fs.probe(trial);
    if (!trial_there) return trial_there.error();
    if (*trial_there)
        return make_error(EEXIST,
                          trial + " exists, with no trial recorded: remove it (a trial left over) and run again");
    auto edited = bls_edit(trial, retitle(*text), with_marker(edit));
    if (!edited) return edited.error();

    plan.state.backend = kSystemdBoot;
    plan.state.files.push_back({trial, false, "", *edited});
    const std::string trial_id = std::string(kTrialEntryId) + ".conf";
    plan.state.efivars.push_back({kOneShot, ascii_to_utf16(trial_id)});
    // What else could make the new entry the default: no default at all
    // (systemd-boot then takes the first by id), @saved (the last booted),
    // a pattern it matches.
    const bool exposed =
        conf_raw.empty() || conf_raw == "@saved" || ::fnmatch(conf_raw.c_str(), trial_id.c_str(), 0) == 0;
    if (pinned.empty() && exposed) {
        // Without an explicit default, the new entry could sort first and
        // become it: the default is pinned to the entry copied while the trial lasts.
        plan.state.efivars.push_back({"LoaderEntryDefault", ascii_to_utf16(entry_id(source))});
        plan.notes.push_back("the default entry is pinned to " + entry_id(source) +
                             " (EFI LoaderEntryDefault) while the trial lasts");
    }
    plan.notes.push_back("trial entry " + trial + ", a copy of " + source + ", booted once (EFI LoaderEntryOneShot)");
    return plan;
}

// ------------------------------------------------------------ GRUB

// GRUB clears next_entry as it boots it (save_env), which it can do only on
// a plain partition with a file system it writes in place.
Status grub_can_clear_next_entry(const Fs& fs, const std::string& grub_dir) {
    auto mi = fs.read("/proc/self/mountinfo", kMaxProcTable);
    if (!mi) return {}; // not knowable here (a tree being set up): GRUB's own tool refuses at boot time
    const std::vector<Mount> mounts = parse_mountinfo(*mi);
    const Mount* m = mount_of(mounts, grub_dir);
    if (!m) return {};
    const std::string why = "GRUB cannot clear next_entry in " + grub_dir + "/grubenv on ";
    if (m->fstype != "ext2" && m->fstype != "ext3" && m->fstype != "ext4" && m->fstype != "vfat")
        return make_error(ENOTSUP,
                          why + m->fstype + ", so the trial would boot again and again; enable without --trial");
    auto slaves = fs.list_dir("/sys/dev/block/" + m->dev + "/slaves");
    if (slaves && !slaves->empty())
        return make_error(ENOTSUP, why + "a device-mapper or md device (" + m->source +
                                       "), so the trial would boot again and again; enable without --trial");
    return {};
}

// Fedora and openSUSE name GRUB's tools grub2-*, as its directory.
const char* editenv_for(const std::string& grubenv) {
    return starts_with(grubenv, "/boot/grub2/") ? "grub2-editenv" : "grub-editenv";
}

std::string grubenv_value(const std::string& grubenv, const std::string& key) {
    for (auto line : split_lines(grubenv)) {
        auto [l, eol] = cut_eol(line);
        if (starts_with(l, key + "=")) return l.substr(key.size() + 1);
    }
    return "";
}

// The default entry as the trial entry: its own title and id, the linux line edited.
Result<std::string> trial_grub_entry(const GrubMenuEntry& e, const ParamEdit& edit) {
    size_t brace = e.text.find("{\n");
    if (brace == std::string::npos) brace = e.text.find('{');
    std::string body = e.text.substr(brace + 1);
    std::string out;
    bool edited = false;
    for (auto line : split_lines(body)) {
        auto [l, eol] = cut_eol(line);
        size_t b = l.find_first_not_of(" \t");
        std::string t = b == std::string::npos ? "" : l.substr(b);
        for (const char* cmd : {"linux", "linuxefi", "linux16"}) {
            const size_t n = std::string(cmd).size();
            if (edited || !starts_with(t, cmd) || t.size() <= n || (t[n] != ' ' && t[n] != '\t')) continue;
            // linux PATH ARGS...: the arguments are the kernel's command line.
            size_t path = t.find_first_not_of(" \t", n);
            size_t args = path == std::string::npos ? t.size() : t.find_first_of(" \t", path);
            if (args == std::string::npos) args = t.size();
            auto r = apply_edit(t.substr(args), edit);
            if (!r) return r.error();
            const std::string rest =
                r->cmdline.empty() || r->cmdline[0] == ' ' || r->cmdline[0] == '\t' ? r->cmdline : " " + r->cmdline;
            l = l.substr(0, b) + t.substr(0, args) + rest;
            edited = true;
        }
        out += l + eol;
    }
    if (!edited) return make_error(EINVAL, "GRUB: the default entry '" + e.title + "' has no linux line");
    // Its options kept (--unrestricted, --users: a trial must not stop at a
    // password prompt the default entry does not ask for), its id ours.
    std::string head = "menuentry " + grub_word(e.title + " (vfio-bind trial)");
    for (const auto& o : e.options) head += " " + grub_word(o);
    return head + " --id " + kTrialEntryId + " {" + out;
}

Result<TrialPlan> plan_grub(const Fs& fs, const ParamEdit& edit) {
    const std::string cfg = first_existing(fs, {"/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"});
    if (cfg.empty()) return make_error(ENOENT, "GRUB: no grub.cfg (run update-grub first)");
    const std::string dir = dir_of(cfg);
    auto text = fs.read(cfg);
    if (!text) return text.error();
    if (text->find("custom.cfg") == std::string::npos)
        return make_error(ENOTSUP, "GRUB: " + cfg +
                                       " does not source custom.cfg (/etc/grub.d/41_custom): "
                                       "no place for a trial entry");
    if (Status st = grub_can_clear_next_entry(fs, dir); !st) return st.error();
    auto settings = grub_settings(fs);
    if (!settings) return settings.error();
    const std::string grubenv = dir + "/grubenv";
    auto env = fs.read(grubenv, 64 * 1024);
    const std::string saved = env ? grubenv_value(*env, "saved_entry") : "";
    auto entries = grub_menu_entries(*text);
    if (!entries) return make_error(EINVAL, cfg + ": " + entries.error().message);
    auto it = settings->find("GRUB_DEFAULT");
    auto def = grub_default_entry(*entries, it == settings->end() ? "0" : it->second, saved);
    if (!def) return make_error(def.error().code, "GRUB: " + def.error().message);
    if (def->id == kTrialEntryId) return make_error(EINVAL, "GRUB: the default entry is the trial itself");
    auto entry = trial_grub_entry(*def, with_marker(edit));
    if (!entry) return entry.error();

    TrialPlan plan;
    plan.state.backend = kGrub;
    const std::string custom = dir + "/custom.cfg";
    TrialFile f{custom, fs.exists(custom), "", ""};
    if (f.existed) {
        auto cur = fs.read(custom);
        if (!cur) return cur.error();
        f.before = *cur;
    }
    f.after = f.before + (f.before.empty() || f.before.back() == '\n' ? "" : "\n") +
              "# vfio-bind trial entry: booted once through next_entry; `vfio-setup confirm` or\n"
              "# `vfio-setup cmdline disable` removes it.\n" +
              *entry;
    plan.state.files.push_back(f);
    plan.state.grubenv = grubenv;
    plan.commands.push_back({editenv_for(grubenv), grubenv, "set", std::string("next_entry=") + kTrialEntryId});
    plan.notes.push_back("trial entry in " + custom + ", a copy of '" + def->title + "', booted once (next_entry)");
    return plan;
}

std::string format_trial(const TrialState& st) {
    std::string out = kMagic;
    put_line(out, "backend", st.backend);
    put_line(out, "auto-confirm", st.auto_confirm ? "1" : "0");
    put_line(out, "set", join_cmdline(st.edit.set));
    put_line(out, "remove", join_cmdline(st.edit.remove));
    put_line(out, "grubenv", st.grubenv);
    put_line(out, "config", st.config);
    put_line(out, "boot-id", st.boot_id);
    for (const auto& [name, data] : st.efivars) {
        put_line(out, "efivar", name);
        put_blob(out, "data", data);
    }
    for (const auto& f : st.files) {
        put_line(out, "file", f.path);
        put_line(out, "existed", f.existed ? "1" : "0");
        put_blob(out, "before", f.before);
        put_blob(out, "after", f.after);
    }
    return out;
}

Result<TrialState> parse_trial(std::string_view t) {
    auto bad = [&](size_t at) {
        return make_error(EINVAL, std::string(kTrialStatePath) + ": damaged near byte " + std::to_string(at) +
                                      "; not touching anything");
    };
    if (t.substr(0, std::string_view(kMagic).size()) != kMagic) return bad(0);
    StateReader r(t, std::string_view(kMagic).size());
    TrialState st;
    std::string autoc, set, remove;
    if (!r.line("backend", &st.backend) || !r.line("auto-confirm", &autoc) || !r.line("set", &set) ||
        !r.line("remove", &remove) || !r.line("grubenv", &st.grubenv) || !r.line("config", &st.config))
        return bad(r.offset());
    // Written since trials know their boot: a state from before has none.
    if (r.next_is("boot-id") && !r.line("boot-id", &st.boot_id)) return bad(r.offset());
    st.auto_confirm = autoc == "1";
    auto s = split_cmdline(set), rm = split_cmdline(remove);
    if (!s || !rm) return bad(r.offset());
    st.edit = {split_words(*s), split_words(*rm)};
    while (r.next_is("efivar")) {
        std::string name, data;
        if (!r.line("efivar", &name) || !r.blob("data", &data)) return bad(r.offset());
        st.efivars.push_back({name, data});
    }
    while (!r.at_end()) {
        TrialFile f;
        std::string existed;
        if (!r.line("file", &f.path) || !r.line("existed", &existed) || !r.blob("before", &f.before) ||
            !r.blob("after", &f.after))
            return bad(r.offset());
        f.existed = existed == "1";
        st.files.push_back(std::move(f));
    }
    return st;
}

} // namespace

Result<TrialPlan> plan_trial(const Fs& fs, const ParamEdit& edit, bool auto_confirm) {
    auto pending = read_trial(fs);
    if (!pending) return pending.error();
    if (*pending) {
        const std::string what = "the trial of " + trial_what(**pending);
        auto phase = trial_phase(fs, **pending);
        if (!phase) return phase.error();
        switch (*phase) {
        case TrialPhase::ThisBoot:
            return make_error(EEXIST, "this boot is " + what +
                                          ": `vfio-setup confirm` makes it permanent, `vfio-setup cmdline "
                                          "disable` cancels it; then start another");
        case TrialPhase::Ahead:
            return make_error(EEXIST, "a trial boot is pending already (" + what +
                                          ", the next boot takes it): `vfio-setup cmdline disable` cancels it");
        case TrialPhase::Over:
            return make_error(EEXIST, what + " was booted and never confirmed (failed or abandoned): "
                                             "`vfio-setup cmdline disable` clears it");
        }
    }
    auto backend = trial_backend(fs);
    if (!backend) return backend.error();
    auto plan = *backend == kSystemdBoot ? plan_systemd_boot(fs, edit) : plan_grub(fs, edit);
    if (!plan) return plan;
    plan->state.edit = edit;
    plan->state.auto_confirm = auto_confirm;
    // The boot that starts the trial, which tells it from the boots after.
    // Unreadable is an error; absent (no /proc in a root being set up) is
    // unknown, and the one-shot alone then says the trial is still ahead.
    auto id = fs.read(kBootIdPath, 64);
    if (!id && !is_absent(id.error()))
        return make_error(id.error().code, "cannot tell which boot this is, so the trial could not be told from the "
                                           "boot after it: " +
                                               id.error().message);
    if (id) plan->state.boot_id = trim(*id);
    return plan;
}

Status write_trial(Fs& fs, const TrialPlan& plan) {
    // The state goes first: should we stop half-way, disable still knows
    // what to take back.
    if (Status d = fs.make_parent_dirs(kTrialStatePath); !d) return d;
    if (Status w = fs.replace_file(kTrialStatePath, format_trial(plan.state)); !w) return w;
    // A pinned default before the entry it protects against: a power cut
    // must not leave the trial entry where it could become the default.
    for (const auto& [name, data] : plan.state.efivars)
        if (name != kOneShot)
            if (Status w = write_efi_variable(fs, name, EfiVendor::LoaderInterface, data); !w) return w;
    for (const auto& f : plan.state.files) {
        if (!f.existed)
            if (Status d = fs.make_parent_dirs(f.path); !d) return d;
        if (Status w = fs.replace_file(f.path, f.after, f.existed ? kBackupSuffix : ""); !w) return w;
    }
    // The one-shot last: it arms the trial, once all it boots is there.
    for (const auto& [name, data] : plan.state.efivars)
        if (name == kOneShot)
            if (Status w = write_efi_variable(fs, name, EfiVendor::LoaderInterface, data); !w) return w;
    return {};
}

Result<std::optional<TrialState>> read_trial(const Fs& fs) {
    auto there = fs.probe(kTrialStatePath);
    if (!there) return there.error();
    if (!*there) return std::optional<TrialState>{};
    auto t = fs.read(kTrialStatePath, kMaxRewrittenFile);
    if (!t) return t.error();
    auto st = parse_trial(*t);
    if (!st) return st.error();
    return std::optional<TrialState>{std::move(*st)};
}

Result<bool> booted_as_trial(const Fs& fs) {
    auto text = fs.read("/proc/cmdline", kMaxKernelCmdline);
    if (!text) return is_absent(text.error()) ? Result<bool>(false) : Result<bool>(text.error());
    return parse_boot_options(*text).trial;
}

Result<bool> trial_armed(const Fs& fs, const TrialState& st) {
    if (!st.grubenv.empty()) {
        auto env = fs.read(st.grubenv, 64 * 1024);
        if (!env) return is_absent(env.error()) ? Result<bool>(false) : Result<bool>(env.error());
        return grubenv_value(*env, "next_entry") == kTrialEntryId;
    }
    auto one_shot = read_efi_variable(fs, kOneShot, EfiVendor::LoaderInterface);
    if (!one_shot) return one_shot.error();
    return utf16_to_ascii(*one_shot) == std::string(kTrialEntryId) + ".conf";
}

Result<TrialPhase> trial_phase(const Fs& fs, const TrialState& st) {
    auto marked = booted_as_trial(fs);
    if (!marked) return marked.error();
    if (*marked) return TrialPhase::ThisBoot;
    if (st.backend == kSystemdBoot) {
        auto selected = read_efi_variable(fs, "LoaderEntrySelected", EfiVendor::LoaderInterface);
        if (!selected) return selected.error();
        if (utf16_to_ascii(*selected) == std::string(kTrialEntryId) + ".conf") return TrialPhase::ThisBoot;
    }
    if (!st.boot_id.empty()) {
        // Unreadable is not "another boot": that would call the trial over.
        auto id = fs.read(kBootIdPath, 64);
        if (!id && !is_absent(id.error())) return id.error();
        if (id && trim(*id) == st.boot_id) return TrialPhase::Ahead; // not rebooted yet
    }
    auto armed = trial_armed(fs, st);
    if (!armed) return armed.error();
    return *armed ? TrialPhase::Ahead : TrialPhase::Over;
}

Result<std::string> trial_to_take_back(const Fs& fs, const TrialState& st) {
    auto phase = trial_phase(fs, st);
    if (!phase) return phase.error();
    if (*phase == TrialPhase::Over) return std::string("was booted and never confirmed (failed or abandoned)");
    if (*phase == TrialPhase::ThisBoot) return std::string();
    auto armed = trial_armed(fs, st);
    if (!armed) return armed.error();
    return *armed ? std::string() : std::string("was never armed (cut short before its one-shot boot was set)");
}

std::string trial_what(const TrialState& st) {
    if (!st.config.empty()) return "the claims in " + st.config;
    if (!st.edit.set.empty()) return join_cmdline(st.edit.set);
    if (!st.edit.remove.empty()) return "the command line without " + join_cmdline(st.edit.remove);
    return "the command line as it is";
}

Result<TrialEnd> plan_trial_end(const Fs& fs, const TrialState& st) {
    TrialEnd end;
    for (const auto& f : st.files) {
        auto cur = fs.read(f.path, kMaxRewrittenFile);
        if (!cur && is_absent(cur.error())) continue; // gone already
        if (!cur) return cur.error();
        TrialFile back{f.path, f.existed, *cur, f.before};
        if (*cur != f.after) {
            // Changed since: take out only what the trial added.
            const std::string ours = f.after.substr(f.before.size());
            size_t at = cur->find(ours);
            if (ours.empty() || at == std::string::npos) {
                end.notes.push_back(f.path +
                                    " changed since the trial began and no longer holds its entry: left alone");
                continue;
            }
            back.after = cur->substr(0, at) + cur->substr(at + ours.size());
            back.existed = true;
        }
        end.files.push_back(std::move(back));
    }
    for (const auto& [name, data] : st.efivars) {
        const std::string path = efi_variable_path(name, EfiVendor::LoaderInterface);
        auto cur = fs.read(path, kMaxEfiVariable);
        if (!cur && !is_absent(cur.error()))
            // Only what is known to be ours is removed.
            end.notes.push_back("EFI variable " + name + " cannot be read (" + cur.error().message +
                                "): left alone; `bootctl` shows it, and removes it if it still names the trial");
        if (cur && cur->size() >= 4 && cur->substr(4) == data) end.efivars.push_back(name);
    }
    if (!st.grubenv.empty()) {
        auto env = fs.read(st.grubenv, 64 * 1024);
        if (!env && !is_absent(env.error())) return env.error();
        if (env && grubenv_value(*env, "next_entry") == kTrialEntryId)
            end.commands.push_back({editenv_for(st.grubenv), st.grubenv, "unset", "next_entry"});
    }
    return end;
}

Status finish_trial(Fs& fs, const TrialEnd& end) {
    for (const auto& f : end.files) {
        if (!f.existed) {
            auto there = fs.probe(f.path);
            if (!there) return there.error();
            if (!*there) continue; // removed already (by the tool that owns the entries)
        }
        Status s = f.existed || !f.after.empty() ? fs.replace_file(f.path, f.after) : fs.remove(f.path);
        if (!s) return s;
    }
    for (const auto& name : end.efivars)
        if (Status r = remove_efi_variable(fs, name, EfiVendor::LoaderInterface); !r) return r;
    if (Status r = fs.remove(kTrialStatePath); !r) return r; // absent: fine
    return {};
}

std::string pinned_default_warning(const TrialState& st) {
    for (const auto& [name, data] : st.efivars)
        if (name == "LoaderEntryDefault")
            return "systemd-boot's default entry is pinned to " + utf16_to_ascii(data) +
                   " (EFI LoaderEntryDefault) while the trial boot is pending: a newly installed kernel does not "
                   "become the default until 'vfio-setup confirm' (from the trial boot) or 'vfio-setup cmdline "
                   "disable' ends the trial";
    return "";
}

} // namespace vb
