#include "bootloader/cmdline_plan.h"

#include <algorithm>

#include "basic/read_limits.h"
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
    for (const auto& selected : select_bootloaders(fs, read_boot_context(fs))) {
        if (!selected.in_use) continue;
        const auto& b = selected.backend;
        plan.backends.push_back(b->name());
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
                                  "kernelstub, sdbootutil, rpm-ostree, rEFInd, extlinux, Limine)");
    return plan;
}

Result<CmdlinePlan> plan_disable(const Fs& fs) {
    CmdlinePlan plan;
    auto state = read_state(fs, kCmdlineStatePath);
    if (!state) return state.error();
    auto all = all_bootloaders();
    for (const auto& f : state->files) {
        const Bootloader* b = find_backend(all, f.backend);
        if (!b) return make_error(EINVAL, std::string(kCmdlineStatePath) + ": unknown backend '" + f.backend + "'");
        FileChange c;
        c.path = f.path;
        c.backend = f.backend;
        if (b->applies_by_command()) {
            // Nothing was written: the tool undoes exactly what enable had it
            // do, on whatever deployment is next (the entry is shown as it will read).
            c.by_command = true;
            c.added = f.removed;
            c.removed = f.added;
            if (auto cur = fs.read(f.path)) // only for the display: the command does not depend on it
                if (auto r = b->edit_file(fs, f.path, *cur, ParamEdit{f.removed, f.added})) {
                    c.before = *cur;
                    c.after = *r;
                }
            add_commands(plan, fs, *b, {c});
            if (std::find(plan.backends.begin(), plan.backends.end(), f.backend) == plan.backends.end())
                plan.backends.push_back(f.backend);
            plan.files.push_back(std::move(c));
            continue;
        }
        c.existed = fs.exists(f.path);
        if (c.existed) {
            auto cur = fs.read(f.path, kMaxRewrittenFile);
            if (!cur) return cur.error();
            c.before = *cur;
        }
        if (!f.existed) {
            if (!c.existed) continue;
            if (c.before == f.written || b->owns_file(f.path)) {
                c.remove = true;
            } else {
                auto r = b->edit_file(fs, f.path, c.before, ParamEdit{{}, f.added});
                if (!r) return r.error();
                c.after = *r;
                plan.notes.push_back(f.path + " changed since enable: removed only the parameters enable added");
            }
        } else if (!c.existed || c.before == f.written) {
            c.after = f.original; // exactly what was there
        } else {
            auto r = b->edit_file(fs, f.path, c.before, ParamEdit{{}, f.added});
            if (!r) return r.error();
            c.after = *r;
            plan.notes.push_back(f.path + " changed since enable: removed only the parameters enable added");
        }
        if (!c.remove && c.existed && c.after == c.before) continue;
        c.added = f.removed;
        c.removed = f.added;
        plan.files.push_back(std::move(c));
        if (std::find(plan.backends.begin(), plan.backends.end(), f.backend) == plan.backends.end())
            plan.backends.push_back(f.backend);
        add_commands(plan, fs, *b, {});
    }
    return plan;
}

Status apply_plan(Fs& fs, const CmdlinePlan& plan, bool enabling) {
    auto state = read_state(fs, kCmdlineStatePath);
    if (!state) return state.error();
    if (enabling && !plan.files.empty()) {
        // The state goes first: should we stop half-way, disable still knows
        // every file we may have touched.
        for (const auto& c : plan.files) {
            StateFile* sf = state->find(c.path);
            if (!sf) {
                state->files.push_back({c.path, c.backend, c.existed, c.added, c.removed, c.before, c.after});
                continue;
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
        if (Status w = fs.replace_file(kCmdlineStatePath, format_state(*state)); !w) return w;
    }
    for (const auto& c : plan.files) {
        if (c.by_command) continue; // the backend's commands make this change
        if (c.remove) {
            if (Status r = fs.remove(c.path); !r) return r;
            continue;
        }
        if (!c.existed)
            if (Status d = fs.make_parent_dirs(c.path); !d) return d;
        // One backup of the file as it was before vfio-setup first touched it.
        if (Status w = fs.replace_file(c.path, c.after, enabling && c.existed ? kBackupSuffix : ""); !w) return w;
    }
    if (!enabling && fs.exists(kCmdlineStatePath))
        if (Status r = fs.remove(kCmdlineStatePath); !r) return r;
    return {};
}

CmdlineStatus cmdline_status(const Fs& fs) {
    CmdlineStatus st;
    if (auto cpu = read_cpu_info(fs)) {
        st.cpu = *cpu;
        st.cpu_known = true;
    }
    st.iommu = read_iommu_state(fs);
    if (auto c = fs.read("/proc/cmdline")) st.running_cmdline = trim(*c);
    st.boot = read_boot_context(fs);
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
