#include "check/initrd_check.h"

#include <string.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "basic/kernel_params.h"
#include "basic/read_limits.h"
#include "basic/text.h"
#include "boot/config.h"
#include "boot/host_needs.h"
#include "boot/kmod.h"
#include "boot/modprobe_conf.h"
#include "boot/plan.h"
#include "boot/scan.h"
#include "boot/stray_ids.h"
#include "bootloader/cmdline_plan.h"
#include "bootloader/cpu_info.h"
#include "bootloader/iommu_off.h"
#include "bootloader/select.h"
#include "bootloader/trial.h"
#include "check/esp_copies.h"
#include "check/image_layout.h"
#include "check/module_files.h"
#include "generator/generator.h"
#include "generator/mkinitcpio.h"
#include "host/host_scan.h"
#include "image/decompress.h"
#include "image/initramfs.h"
#include "image/uki.h"

namespace vb {

namespace {

const char* const kVfioModules[] = {"vfio", "vfio_iommu_type1", "vfio_pci"};

// Facts about the machine, gathered once for every image.
struct Context {
    const Fs& fs;
    std::optional<std::string> config_text;                           // /etc/vfio-devices.ini
    std::optional<Config> config;                                     // parsed, when valid
    std::optional<ParamEdit> cmdline_edit;                            // what the IOMMU needs on the command line
    std::map<std::string, std::optional<std::string>> snippets;       // expected modprobe.d snippet per kernel
    std::map<std::string, std::optional<std::string>> trial_snippets; // the same for a pending trial's config
    std::vector<Finding>& findings;
    // Every PCI function and the plan on them, for what a stray ids= would
    // bind (any device may have the id); read once, when first needed.
    std::optional<std::vector<PciDevice>> all_devices;
    std::optional<Plan> plan;
    // The generator this machine rebuilds its images with: every fix uses it.
    std::optional<MachineGenerator> generator;
    // What the host needs to boot, found now (vfio-bind refuses it).
    HostScan host;

    void add(Severity s, const std::string& kver, const std::string& what, std::vector<std::string> fix = {},
             std::string fix_text = {}) {
        findings.push_back({s, kver, what, std::move(fix), std::move(fix_text)});
    }
    void add_rebuild(const std::string& kver, const std::string& what, std::vector<std::string> fix) {
        findings.push_back({Severity::problem, kver, what, std::move(fix), {}, true});
    }
    // What rebuilds `where`: the machine's own generator, else the one that
    // made the image, else dracut.
    Command rebuild(const ImageLocation& where, const std::string& kver, std::optional<Generator> made_by) const {
        // A UKI: with the tool that made it (signed, its own command line).
        if (where.uki && !kver.empty())
            if (auto builder = uki_builder_command(fs, kver)) return *builder;
        Generator g = generator ? generator->generator : made_by ? *made_by : Generator::Dracut;
        return generator_rebuild_command(fs, g, where.path, kver.empty() ? "<version>" : kver, where.uki,
                                         where.dracut_default);
    }
};

Context make_context(const Fs& fs, std::vector<Finding>& findings) {
    Context c{fs, std::nullopt, std::nullopt, std::nullopt, {},
              {}, findings,     std::nullopt, std::nullopt, machine_generator(fs)};
    auto text = fs.read(kDefaultConfigPath, kMaxConfigBytes);
    if (!text) return c;
    c.config_text = *text;
    auto cfg = parse_config(*text, kDefaultConfigPath);
    if (cfg) c.config = *cfg;
    c.host = scan_host_needs(fs);
    if (c.config) c.config->host_needs = needs_kept(fs, c.host);
    return c;
}

// "<subject> lacks intel_iommu=on", "<subject> has amd_iommu=off", or both.
std::string cmdline_problem(const std::string& subject, const std::vector<std::string>& missing,
                            const std::vector<std::string>& unwanted) {
    std::string what = subject;
    if (!missing.empty()) what += " lacks " + join_cmdline(missing);
    if (!unwanted.empty()) what += (missing.empty() ? " has " : " and has ") + join_cmdline(unwanted);
    for (const auto& u : unwanted) what += iommu_off_why(u);
    return what;
}

// The snippet the dracut module would generate now (vfio-bind --modprobe-conf),
// or nothing when it cannot be known (devices absent, no module indexes).
// The modprobe.d snippet `config` gives kernel `kver` on this machine, when
// it can be known (every entry resolved, the kernel's modules readable).
std::optional<std::string> snippet_for(const Fs& fs, const Config& config, const std::string& kver) {
    auto devices = scan_for_config(fs, config);
    if (!devices) return std::nullopt;
    Plan plan = make_plan(config, *devices);
    auto loader = KmodLoader::open(fs.is_rooted() ? fs.host_path("/") : "/", kver, true);
    if (!plan.refused.empty() || !loader) return std::nullopt;
    auto text = modprobe_conf(config, plan, **loader);
    if (!text) return std::nullopt;
    return *text;
}

const std::optional<std::string>& expected_snippet(Context& c, const std::string& kver) {
    auto it = c.snippets.find(kver);
    if (it != c.snippets.end()) return it->second;
    return c.snippets[kver] = c.config ? snippet_for(c.fs, *c.config, kver) : std::nullopt;
}

// The same for the claims of a pending trial boot (its softdeps must be in
// the image too, or its host drivers win the race on the trial boot).
const std::optional<std::string>& expected_trial_snippet(Context& c, const std::string& kver) {
    auto it = c.trial_snippets.find(kver);
    if (it != c.trial_snippets.end()) return it->second;
    std::optional<std::string> result;
    if (auto text = c.fs.read(kTrialConfigPath, kMaxConfigBytes))
        if (auto trial = parse_config(*text, kTrialConfigPath)) result = snippet_for(c.fs, *trial, kver);
    return c.trial_snippets[kver] = result;
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
        c.findings.back().rebuild = !c.findings.back().fix.empty(); // only ever our image's rebuild
    }
}

// `needed_files` are the module files (known from the machine's modules.dep);
// when empty, the image's own modules.dep and modules.builtin are kept instead.
Result<InitramfsInfo> scan_image(std::string_view bytes, const std::vector<std::string>& needed_files,
                                 ImageContents& scan) {
    auto keep = [&](const std::string& name) {
        if (wanted_data(name)) return true;
        return needed_files.empty() && starts_with(name, "usr/lib/modules/") &&
               (ends_with(name, "/modules.dep") || ends_with(name, "/modules.builtin"));
    };
    // Once everything the verdict needs was seen, the rest is not read.
    auto complete = [&] {
        for (const auto& f : needed_files)
            if (!scan.names.count(f)) return false;
        return layout_complete(scan);
    };
    const bool can_stop = !needed_files.empty();
    Status failure;
    auto info = read_initramfs(bytes, [&](const CpioEntry& e) {
        std::string name = canonical_name(e.name);
        if (e.is_regular() && keep(name)) {
            auto d = e.data(kMaxImageMember);
            if (!d) failure = d.error();
            else scan.data[name] = *d;
        }
        note_entry(scan, name);
        return can_stop && complete() ? Visit::stop : Visit::next;
    });
    if (info && !failure) return make_error(failure.error().code, failure.error().message);
    return info;
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

// One image being checked: where it is, the kernel it is for, and what the
// pass over it collected. Each check below reads it and adds findings.
struct ImageCheck {
    Context& c;
    const ImageLocation& where;
    std::string kver;
    KernelFacts facts;
    ImageContents scan;
    std::string uki_cmdline;
    std::vector<std::string> fix; // rebuilds this image

    const std::string& path() const { return where.path; }
    std::optional<Generator> made_by; // from the image's own files
    void problem(const std::string& what) const { c.add_rebuild(kver, what, fix); }
};

// The command line a UKI carries is the one it boots with.
void check_uki_cmdline(const ImageCheck& ic) {
    Context& c = ic.c;
    check_stray_ids(c, ic.kver, "the command line built into " + ic.path(), vfio_pci_ids_in_cmdline(ic.uki_cmdline), {},
                    "remove vfio-pci.ids= from /etc/kernel/cmdline (vfio-bind claims each device itself at boot, never "
                    "by id), then rebuild the UKI");
    if (!ic.where.uki || !c.cmdline_edit || ic.uki_cmdline.empty()) return;
    auto out = apply_edit(ic.uki_cmdline, *c.cmdline_edit);
    // vfio-setup fixes /etc/kernel/cmdline; the UKI then needs rebuilding.
    if (out && out->changed())
        c.add(Severity::problem, ic.kver,
              cmdline_problem("the command line built into " + ic.path(), out->added, out->removed) +
                  " (after the fix, rebuild the UKI)",
              {"vfio-setup", "cmdline", "enable"});
}

// The generator's integration: the binary and the point it runs from.
// False when the image has none of it (then nothing else of ours is in it).
bool check_integration(const ImageCheck& ic) {
    if (!ic.made_by) {
        ic.c.add(Severity::warning, ic.kver,
                 ic.path() +
                     " was made by none of dracut, initramfs-tools and mkinitcpio: its run point is not checked");
        return ic.scan.names.count("usr/sbin/vfio-bind") > 0;
    }
    if (ic.c.generator && ic.c.generator->generator != *ic.made_by)
        ic.c.add(Severity::warning, ic.kver,
                 ic.path() + " was made by " + generator_name(*ic.made_by) + ", but this machine rebuilds its images " +
                     "with " + generator_name(ic.c.generator->generator) + " (" + ic.c.generator->why +
                     "): the next rebuild replaces it");
    IntegrationVerdict v = check_integration_layout(*ic.made_by, ic.scan);
    for (const auto& l : v.lacks) ic.problem(ic.path() + " " + l);
    return v.present;
}

// The record of what the host needs: every device the host needs now must be
// in it (a device recorded but not here is ignored at boot, like one from the
// machine the image was built on).
void check_host_record(const ImageCheck& ic) {
    auto rec = ic.scan.data.find(kImageHostNeeds);
    if (rec == ic.scan.data.end()) {
        ic.problem(ic.path() + " lacks /" + std::string(kImageHostNeeds) +
                   " (the devices the host needs, which vfio-bind must never claim): made by an older vfio-bind");
        return;
    }
    auto recorded = parse_host_record(rec->second, "/" + std::string(kImageHostNeeds));
    if (!recorded) {
        ic.problem(ic.path() + ": " + recorded.error().message);
        return;
    }
    const bool claims = ic.c.config && !ic.c.config->devices.empty(); // else the host's needs do not matter
    if (std::string why = distrust_reason(*recorded, ic.c.host.machine); claims && !why.empty())
        ic.problem(ic.path() + ": /" + std::string(kImageHostNeeds) + " is " + why +
                   ": at boot vfio-bind keeps every mass-storage controller instead");
    std::string missing;
    for (const auto& n : ic.c.host.needs) {
        bool found = false;
        for (const auto& r : recorded->needs) found |= r.address == n.address && r.id == n.id;
        if (!found) missing += (missing.empty() ? "" : ", ") + n.str();
    }
    if (!missing.empty())
        ic.problem(ic.path() + " does not record " + missing +
                   " among the devices the host needs (built elsewhere, or before the disks changed)");
}

// A pending trial of changed claims: the image must carry its config, and
// no stale one once the trial is over.
void check_trial_config(const ImageCheck& ic) {
    auto in_image = ic.scan.data.find(kImageTrialConfig);
    auto machine = ic.c.fs.read(kTrialConfigPath, kMaxConfigBytes);
    if (machine && in_image == ic.scan.data.end())
        ic.problem(ic.path() + " lacks " + kTrialConfigPath + " (the claims of the pending trial boot)");
    else if (machine && in_image->second != *machine)
        ic.problem(ic.path() + " holds a stale copy of " + kTrialConfigPath + " (the current file differs)");
    else if (!machine && in_image != ic.scan.data.end())
        ic.problem(ic.path() + " holds " + kTrialConfigPath +
                   ", but no trial boot is pending (confirmed or cancelled since)");
}

// The config and the modprobe.d snippet the image carries, against the machine's.
void check_config_copies(const ImageCheck& ic) {
    check_host_record(ic);
    check_trial_config(ic);
    const ImageContents& scan = ic.scan;
    auto cfg = scan.data.find(kImageConfig);
    if (cfg == scan.data.end()) ic.problem(ic.path() + " lacks /etc/vfio-devices.ini");
    else if (ic.c.config_text && cfg->second != *ic.c.config_text)
        ic.problem(ic.path() + " holds a stale copy of /etc/vfio-devices.ini (the current file differs)");
    auto snip = scan.data.find(kImageModprobe);
    if (snip == scan.data.end()) {
        ic.problem(ic.path() + " lacks /" + std::string(kImageModprobe));
    } else if (!vfio_pci_ids_in_modprobe(snip->second).empty()) {
        // Made by an older vfio-bind, which guessed ids= at build time.
        ic.problem(ic.path() + " holds a /" + std::string(kImageModprobe) +
                   " with ids= (made by an older vfio-bind): vfio-bind now claims each device at boot, never by ids=");
    } else if (!ic.kver.empty()) {
        const auto& expected = expected_snippet(ic.c, ic.kver);
        if (expected && !snippet_covers(snip->second, *expected))
            ic.problem(ic.path() + " holds a stale /" + std::string(kImageModprobe) +
                       " (the devices or their drivers changed)");
        const auto& trial = expected_trial_snippet(ic.c, ic.kver);
        if (trial && !snippet_covers(snip->second, *trial))
            ic.problem(ic.path() + ": /" + std::string(kImageModprobe) + " lacks the softdeps of the pending trial (" +
                       kTrialConfigPath + "): on the trial boot its host drivers could take the devices first");
    }
}

// Every modprobe.d file in the image: an ids= there binds what the config refuses.
void check_modprobe_files(const ImageCheck& ic) {
    for (const auto& [name, text] : ic.scan.data) {
        if (!is_modprobe_d(name)) continue;
        const bool ours = name == kImageModprobe;
        check_stray_ids(ic.c, ic.kver, ic.path() + ": /" + name, vfio_pci_ids_in_modprobe(text),
                        ours ? ic.fix : std::vector<std::string>{},
                        ours ? ""
                             : "remove ids= from /" + name +
                                   " on this machine (vfio-bind claims each device itself at boot, never by id), then "
                                   "rebuild the initramfs");
    }
}

// The modules: what this kernel's modules.dep says they need, or the image's own list.
void check_modules(ImageCheck& ic) {
    if (ic.kver.empty()) return;
    if (ic.facts.dep.empty()) {
        ic.facts.dep = ic.scan.data["usr/lib/modules/" + ic.kver + "/modules.dep"];
        ic.facts.builtin = ic.scan.data["usr/lib/modules/" + ic.kver + "/modules.builtin"];
    }
    std::vector<std::string> unknown;
    for (const auto& f : needed_module_files(ic.facts, ic.kver, &unknown))
        if (!ic.scan.names.count(f)) ic.problem(ic.path() + " lacks the module " + basename_of(f));
    for (const auto& m : unknown)
        ic.c.add(Severity::problem, ic.kver,
                 "kernel " + ic.kver + " has no " + m + " module (not in modules.dep, not built in)", {},
                 "use a kernel built with vfio support");
}

ImageReport check_one(Context& c, const ImageLocation& where, std::string_view bytes, std::string kver) {
    ImageReport report;
    report.location = where;
    ImageCheck ic{c, where, std::move(kver), {}, {}, {}, {}, std::nullopt};
    if (is_pe_image(bytes))
        if (auto uki = read_uki(bytes)) {
            if (ic.kver.empty()) ic.kver = uki->uname;
            ic.uki_cmdline = uki->cmdline;
        }
    ic.facts = kernel_facts(c.fs, ic.kver);
    std::vector<std::string> needed =
        ic.facts.dep.empty() ? std::vector<std::string>{} : needed_module_files(ic.facts, ic.kver, nullptr);
    // A pending trial of changed claims: its config must be in there too.
    if (!needed.empty() && c.fs.exists(kTrialConfigPath)) needed.push_back(kImageTrialConfig);
    auto info = scan_image(bytes, needed, ic.scan);
    if (ic.kver.empty() && ic.scan.module_dirs.size() == 1) {
        ic.kver = *ic.scan.module_dirs.begin();
        ic.facts = kernel_facts(c.fs, ic.kver);
    }
    report.kver = ic.kver;
    ic.made_by = image_generator(ic.scan);
    report.generator = ic.made_by ? generator_name(*ic.made_by) : "";
    ic.fix = c.rebuild(where, ic.kver, ic.made_by);
    if (!info) {
        ic.problem("cannot read " + where.path + ": " + info.error().message);
        return report;
    }
    report.readable = true;
    report.entries = info->entries;
    report.format = format_of(*info);
    report.stopped_early = info->stopped;

    check_uki_cmdline(ic);
    // Without our integration the image lacks the config, the snippet and the
    // vfio modules because of that one cause: it is reported once.
    const bool integrated = check_integration(ic);
    if (integrated) check_config_copies(ic);
    check_modprobe_files(ic);
    if (integrated) check_modules(ic);
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

// The generator this machine uses: our integration for it installed, and
// turned on where that takes a step (mkinitcpio's HOOKS).
void check_generator(Context& c) {
    if (!c.generator) return;
    const Generator g = c.generator->generator;
    if (!integration_installed(c.fs, g)) {
        c.add(Severity::problem, "",
              std::string("this machine builds its images with ") + generator_name(g) + " (" + c.generator->why +
                  "), but vfio-bind's integration for it is not installed (" + integration_path(g) + ")",
              {}, "install the vfio-bind package built for this distribution (make install puts every integration in)");
        return;
    }
    if (g != Generator::Mkinitcpio) return;
    auto hooks = mkinitcpio_hooks(c.fs);
    if (!hooks) {
        c.add(Severity::warning, "", "cannot tell mkinitcpio's HOOKS: " + hooks.error().message);
    } else if (!hooks_run_vfio_bind(*hooks)) {
        c.add(Severity::problem, "",
              "mkinitcpio's HOOKS do not run vfio-bind before udev: images built now will not claim the devices",
              {"vfio-setup", "initramfs", "enable"});
    }
    for (const auto& p : presets_without_drop_ins(c.fs))
        c.add(Severity::warning, "",
              p + " names a config file, so mkinitcpio reads no drop-in for its images: "
                  "add vfio-bind before udev to HOOKS in that file");
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
            for (const auto& r : make_plan(*c.config, *devices).refused) {
                if (r.expected) continue; // what an id-only entry means: nothing to fix
                if (r.host_need)
                    c.add(Severity::problem, "", r.subject + ": " + r.reason, {},
                          "vfio-bind refuses it at boot; remove the entry that names it from " +
                              std::string(kDefaultConfigPath));
                else c.add(Severity::warning, "", r.subject + ": " + r.reason);
            }
            // What cannot be known here is kept at boot by class: never "ok" on a
            // guess when something is to be claimed.
            const Severity s = c.config->devices.empty() ? Severity::warning : Severity::problem;
            for (const auto& n : c.host.notes)
                c.add(s, "", "which devices the host needs is not fully known: " + n, {},
                      "vfio-bind keeps every mass-storage controller at boot until it is: rebuild the initramfs "
                      "and run vfio-initrd-check on the machine itself, booted (not in a chroot)");
        }
    }
    // A pending trial that pins the default entry: every kernel update should say so.
    if (auto trial = read_trial(c.fs); trial && *trial)
        if (std::string pin = pinned_default_warning(**trial); !pin.empty()) c.add(Severity::warning, "", pin);
    bool installed = false;
    for (const char* p : {"/usr/sbin/vfio-bind", "/usr/local/sbin/vfio-bind", "/sbin/vfio-bind", "/usr/bin/vfio-bind"})
        installed = installed || c.fs.exists(p);
    if (!installed)
        c.add(Severity::problem, "", "vfio-bind is not installed: no generator can put it into the images", {},
              "install vfio-bind (make install), then rebuild the initramfs");
    check_generator(c);

    if (!opts.cmdline) return;
    auto boot = load_boot_context(c.fs);
    if (!boot) {
        c.add(Severity::warning, "",
              "cannot tell which boot loader is used, kernel command line not checked: " + boot.error().message);
        return;
    }
    for (const auto& selected : select_bootloaders(c.fs, *boot)) {
        auto entries = selected.backend->entries(c.fs);
        if (!entries) continue;
        for (const auto& e : *entries)
            check_stray_ids(c, "", "the kernel command line in " + e.source, vfio_pci_ids_in_cmdline(e.cmdline), {},
                            "remove vfio-pci.ids= there (vfio-bind claims each device itself at boot, never by id)");
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
        // An IOMMU switched off where vfio-setup cannot take it out: vfio-bind refuses every device.
        if (plan.error().code == kIommuOffLeft) {
            c.add(Severity::problem, "", plan.error().message, {});
            return;
        }
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

// Why `image`, named by --image, is no initramfs or UKI ("" when it may be
// one): a kernel or any other file is never checked, lest a printed fix
// rebuild an image over it. Leading zeros are padding, as the kernel skips them.
std::string not_an_image(std::string_view image) {
    if (is_pe_image(image))
        return pe_section(image, ".linux") || pe_section(image, ".initrd")
                   ? ""
                   : "is an EFI program without .linux and .initrd sections (a kernel, not a UKI)";
    const size_t start = image.find_first_not_of('\0');
    if (start == std::string_view::npos) return ""; // empty or zeros: the check says so
    if (detect_compression(image.substr(start)) != Compression::unknown) return "";
    return "is neither an initramfs (cpio, gzip, zstd, xz, lzma, lz4) nor a UKI";
}

void check_path(Context& c, KernelReport& kr, const ImageLocation& where, bool named = false) {
    auto bytes = c.fs.read_bytes(where.path, kMaxInitramfs);
    if (bytes && named)
        if (std::string why = not_an_image(bytes->view()); !why.empty()) {
            ImageReport r;
            r.location = where;
            r.kver = kr.kver;
            kr.images.push_back(r);
            c.add(Severity::problem, kr.kver, c.fs.host_path(where.path) + " " + why + ": not checked", {},
                  "name an initramfs (/boot/initrd.img-VERSION, /boot/initramfs-VERSION.img) or a UKI");
            return;
        }
    if (!bytes) {
        ImageReport r;
        r.location = where;
        r.kver = kr.kver;
        kr.images.push_back(r);
        c.add_rebuild(kr.kver, "cannot read " + where.path + ": " + bytes.error().message,
                      c.rebuild(where, kr.kver, std::nullopt));
        return;
    }
    // A PE image is a UKI wherever it lies (--image names any file).
    ImageLocation found = where;
    found.uki = where.uki || is_pe_image(bytes->view());
    kr.images.push_back(check_one(c, found, bytes->view(), kr.kver));
}

// The ESPs proxmox-boot-tool keeps, when it keeps this machine's boot: one
// that cannot be read is named, once.
std::vector<ProxmoxEsp> proxmox_esps_to_check(Context& c) {
    auto esps = proxmox_esps(c.fs);
    if (!esps) {
        c.add(Severity::warning, "",
              "cannot tell proxmox-boot-tool's ESPs, so the copies of the images on them (what boots) are not "
              "checked: " +
                  esps.error().message);
        return {};
    }
    for (const auto& e : *esps)
        if (e.dir.empty()) c.add(Severity::warning, "", e.why_not, {}, e.how);
    return *esps;
}

// The copy of kernel `kver`'s image on each readable ESP: what boots there.
// One with the bytes of /boot's image is that image, checked above; one that
// differs is stale (and checked for what it lacks); one missing where the
// kernel should boot is named. The fix is `proxmox-boot-tool refresh`.
void check_esp_copies(Context& c, KernelReport& kr, const std::vector<ProxmoxEsp>& esps, const std::string& kver,
                      bool newest) {
    const std::string boot_image = proxmox_boot_image(kver);
    if (!c.fs.exists(boot_image)) return; // refresh copies nothing: said above
    const std::vector<std::string> refresh = {"proxmox-boot-tool", "refresh"};
    std::vector<EspKernel> on;
    size_t present = 0;
    for (const auto& e : esps) {
        on.push_back(esp_kernel(c.fs, e, kver));
        present += on.back().present;
    }
    ImageReport checked; // /boot's, as reported above
    for (const auto& i : kr.images)
        if (i.location.path == boot_image && i.esp.empty()) checked = i;
    auto boot_bytes = c.fs.read_bytes(boot_image, kMaxInitramfs);
    for (size_t i = 0; i < esps.size(); ++i) {
        const ProxmoxEsp& esp = esps[i];
        const EspKernel& k = on[i];
        if (esp.dir.empty()) continue; // named once for the machine
        const std::string on_esp = " on ESP " + esp.uuid;
        if (!k.present) {
            // The tool keeps only some kernels on its ESPs (`proxmox-boot-tool
            // kernel list`): the newest one, or one the other ESPs have, belongs there.
            if (newest || present > 0)
                c.add_rebuild(kver,
                              "kernel " + kver + " is not" + on_esp + " (" + esp.dir + "), so it does not boot from " +
                                  "there" + (newest ? " although it is the newest installed" : ""),
                              refresh);
            continue;
        }
        ImageReport r;
        r.location = {k.image, false, false};
        r.kver = kver;
        r.esp = esp.uuid;
        if (!k.image_exists) {
            kr.images.push_back(r);
            c.add_rebuild(kver,
                          k.image + on_esp + " is missing: kernel " + kver + " boots from there without its initramfs",
                          refresh);
            continue;
        }
        auto bytes = c.fs.read_bytes(k.image, kMaxInitramfs);
        if (!bytes) {
            kr.images.push_back(r);
            c.add_rebuild(kver, "cannot read " + k.image + on_esp + ": " + bytes.error().message, refresh);
            continue;
        }
        if (boot_bytes && bytes->view() == boot_bytes->view()) {
            checked.location = r.location;
            checked.esp = esp.uuid;
            checked.same_as = boot_image;
            kr.images.push_back(checked);
            continue;
        }
        c.add_rebuild(kver,
                      k.image + on_esp + " differs from " + boot_image +
                          ", the image proxmox-boot-tool copies: what boots from there is a stale copy",
                      refresh);
        // What the stale copy lacks, with the fix that copies the image again;
        // what concerns the kernel itself was said for /boot's image.
        const size_t before = c.findings.size();
        r = check_one(c, r.location, bytes->view(), kver);
        r.esp = esp.uuid;
        kr.images.push_back(r);
        auto& f = c.findings;
        f.erase(std::remove_if(f.begin() + static_cast<std::ptrdiff_t>(before), f.end(),
                               [&](const Finding& x) { return x.what.find(k.image) == std::string::npos; }),
                f.end());
        for (size_t j = before; j < f.size(); ++j)
            if (!f[j].fix.empty()) f[j].fix = refresh; // not a rebuild of the copy's path
    }
}

// The newest of `kvers`, as sort -V orders releases.
std::string newest_kernel(const std::vector<std::string>& kvers) {
    std::string newest;
    for (const auto& k : kvers)
        if (newest.empty() || strverscmp(k.c_str(), newest.c_str()) > 0) newest = k;
    return newest;
}

} // namespace

bool CheckReport::has_problems() const {
    return std::any_of(findings.begin(), findings.end(),
                       [](const Finding& f) { return f.severity == Severity::problem; });
}

std::vector<std::vector<std::string>> CheckReport::rebuild_commands() const {
    std::vector<std::vector<std::string>> out;
    for (const auto& f : findings)
        if (f.severity == Severity::problem && f.rebuild && std::find(out.begin(), out.end(), f.fix) == out.end())
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
        check_path(c, kr, ImageLocation{opts.image, false, false}, true);
        if (kr.kver.empty()) kr.kver = kr.images.back().kver; // from the UKI or the image's modules
        if (!kr.kver.empty()) check_kernel_config(c, kr.kver);
        report.kernels.push_back(std::move(kr));
        return report;
    }

    const std::vector<std::string> installed = installed_kernels(fs);
    std::vector<std::string> kvers = opts.kver.empty() ? installed : std::vector<std::string>{opts.kver};
    if (kvers.empty())
        c.add(Severity::warning, "", "no installed kernel found (no /boot/vmlinuz-V with /lib/modules/V)");
    // On a Proxmox VE host booting through proxmox-boot-tool, what boots is
    // the copy of each image on its ESPs.
    const std::vector<ProxmoxEsp> esps = proxmox_esps_to_check(c);
    const std::string newest = newest_kernel(installed);
    for (const auto& kver : kvers) {
        KernelReport kr{kver, {}};
        check_kernel_config(c, kver);
        auto images = find_images(fs, kver);
        if (images.empty())
            c.add_rebuild(kver, "no initramfs found for kernel " + kver,
                          c.rebuild(default_image(fs, kver), kver, std::nullopt));
        for (const auto& where : images) check_path(c, kr, where);
        check_esp_copies(c, kr, esps, kver, kver == newest);
        report.kernels.push_back(std::move(kr));
    }
    return report;
}

} // namespace vb
