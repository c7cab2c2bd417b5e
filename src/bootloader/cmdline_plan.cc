#include "bootloader/cmdline_plan.h"

#include <algorithm>
#include <optional>

#include "basic/read_limits.h"
#include "basic/unified_diff.h"
#include "bootloader/cmdline_state.h"
#include "bootloader/iommu_off.h"
#include "bootloader/select.h"

namespace vb {

namespace {

void add_unique(std::vector<std::string>& v, const std::vector<std::string>& more) {
    for (const auto& m : more)
        if (std::find(v.begin(), v.end(), m) == v.end()) v.push_back(m);
}

const Bootloader* find_backend(const std::vector<std::unique_ptr<Bootloader>>& all, const std::string& name) {
    for (const auto& b : all)
        if (name == b->name()) return b.get();
    return nullptr;
}

// The commands that carry out `changes` (tools that apply them themselves),
// then the regeneration step of the backend.
void add_commands(CmdlinePlan& plan, const Fs& fs, const Bootloader& b, const std::vector<FileChange>& changes) {
    std::vector<Command> cmds;
    for (const auto& c : changes)
        if (c.by_command)
            for (auto& x : b.apply_commands(c)) cmds.push_back(std::move(x));
    for (auto& x : b.update_commands(fs)) cmds.push_back(std::move(x));
    for (auto& c : cmds) {
        std::pair<std::string, Command> item{b.name(), c};
        if (std::find(plan.commands.begin(), plan.commands.end(), item) == plan.commands.end())
            plan.commands.push_back(std::move(item));
    }
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// Whether `text` holds `param` where `b` reads the command line of `path`.
bool holds(const Fs& fs, const Bootloader& b, const std::string& path, const std::string& text,
           const std::string& param) {
    auto r = b.edit_file(fs, path, text, ParamEdit{{}, {param}});
    return r && *r != text;
}

// `text` without what `f` records: the parameters enable added taken out,
// the ones it removed put back where nobody gave that setting a value since
// (in place of ours where enable replaced a value). `not_back` receives the
// ones left out.
Result<std::string> without_ours(const Fs& fs, const Bootloader& b, const StateFile& f, std::string text,
                                 std::vector<std::string>* not_back) {
    auto edit = [&](const std::string& t, const ParamEdit& e) { return b.edit_file(fs, f.path, t, e); };
    std::vector<std::string> later;
    for (const auto& r : f.removed) {
        auto ours =
            std::find_if(f.added.begin(), f.added.end(), [&](const std::string& a) { return same_setting(a, r); });
        if (ours == f.added.end() || !holds(fs, b, f.path, text, *ours)) {
            later.push_back(r);
            continue;
        }
        auto t = edit(text, ParamEdit{{r}, {}}); // takes our value's place
        if (!t) return t;
        text = std::move(*t);
    }
    auto t = edit(text, ParamEdit{{}, f.added});
    if (!t) return t;
    text = std::move(*t);
    for (const auto& r : later) {
        auto with = edit(text, ParamEdit{{r}, {}});
        if (!with) return with;
        if (*with == text) continue; // there already
        auto back = edit(*with, ParamEdit{{}, {r}});
        if (!back) return back;
        if (*back == text) text = std::move(*with); // the setting had no value: r goes back
        else if (not_back) not_back->push_back(r);  // someone gave it another value since
    }
    return text;
}

// A state from before format 2 may hold an `original` older than a change
// made between two enables: it is trusted only when enable's edit turns it
// into what was written.
bool original_is_current(const Fs& fs, const Bootloader& b, const StateFile& f, bool legacy) {
    if (!legacy) return true;
    auto r = b.edit_file(fs, f.path, f.original, ParamEdit{f.added, f.removed});
    return r && *r == f.written;
}

// The undo of one file enable recorded, or none when nothing is to change.
Result<std::optional<FileChange>> undo_file(const Fs& fs, const Bootloader& b, const StateFile& f, bool legacy,
                                            std::vector<std::string>& notes) {
    FileChange c;
    c.path = f.path;
    c.backend = f.backend;
    c.added = f.removed;
    c.removed = f.added;
    auto there = fs.probe(f.path);
    if (!there) return there.error();
    if (!*there) {
        if (f.existed) notes.push_back(f.path + " was deleted since enable: left deleted");
        return std::optional<FileChange>{};
    }
    auto cur = fs.read(f.path, kMaxRewrittenFile);
    if (!cur) return cur.error();
    c.before = *cur;
    if (!f.existed && c.before == f.written) {
        c.remove = true;
        return std::optional<FileChange>{std::move(c)};
    }
    if (!f.existed && b.owns_file(f.path))
        return make_error(EEXIST,
                          f.path + " was changed since vfio-setup wrote it, so it is not deleted:\n" +
                              unified_diff(f.written, c.before, f.path + " (as enable wrote it)", f.path + " (now)") +
                              "move your own settings to another file (or delete it), then run "
                              "`vfio-setup cmdline disable` again");
    if (f.existed && c.before == f.written && original_is_current(fs, b, f, legacy)) {
        c.after = f.original; // nobody touched it: every byte as it was
    } else {
        std::vector<std::string> not_back;
        auto r = without_ours(fs, b, f, c.before, &not_back);
        if (!r) return r.error();
        c.after = std::move(*r);
        std::string note = c.before == f.written
                               ? f.path + ": the state of an earlier vfio-setup may hold an outdated copy; removed "
                                          "only the parameters enable added"
                               : f.path + " changed since enable: removed only the parameters enable added";
        if (!not_back.empty()) note += " (not put back, set otherwise since: " + join_cmdline(not_back) + ")";
        notes.push_back(note);
    }
    if (c.after == c.before) return std::optional<FileChange>{};
    return std::optional<FileChange>{std::move(c)};
}

void add_backend(CmdlinePlan& plan, const std::string& name) {
    if (!contains(plan.backends, name)) plan.backends.push_back(name);
}

// The files of `b` that appeared after the first enable (entries of kernels
// installed since, made from what enable wrote): the parameters enable added
// to b's files taken out, but those the source of new files still holds once
// disable is done (the user's own). A state from before format 2 does not
// know which files are new: those that hold our parameters are named.
Status clean_new_files(const Fs& fs, const Bootloader& b, const CmdlineState& state, CmdlinePlan& plan) {
    std::vector<std::string> ours;
    for (const auto& f : state.files)
        if (f.backend == b.name()) add_unique(ours, f.added);
    const std::string src = b.new_files_source();
    auto src_there = src.empty() ? Result<bool>(false) : fs.probe(src);
    if (!src_there) return src_there.error();
    if (*src_there) {
        auto planned =
            std::find_if(plan.files.begin(), plan.files.end(), [&](const FileChange& c) { return c.path == src; });
        auto text = planned != plan.files.end() ? Result<std::string>(planned->after) : fs.read(src, kMaxRewrittenFile);
        if (!text) return text.error();
        ours.erase(
            std::remove_if(ours.begin(), ours.end(), [&](const std::string& p) { return holds(fs, b, src, *text, p); }),
            ours.end());
    }
    if (ours.empty()) return {};
    bool changed = false;
    auto growing = b.growing_files(fs);
    if (!growing) return growing.error();
    for (const auto& path : *growing) {
        if (state.find(path) || contains(state.seen, path)) continue;
        auto text = fs.read(path, kMaxRewrittenFile);
        if (!text) return text.error();
        FileChange c;
        c.path = path;
        c.backend = b.name();
        c.before = *text;
        for (const auto& p : ours)
            if (holds(fs, b, path, c.before, p)) c.removed.push_back(p);
        if (c.removed.empty()) continue;
        if (state.legacy) {
            plan.notes.push_back(path + " holds " + join_cmdline(c.removed) +
                                 ", which enable added elsewhere; it was not recorded by the vfio-setup that "
                                 "enabled (an older version): remove them by hand if they came from it");
            continue;
        }
        auto r = b.edit_file(fs, path, c.before, ParamEdit{{}, c.removed});
        if (!r) return r.error();
        c.after = std::move(*r);
        plan.notes.push_back(path + " appeared after enable (a kernel installed since): removing " +
                             join_cmdline(c.removed));
        plan.files.push_back(std::move(c));
        changed = true;
    }
    if (changed) {
        add_backend(plan, b.name());
        add_commands(plan, fs, b, {});
    }
    return {};
}

} // namespace

Result<ParamEdit> enable_edit(CpuVendor vendor, const EnableOptions& opts, std::vector<std::string>* notes) {
    ParamEdit e;
    auto note = [&](const std::string& s) {
        if (notes) notes->push_back(s);
    };
    switch (vendor) {
    case CpuVendor::Intel:
        e.set.push_back("intel_iommu=on");
        note("Intel CPU: intel_iommu=on turns the IOMMU (VT-d) on");
        break;
    case CpuVendor::Amd:
        note("AMD CPU: the IOMMU (AMD-Vi) is on by default; nothing to add for it "
             "(amd_iommu=on is not a kernel option)");
        break;
    default: note("unknown CPU vendor: adding no IOMMU switch"); break;
    }
    // What turns the IOMMU or interrupt remapping off goes (iommu=off, intremap=off...).
    e.remove = iommu_off_switches(vendor);
    if (opts.iommu_pt) e.set.push_back("iommu=pt");
    for (const auto& p : opts.extra) {
        if (Status v = validate_param(p); !v) return v.error();
        if (param_key(p) == "amd_iommu" && p.find("=on") != std::string::npos)
            return make_error(EINVAL, "amd_iommu=on is not a kernel option (the kernel logs \"Unknown option\"); "
                                      "the AMD IOMMU is on by default");
        if (std::find(e.set.begin(), e.set.end(), p) == e.set.end()) e.set.push_back(p);
    }
    return e;
}

Result<CmdlinePlan> plan_enable(const Fs& fs, const ParamEdit& edit) {
    CmdlinePlan plan;
    auto boot = load_boot_context(fs);
    if (!boot) return boot.error();
    for (const auto& selected : select_bootloaders(fs, *boot)) {
        if (!selected.in_use) continue;
        const auto& b = selected.backend;
        plan.backends.push_back(b->name());
        auto growing = b->growing_files(fs);
        if (!growing) return make_error(growing.error().code, std::string(b->name()) + ": " + growing.error().message);
        add_unique(plan.seen, *growing);
        auto changes = b->plan(fs, edit);
        if (!changes) return make_error(changes.error().code, std::string(b->name()) + ": " + changes.error().message);
        if (auto entries = b->entries(fs))
            for (const auto& e : *entries)
                if (std::string why = iommu_off_left(e.source, e.cmdline, edit); !why.empty())
                    return make_error(kIommuOffLeft, std::string(b->name()) + ": " + why);
        for (auto& c : *changes) {
            c.backend = b->name();
            c.by_command = b->applies_by_command();
            for (const auto& r : c.removed)
                if (std::find(c.added.begin(), c.added.end(), r) == c.added.end() &&
                    std::find(edit.remove.begin(), edit.remove.end(), r) != edit.remove.end())
                    plan.notes.push_back("removing " + r + " from " + c.path + iommu_off_why(r));
        }
        if (!changes->empty()) add_commands(plan, fs, *b, *changes);
        for (auto& c : *changes) plan.files.push_back(std::move(c));
    }
    if (plan.backends.empty())
        return make_error(ENOENT, "no supported bootloader configuration found (GRUB, BLS/systemd-boot, "
                                  "kernelstub, sdbootutil, rpm-ostree, proxmox-boot-tool, rEFInd, extlinux, Limine)");
    return plan;
}

Result<CmdlinePlan> plan_disable(const Fs& fs) {
    CmdlinePlan plan;
    auto state = read_state(fs, kCmdlineStatePath);
    if (!state) return state.error();
    auto state_there = fs.probe(kCmdlineStatePath);
    if (!state_there) return state_there.error();
    plan.state_left = *state_there;
    auto all = all_bootloaders();
    std::vector<const Bootloader*> used;
    for (const auto& f : state->files) {
        const Bootloader* b = find_backend(all, f.backend);
        if (!b) return make_error(EINVAL, std::string(kCmdlineStatePath) + ": unknown backend '" + f.backend + "'");
        if (b->applies_by_command()) {
            // Nothing was written: the tool undoes exactly what enable had it
            // do, on whatever deployment is next (the entry is shown as it will read).
            FileChange c;
            c.path = f.path;
            c.backend = f.backend;
            c.by_command = true;
            c.added = f.removed;
            c.removed = f.added;
            if (auto cur = fs.read(f.path)) // only for the display: the command does not depend on it
                if (auto r = b->edit_file(fs, f.path, *cur, ParamEdit{f.removed, f.added})) {
                    c.before = *cur;
                    c.after = *r;
                }
            add_commands(plan, fs, *b, {c});
            add_backend(plan, f.backend);
            plan.files.push_back(std::move(c));
            continue;
        }
        if (std::find(used.begin(), used.end(), b) == used.end()) used.push_back(b);
        auto c = undo_file(fs, *b, f, state->legacy, plan.notes);
        if (!c) return c.error();
        if (!*c) continue;
        plan.files.push_back(std::move(**c));
        add_backend(plan, f.backend);
        add_commands(plan, fs, *b, {});
    }
    for (const Bootloader* b : used)
        if (Status s = clean_new_files(fs, *b, *state, plan); !s) return s.error();
    return plan;
}

Status apply_plan(Fs& fs, const CmdlinePlan& plan, bool enabling) {
    auto state = read_state(fs, kCmdlineStatePath);
    if (!state) return state.error();
    if (enabling && !plan.files.empty()) {
        // The state goes first: should we stop half-way, disable still knows
        // every file we may have touched.
        auto all = all_bootloaders();
        if (state->files.empty() || state->legacy) state->seen = plan.seen; // the files before any enable
        for (auto& f : state->files) {
            const Bootloader* b = find_backend(all, f.backend);
            if (!state->legacy || !b || !f.existed || original_is_current(fs, *b, f, true)) continue;
            // An outdated copy from an older vfio-setup: what it wrote, without us.
            auto r = without_ours(fs, *b, f, f.written, nullptr);
            if (!r) return r.error();
            f.original = std::move(*r);
        }
        state->legacy = false;
        for (const auto& c : plan.files) {
            // The directories this file needs that are not there yet: ours to remove.
            if (!c.existed && !c.remove && !c.by_command)
                for (std::string d = dirname_of(c.path); d.size() > 1; d = dirname_of(d)) {
                    auto there = fs.probe(d); // a directory taken for absent would be removed by disable
                    if (!there) return there.error();
                    if (*there) break;
                    if (std::find(state->made_dirs.begin(), state->made_dirs.end(), d) == state->made_dirs.end())
                        state->made_dirs.push_back(d);
                }
            StateFile* sf = state->find(c.path);
            if (!sf) {
                state->files.push_back({c.path, c.backend, c.existed, c.added, c.removed, c.before, c.after});
                continue;
            }
            const Bootloader* b = find_backend(all, sf->backend);
            if (sf->existed && c.before != sf->written && b) {
                // Changed by someone since we wrote it: without us, it is now
                // that text, not the one we first saw (their change stays).
                auto r = without_ours(fs, *b, *sf, c.before, nullptr);
                if (!r) return r.error();
                sf->original = std::move(*r);
            }
            sf->written = c.after;
            add_unique(sf->added, c.added);
            add_unique(sf->removed, c.removed);
        }
        state->files.erase(std::remove_if(state->files.begin(), state->files.end(),
                                          [&](const StateFile& f) {
                                              for (const auto& c : plan.files)
                                                  if (c.path == f.path && c.remove && !f.existed) return true;
                                              return false;
                                          }),
                           state->files.end());
        if (Status d = fs.make_parent_dirs(kCmdlineStatePath); !d) return d;
        if (Status w = fs.replace_file(kCmdlineStatePath, format_state(*state), "", kStateFileMode); !w) return w;
    }
    for (const auto& c : plan.files) {
        if (c.by_command) continue; // the backend's commands make this change
        if (c.remove) {
            if (Status r = fs.remove(c.path); !r) return r;
            if (Status r = fs.remove(c.path + kBackupSuffix); !r) return r; // absent: fine
            continue;
        }
        if (!c.existed)
            if (Status d = fs.make_parent_dirs(c.path); !d) return d;
        // One backup of the file as it was before vfio-setup first touched it,
        // gone with the undo: nothing of ours is left behind.
        if (Status w = fs.replace_file(c.path, c.after, enabling && c.existed ? kBackupSuffix : ""); !w) return w;
        if (!enabling)
            if (Status r = fs.remove(c.path + kBackupSuffix); !r) return r; // absent: fine
    }
    if (!enabling) {
        // The backups of every file enable changed, also those a disable cut
        // short left after putting their file back (no change planned now).
        for (const auto& f : state->files)
            if (f.existed)
                if (Status r = fs.remove(f.path + kBackupSuffix); !r) return r; // absent: fine
        // The directories enable made, deepest first, when nothing else is in them now.
        std::vector<std::string> dirs = state->made_dirs;
        std::sort(dirs.begin(), dirs.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
        for (const auto& d : dirs) {
            auto entries = list_dir_if_present(fs, d);
            if (!entries) return entries.error();
            if (entries->empty())
                if (Status r = fs.remove_empty_dir(d); !r) return r;
        }
        if (Status r = fs.remove(kCmdlineStatePath); !r) return r; // absent: fine
    }
    return {};
}

Result<CmdlineStatus> cmdline_status(const Fs& fs) {
    CmdlineStatus st;
    if (auto cpu = read_cpu_info(fs)) {
        st.cpu = *cpu;
        st.cpu_known = true;
    }
    auto iommu = read_iommu_state(fs);
    if (!iommu) return iommu.error();
    st.iommu = *iommu;
    if (auto c = fs.read("/proc/cmdline")) st.running_cmdline = trim(*c);
    auto boot = load_boot_context(fs);
    if (!boot) return boot.error();
    st.boot = *boot;
    for (const auto& [b, in_use] : select_bootloaders(fs, st.boot)) {
        BootloaderStatus bs;
        bs.name = b->name();
        bs.in_use = in_use;
        if (auto e = b->entries(fs)) bs.entries = *e;
        else bs.error = e.error().message;
        st.bootloaders.push_back(std::move(bs));
    }
    st.enabled = fs.exists(kCmdlineStatePath);
    return st;
}

} // namespace vb
