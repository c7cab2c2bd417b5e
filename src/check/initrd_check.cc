#include "check/initrd_check.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "basic/kernel_params.h"
#include "basic/read_limits.h"
#include "basic/text.h"
#include "boot/config.h"
#include "boot/kmod.h"
#include "boot/modprobe_conf.h"
#include "boot/plan.h"
#include "boot/scan.h"
#include "boot/stray_ids.h"
#include "bootloader/cmdline_plan.h"
#include "bootloader/cpu_info.h"
#include "bootloader/select.h"
#include "check/module_files.h"
#include "image/initramfs.h"
#include "image/uki.h"

namespace vb {

namespace {

// What dracut-module/module-setup.sh puts into the image.
constexpr const char* kImageBinary = "usr/sbin/vfio-bind";
constexpr const char* kImageConfig = "etc/vfio-devices.ini";
const std::string kImageModprobe = std::string(kInitrdModprobeConf).substr(1); // image paths have no leading /
constexpr const char* kImageUnit = "usr/lib/systemd/system/vfio-bind-initrd.service";
constexpr const char* kUnitName = "vfio-bind-initrd.service";
constexpr const char* kDracutModule = "vfio-bind";
constexpr const char* kModulesTxt = "usr/lib/dracut/modules.txt";
const char* const kHookDirs[] = {"var/lib/dracut/hooks/pre-udev/", "var/lib/dracut/hooks/pre-trigger/",
                                 "usr/lib/dracut/hooks/pre-udev/", "usr/lib/dracut/hooks/pre-trigger/"};
const char* const kVfioModules[] = {"vfio", "vfio_iommu_type1", "vfio_pci"};

// Images with and without the /usr merge name the same files: use the /usr names.
std::string canonical(std::string name) {
    for (const char* top : {"lib/", "lib64/", "bin/", "sbin/"})
        if (starts_with(name, top)) return "usr/" + name;
    return name;
}

// Facts about the machine, gathered once for every image.
struct Context {
    const Fs& fs;
    std::optional<std::string> config_text;                     // /etc/vfio-devices.ini
    std::optional<Config> config;                               // parsed, when valid
    std::optional<ParamEdit> cmdline_edit;                      // what the IOMMU needs on the command line
    std::map<std::string, std::optional<std::string>> snippets; // expected modprobe.d snippet per kernel
    std::vector<Finding>& findings;
    // Every PCI function and the plan on them, for what a stray ids= would
    // bind (any device may have the id); read once, when first needed.
    std::optional<std::vector<PciDevice>> all_devices;
    std::optional<Plan> plan;

    void add(Severity s, const std::string& kver, const std::string& what, std::vector<std::string> fix = {},
             std::string fix_text = {}) {
        findings.push_back({s, kver, what, std::move(fix), std::move(fix_text)});
    }
};

Context make_context(const Fs& fs, std::vector<Finding>& findings) {
    Context c{fs, std::nullopt, std::nullopt, std::nullopt, {}, findings, std::nullopt, std::nullopt};
    auto text = fs.read(kDefaultConfigPath, kMaxConfigBytes);
    if (!text) return c;
    c.config_text = *text;
    auto cfg = parse_config(*text, kDefaultConfigPath);
    if (cfg) c.config = *cfg;
    return c;
}

// "<subject> lacks intel_iommu=on", "<subject> has amd_iommu=off", or both.
std::string cmdline_problem(const std::string& subject, const std::vector<std::string>& missing,
                            const std::vector<std::string>& unwanted) {
    std::string what = subject;
    if (!missing.empty()) what += " lacks " + join_cmdline(missing);
    if (!unwanted.empty()) what += (missing.empty() ? " has " : " and has ") + join_cmdline(unwanted);
    return what;
}

// The snippet the dracut module would generate now (vfio-bind --modprobe-conf),
// or nothing when it cannot be known (devices absent, no module indexes).
const std::optional<std::string>& expected_snippet(Context& c, const std::string& kver) {
    auto it = c.snippets.find(kver);
    if (it != c.snippets.end()) return it->second;
    std::optional<std::string> result;
    if (c.config) {
        auto devices = scan_for_config(c.fs, *c.config);
        if (devices) {
            Plan plan = make_plan(*c.config, *devices);
            auto loader = KmodLoader::open(c.fs.is_rooted() ? c.fs.host_path("/") : "/", kver, true);
            if (plan.refused.empty() && loader) {
                auto text = modprobe_conf(*c.config, plan, **loader);
                if (text) result = *text;
            }
        }
    }
    return c.snippets[kver] = result;
}

// What a stray ids= from `source` would give vfio-pci on this machine beyond
// the plan, as findings: a problem for what the config refuses or the host
// keeps, a warning for what the config only does not name.
void check_stray_ids(Context& c, const std::string& kver, const std::string& source, const std::vector<PciId>& ids,
                     std::vector<std::string> fix, const std::string& fix_text) {
    if (ids.empty() || !c.config) return;
    if (!c.all_devices) {
        auto d = scan_pci_devices(c.fs);
        c.all_devices = d ? *d : std::vector<PciDevice>{};
        c.plan = make_plan(*c.config, *c.all_devices);
    }
    for (const auto& s : stray_claims(ids, *c.all_devices, *c.config, *c.plan)) {
        const bool harmful = !starts_with(s.why, "which the config does not claim");
        c.add(harmful ? Severity::problem : Severity::warning, kver,
              source + " gives vfio-pci ids=" + ids_str(ids) + ", which would bind " + s.device->address.str() + " (" +
                  s.device->id_str() + ") before vfio-bind decides, " + s.why,
              fix, fix_text);
    }
}

bool is_modprobe_d(const std::string& name) {
    for (const char* dir : {"etc/modprobe.d/", "usr/lib/modprobe.d/", "run/modprobe.d/"})
        if (starts_with(name, dir) && ends_with(name, ".conf")) return true;
    return false;
}

// What one pass over the image collected.
struct Scan {
    std::set<std::string> names;
    bool hook = false; // a pre-udev/pre-trigger hook of ours
    std::map<std::string, std::string> data;
    std::set<std::string> module_dirs; // the V of usr/lib/modules/V/
};

// `needed_files` are the module files (known from the machine's modules.dep);
// when empty, the image's own modules.dep and modules.builtin are kept instead.
Result<InitramfsInfo> scan_image(std::string_view bytes, const std::vector<std::string>& needed_files, Scan& scan) {
    const std::set<std::string> wanted = {kImageConfig, kImageModprobe, kModulesTxt};
    auto keep = [&](const std::string& name) {
        if (wanted.count(name) || is_modprobe_d(name)) return true;
        return needed_files.empty() && starts_with(name, "usr/lib/modules/") &&
               (name.size() > 12 && (ends_with(name, "/modules.dep") || ends_with(name, "/modules.builtin")));
    };
    // Once everything the verdict needs was seen, the rest is not read.
    auto complete = [&] {
        for (const auto& w : wanted)
            if (!scan.data.count(w)) return false;
        for (const auto& f : needed_files)
            if (!scan.names.count(f)) return false;
        return scan.names.count(kImageBinary) && (scan.names.count(kImageUnit) || scan.hook);
    };
    const bool can_stop = !needed_files.empty();
    Status failure;
    auto info = read_initramfs(bytes, [&](const CpioEntry& e) {
        std::string name = canonical(e.name);
        if (starts_with(name, "usr/lib/modules/")) {
            std::string v = name.substr(16, name.find('/', 16) - 16);
            if (!v.empty()) scan.module_dirs.insert(v);
        }
        if (e.is_regular() && keep(name)) {
            auto d = e.data(kMaxImageMember);
            if (!d) failure = d.error();
            else scan.data[name] = *d;
        }
        for (const char* dir : kHookDirs)
            if (starts_with(name, dir) && name.find("vfio-bind") != std::string::npos) scan.hook = true;
        scan.names.insert(std::move(name));
        return can_stop && complete() ? Visit::stop : Visit::next;
    });
    if (info && !failure) return make_error(failure.error().code, failure.error().message);
    return info;
}

bool has_wants_link(const Scan& scan) {
    for (const char* dir : {"etc/systemd/system/", "usr/lib/systemd/system/"})
        for (const char* target : {"sysinit.target.wants/", "initrd.target.wants/", "basic.target.wants/"})
            if (scan.names.count(std::string(dir) + target + kUnitName)) return true;
    return false;
}

bool lists_module(const std::string& modules_txt, const std::string& name) {
    for (const auto& line : split(modules_txt, '\n'))
        if (trim(line) == name) return true;
    return false;
}

std::string format_of(const InitramfsInfo& info) {
    std::string f = info.uki ? "UKI: " : "";
    for (size_t i = 0; i < info.segments.size(); ++i)
        f += (i ? " + " : "") + std::string(compression_name(info.segments[i].compression));
    return f;
}

// The kernel's own facts: its config and module lists on this machine.
struct KernelFacts {
    std::string kconfig; // /boot/config-V, empty when absent
    std::string dep, builtin;
};

KernelFacts kernel_facts(const Fs& fs, const std::string& kver) {
    KernelFacts k;
    if (kver.empty()) return k;
    if (auto t = fs.read("/boot/config-" + kver, kMaxKernelConfig)) k.kconfig = *t;
    if (auto t = fs.read("/lib/modules/" + kver + "/modules.dep", kMaxModuleIndex)) k.dep = *t;
    if (auto t = fs.read("/lib/modules/" + kver + "/modules.builtin", kMaxModuleIndex)) k.builtin = *t;
    return k;
}

// Module files (image names) the vfio modules need; names that cannot be
// resolved go to `unknown`.
std::vector<std::string> needed_module_files(const KernelFacts& k, const std::string& kver,
                                             std::vector<std::string>* unknown) {
    std::vector<std::string> files;
    for (const char* m : kVfioModules) {
        std::string cfg_key = std::string("CONFIG_") + (std::string(m) == "vfio"       ? "VFIO"
                                                        : std::string(m) == "vfio_pci" ? "VFIO_PCI"
                                                                                       : "VFIO_IOMMU_TYPE1");
        if (kconfig_value(k.kconfig, cfg_key) == "y") continue;
        ModuleNeed need = module_need(k.dep, k.builtin, m);
        if (need.builtin) continue;
        if (!need.found) {
            if (unknown) unknown->push_back(m);
            continue;
        }
        for (const auto& f : need.files) files.push_back("usr/lib/modules/" + kver + "/" + f);
    }
    std::sort(files.begin(), files.end());
    files.erase(std::unique(files.begin(), files.end()), files.end());
    return files;
}

ImageReport check_one(Context& c, const ImageLocation& where, std::string_view bytes, std::string kver) {
    ImageReport report;
    report.location = where;
    const std::string& P = where.path;
    std::string uki_cmdline;
    if (is_pe_image(bytes)) {
        auto uki = read_uki(bytes);
        if (uki) {
            if (kver.empty()) kver = uki->uname;
            uki_cmdline = uki->cmdline;
        }
    }
    KernelFacts facts = kernel_facts(c.fs, kver);
    std::vector<std::string> needed =
        facts.dep.empty() ? std::vector<std::string>{} : needed_module_files(facts, kver, nullptr);
    Scan scan;
    auto info = scan_image(bytes, needed, scan);
    if (kver.empty() && scan.module_dirs.size() == 1) {
        kver = *scan.module_dirs.begin();
        facts = kernel_facts(c.fs, kver);
    }
    report.kver = kver;
    const std::vector<std::string> fix = rebuild_command(where, kver.empty() ? "<version>" : kver);
    if (!info) {
        c.add(Severity::problem, kver, "cannot read " + P + ": " + info.error().message, fix);
        return report;
    }
    report.readable = true;
    report.entries = info->entries;
    report.format = format_of(*info);
    report.stopped_early = info->stopped;
    auto problem = [&](const std::string& what) { c.add(Severity::problem, kver, what, fix); };

    // The command line a UKI carries is the one it boots with.
    check_stray_ids(
        c, kver, "the command line built into " + P, vfio_pci_ids_in_cmdline(uki_cmdline), {},
        "remove vfio-pci.ids= from /etc/kernel/cmdline (vfio-bind passes ids= itself at boot), then rebuild the UKI");
    if (where.uki && c.cmdline_edit && !uki_cmdline.empty()) {
        auto out = apply_edit(uki_cmdline, *c.cmdline_edit);
        // vfio-setup fixes /etc/kernel/cmdline; the UKI then needs rebuilding.
        if (out && out->changed())
            c.add(Severity::problem, kver,
                  cmdline_problem("the command line built into " + P, out->added, out->removed) +
                      " (after the fix, rebuild the UKI)",
                  {"vfio-setup", "cmdline", "enable"});
    }

    const bool listed = scan.data.count(kModulesTxt) && lists_module(scan.data[kModulesTxt], kDracutModule);
    const bool binary = scan.names.count(kImageBinary) > 0;
    if (!scan.data.count(kModulesTxt))
        c.add(Severity::warning, kver, P + " records no dracut module list (" + kModulesTxt + "): not made by dracut?");
    if (!listed && !binary) {
        problem(P + " was built without the vfio-bind dracut module: nothing will claim the devices");
    } else {
        if (!binary) problem(P + " lacks /" + std::string(kImageBinary));
        const bool unit = scan.names.count(kImageUnit) > 0;
        if (unit && !has_wants_link(scan)) problem(P + " has " + kUnitName + " but nothing starts it");
        if (!unit && !scan.hook)
            problem(P + " has no run point for vfio-bind (neither " + kUnitName + " nor a pre-udev hook)");
        auto cfg = scan.data.find(kImageConfig);
        if (cfg == scan.data.end()) problem(P + " lacks /etc/vfio-devices.ini");
        else if (c.config_text && cfg->second != *c.config_text)
            problem(P + " holds a stale copy of /etc/vfio-devices.ini (the current file differs)");
        auto snip = scan.data.find(kImageModprobe);
        const bool snippet_ids = snip != scan.data.end() && !vfio_pci_ids_in_modprobe(snip->second).empty();
        if (snip == scan.data.end()) {
            problem(P + " lacks /" + std::string(kImageModprobe));
        } else if (snippet_ids) {
            // Made by an older vfio-bind, which guessed ids= at build time.
            problem(P + " holds a /" + std::string(kImageModprobe) +
                    " with ids= (made by an older vfio-bind): vfio-bind now decides ids= at boot");
        } else if (!kver.empty()) {
            const auto& expected = expected_snippet(c, kver);
            if (expected && !snippet_covers(snip->second, *expected))
                problem(P + " holds a stale /" + std::string(kImageModprobe) +
                        " (the devices or their drivers changed)");
        }
    }

    // Every modprobe.d file in the image: an ids= there binds what the config refuses.
    for (const auto& [name, text] : scan.data) {
        if (!is_modprobe_d(name)) continue;
        const bool ours = name == kImageModprobe;
        check_stray_ids(
            c, kver, P + ": /" + name, vfio_pci_ids_in_modprobe(text), ours ? fix : std::vector<std::string>{},
            ours ? ""
                 : "remove ids= from /" + name +
                       " on this machine (vfio-bind passes ids= itself at boot), then rebuild the initramfs");
    }

    // The modules: what this kernel's modules.dep says they need, or the image's own list.
    if (!kver.empty()) {
        if (facts.dep.empty()) {
            facts.dep = scan.data["usr/lib/modules/" + kver + "/modules.dep"];
            facts.builtin = scan.data["usr/lib/modules/" + kver + "/modules.builtin"];
        }
        std::vector<std::string> unknown;
        for (const auto& f : needed_module_files(facts, kver, &unknown))
            if (!scan.names.count(f)) problem(P + " lacks the module " + f.substr(f.rfind('/') + 1));
        for (const auto& m : unknown)
            c.add(Severity::problem, kver,
                  "kernel " + kver + " has no " + m + " module (not in modules.dep, not built in)", {},
                  "use a kernel built with vfio support");
    }
    return report;
}

void check_kernel_config(Context& c, const std::string& kver) {
    std::string kconfig;
    if (auto t = c.fs.read("/boot/config-" + kver, kMaxKernelConfig)) kconfig = *t;
    else return; // not every distribution ships it
    if (kconfig_value(kconfig, "CONFIG_VFIO_PCI").empty())
        c.add(Severity::problem, kver, "kernel " + kver + " is built without vfio-pci (CONFIG_VFIO_PCI is not set)", {},
              "boot a kernel built with CONFIG_VFIO_PCI=m or =y");
    // When the boot GPU is passed through, a firmware framebuffer driver
    // (efifb, vesafb) can keep its memory; simpledrm/simplefb hand it over.
    const bool handover =
        kconfig_value(kconfig, "CONFIG_DRM_SIMPLEDRM") == "y" ||
        (kconfig_value(kconfig, "CONFIG_SYSFB_SIMPLEFB") == "y" && kconfig_value(kconfig, "CONFIG_FB_SIMPLE") == "y");
    if (c.config && c.config->boot_vga && !handover)
        c.add(Severity::warning, kver,
              "kernel " + kver +
                  " has no built-in simpledrm/simplefb (CONFIG_DRM_SIMPLEDRM, CONFIG_SYSFB_SIMPLEFB): "
                  "the firmware framebuffer may keep the boot GPU's memory",
              {}, "add video=efifb:off to the kernel command line");
}

void check_machine(Context& c, const CheckOptions& opts) {
    if (!c.config) {
        auto cfg = parse_config(*c.config_text, kDefaultConfigPath);
        std::string first = cfg ? "" : split(cfg.error().message, '\n')[0];
        c.add(Severity::problem, "", "invalid " + std::string(kDefaultConfigPath) + ": " + first, {},
              "fix the file (vfio-bind --dry-run explains), then rebuild the initramfs");
    } else {
        auto devices = scan_for_config(c.fs, *c.config);
        if (!devices) {
            c.add(Severity::warning, "", "cannot list PCI devices: " + devices.error().message);
        } else {
            for (const auto& r : make_plan(*c.config, *devices).refused)
                c.add(Severity::warning, "", r.subject + ": " + r.reason);
        }
    }
    bool installed = false;
    for (const char* p : {"/usr/sbin/vfio-bind", "/usr/local/sbin/vfio-bind", "/sbin/vfio-bind"})
        installed = installed || c.fs.exists(p);
    if (!installed)
        c.add(Severity::problem, "", "vfio-bind is not installed: dracut cannot put it into the images", {},
              "install vfio-bind (make install), then rebuild the initramfs");

    if (!opts.cmdline) return;
    for (const auto& selected : select_bootloaders(c.fs, read_boot_context(c.fs))) {
        auto entries = selected.backend->entries(c.fs);
        if (!entries) continue;
        for (const auto& e : *entries)
            check_stray_ids(c, "", "the kernel command line in " + e.source, vfio_pci_ids_in_cmdline(e.cmdline), {},
                            "remove vfio-pci.ids= there (vfio-bind passes ids= itself at boot)");
    }
    auto cpu = read_cpu_info(c.fs);
    if (!cpu) {
        c.add(Severity::warning, "",
              "cannot tell the CPU vendor, kernel command line not checked: " + cpu.error().message);
        return;
    }
    auto edit = enable_edit(cpu->vendor, {}, nullptr);
    if (!edit) return;
    c.cmdline_edit = *edit;
    auto plan = plan_enable(c.fs, *edit);
    if (!plan) {
        // No boot loader we know (containers, chroots): nothing to check, nothing to say.
        if (plan.error().code != ENOENT)
            c.add(Severity::warning, "", "cannot read the boot loader configuration: " + plan.error().message);
        return;
    }
    for (const auto& f : plan->files) {
        c.add(Severity::problem, "", cmdline_problem("the kernel command line in " + f.path, f.added, f.removed),
              {"vfio-setup", "cmdline", "enable"});
    }
}

void check_path(Context& c, KernelReport& kr, const ImageLocation& where) {
    auto bytes = c.fs.read(where.path, kMaxInitramfs);
    if (!bytes) {
        ImageReport r;
        r.location = where;
        r.kver = kr.kver;
        kr.images.push_back(r);
        c.add(Severity::problem, kr.kver, "cannot read " + where.path + ": " + bytes.error().message,
              rebuild_command(where, kr.kver.empty() ? "<version>" : kr.kver));
        return;
    }
    kr.images.push_back(check_one(c, where, *bytes, kr.kver));
}

} // namespace

bool CheckReport::has_problems() const {
    return std::any_of(findings.begin(), findings.end(),
                       [](const Finding& f) { return f.severity == Severity::problem; });
}

std::vector<std::vector<std::string>> CheckReport::rebuild_commands() const {
    std::vector<std::vector<std::string>> out;
    for (const auto& f : findings)
        if (f.severity == Severity::problem && !f.fix.empty() && f.fix[0] == "dracut" &&
            std::find(out.begin(), out.end(), f.fix) == out.end())
            out.push_back(f.fix);
    return out;
}

ImageReport check_image(const Fs& fs, const ImageLocation& where, std::string_view bytes, const std::string& kver,
                        std::vector<Finding>& findings) {
    Context c = make_context(fs, findings);
    return check_one(c, where, bytes, kver);
}

CheckReport check_initrds(const Fs& fs, const CheckOptions& opts) {
    CheckReport report;
    Context c = make_context(fs, report.findings);
    report.configured = c.config_text.has_value();
    if (!report.configured) return report; // nothing to claim, nothing to check
    check_machine(c, opts);

    if (!opts.image.empty()) {
        KernelReport kr{opts.kver, {}};
        auto bytes = fs.read(opts.image, 4);
        ImageLocation where{opts.image, bytes && is_pe_image(*bytes), false};
        check_path(c, kr, where);
        if (kr.kver.empty()) kr.kver = kr.images.back().kver; // from the UKI or the image's modules
        if (!kr.kver.empty()) check_kernel_config(c, kr.kver);
        report.kernels.push_back(std::move(kr));
        return report;
    }

    std::vector<std::string> kvers = opts.kver.empty() ? installed_kernels(fs) : std::vector<std::string>{opts.kver};
    if (kvers.empty())
        c.add(Severity::warning, "", "no installed kernel found (no /boot/vmlinuz-V with /lib/modules/V)");
    for (const auto& kver : kvers) {
        KernelReport kr{kver, {}};
        check_kernel_config(c, kver);
        auto images = find_images(fs, kver);
        if (images.empty())
            c.add(Severity::problem, kver, "no initramfs found for kernel " + kver, {"dracut", "-f", "--kver", kver});
        for (const auto& where : images) check_path(c, kr, where);
        report.kernels.push_back(std::move(kr));
    }
    return report;
}

} // namespace vb
