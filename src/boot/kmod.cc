#include "boot/kmod.h"

#include <sys/utsname.h>

#include <cstring>

#include <libkmod.h>

namespace vb {

namespace {

// RAII for kmod_list of modules.
struct ModuleList {
    kmod_list* list = nullptr;
    ~ModuleList() {
        if (list) kmod_module_unref_list(list);
    }
};

struct ModuleRef {
    kmod_module* mod = nullptr;
    ~ModuleRef() {
        if (mod) kmod_module_unref(mod);
    }
};

// Dependencies first, the module last, each once (what modprobe would insert).
void collect_insert_order(kmod_module* mod, std::vector<std::string>& out, int depth = 0) {
    if (depth > 32) return; // a dependency loop in a broken modules.dep
    kmod_list* deps = kmod_module_get_dependencies(mod);
    kmod_list* it;
    kmod_list_foreach(it, deps) {
        kmod_module* dep = kmod_module_get_module(it);
        collect_insert_order(dep, out, depth + 1);
        kmod_module_unref(dep);
    }
    if (deps) kmod_module_unref_list(deps);
    std::string name = kmod_module_get_name(mod);
    for (const auto& n : out)
        if (n == name) return;
    out.push_back(name);
}

} // namespace

const char* to_string(LoadOutcome o) {
    switch (o) {
    case LoadOutcome::Inserted: return "loaded";
    case LoadOutcome::AlreadyLoaded: return "already loaded";
    case LoadOutcome::BuiltIn: return "built into the kernel";
    case LoadOutcome::Resolved: return "resolved, not inserted (--root)";
    }
    return "?";
}

Result<std::string> kernel_release(const Fs& fs) {
    if (auto r = fs.read("/proc/sys/kernel/osrelease", 256); r && !trim(*r).empty()) return trim(*r);
    if (!fs.is_rooted()) {
        struct utsname u;
        if (uname(&u) == 0) return std::string(u.release);
    }
    return make_error(ENOENT, "cannot tell the kernel release: " + fs.host_path("/proc/sys/kernel/osrelease") +
                                  " is missing (give --kver)");
}

Result<std::unique_ptr<KmodLoader>> KmodLoader::open(const std::string& root, const std::string& kver, bool simulate) {
    std::string r = root == "/" ? "" : root;
    const std::string dir = r + "/lib/modules/" + kver;
    // Under --root, read DIR's modprobe.d, never the host's.
    const std::string c1 = r + "/etc/modprobe.d", c2 = r + "/run/modprobe.d", c3 = r + "/lib/modprobe.d";
    const char* config_paths[] = {c1.c_str(), c2.c_str(), c3.c_str(), nullptr};
    std::unique_ptr<KmodLoader> loader(new KmodLoader());
    loader->ctx_ = kmod_new(dir.c_str(), r.empty() ? nullptr : config_paths);
    if (!loader->ctx_) return make_error(ENOMEM, "libkmod could not start for " + dir);
    kmod_set_log_priority(loader->ctx_, 0); // libkmod must not print; we report
    if (kmod_load_resources(loader->ctx_) < 0)
        return make_error(ENOENT, "cannot read the module indexes in " + dir +
                                      (kver.empty() ? std::string(" (which kernel is unknown: pass --kver VERSION)")
                                                    : " (is kernel " + kver + " installed? run depmod " + kver + ")"));
    loader->simulate_ = simulate;
    return loader;
}

KmodLoader::~KmodLoader() {
    if (ctx_) kmod_unref(ctx_);
}

Result<LoadResult> KmodLoader::load(const std::string& name, const std::string& options) {
    ModuleList found;
    int err = kmod_module_new_from_lookup(ctx_, name.c_str(), &found.list);
    if (err < 0 || !found.list) return make_error(ENOENT, "module " + name + " not found for this kernel");
    ModuleRef mod{kmod_module_get_module(found.list)};

    LoadResult res{LoadOutcome::Inserted, {}, options, ""};
    // What modprobe.d (ours from an older image, the passthrough recipe's own
    // vfio.conf) and the command line say for it: never applied, since a
    // build-time ids= would claim devices the plan refused at boot.
    if (const char* cfg = kmod_module_get_options(mod.mod)) res.ignored_options = cfg;
    // Built in: listed in modules.builtin, so it has no file.
    if (!kmod_module_get_path(mod.mod)) {
        res.outcome = LoadOutcome::BuiltIn;
        return res;
    }
    collect_insert_order(mod.mod, res.modules);
    if (simulate_) {
        res.outcome = LoadOutcome::Resolved;
        return res;
    }
    int state = kmod_module_get_initstate(mod.mod);
    if (state == KMOD_MODULE_BUILTIN) {
        res.outcome = LoadOutcome::BuiltIn;
        return res;
    }
    if (state == KMOD_MODULE_LIVE || state == KMOD_MODULE_COMING) {
        res.outcome = LoadOutcome::AlreadyLoaded;
        return res;
    }
    // Dependencies as modprobe loads them (their options, their softdeps:
    // vfio pulls in vfio_iommu_type1); the module itself with our options only.
    for (size_t i = 0; i + 1 < res.modules.size(); i++) {
        ModuleRef dep;
        if (kmod_module_new_from_name(ctx_, res.modules[i].c_str(), &dep.mod) < 0) continue;
        err = kmod_module_probe_insert_module(dep.mod, KMOD_PROBE_IGNORE_LOADED, nullptr, nullptr, nullptr, nullptr);
        if (err < 0)
            return make_error(-err,
                              "cannot load " + res.modules[i] + " (needed by " + name + "): " + std::strerror(-err));
    }
    err = kmod_module_insert_module(mod.mod, 0, options.c_str());
    if (err == -EEXIST) {
        res.outcome = LoadOutcome::AlreadyLoaded; // loaded meanwhile (a softdep of a host driver)
        return res;
    }
    if (err < 0) return make_error(-err, "cannot load " + name + ": " + std::strerror(-err));
    return res;
}

Result<LoadResult> UnavailableLoader::load(const std::string& name, const std::string&) {
    if (fs_.is_dir("/sys/bus/pci/drivers/" + name)) return LoadResult{LoadOutcome::AlreadyLoaded, {}};
    return make_error(ENOENT, "cannot load " + name + ": " + why_);
}

Result<std::vector<std::string>> UnavailableLoader::drivers_for_modalias(const std::string&) {
    return make_error(ENOENT, why_);
}

Result<std::vector<std::string>> KmodLoader::drivers_for_modalias(const std::string& modalias) {
    ModuleList found;
    int err = kmod_module_new_from_lookup(ctx_, modalias.c_str(), &found.list);
    if (err < 0) return make_error(-err, "cannot look up " + modalias + ": " + std::strerror(-err));
    std::vector<std::string> names;
    kmod_list* it;
    kmod_list_foreach(it, found.list) {
        ModuleRef m{kmod_module_get_module(it)};
        names.emplace_back(kmod_module_get_name(m.mod));
    }
    return names;
}

} // namespace vb
