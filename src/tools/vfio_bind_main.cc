// vfio-bind: claims the devices listed in /etc/vfio-devices.ini for vfio-pci,
// early in boot, before udev coldplug lets host drivers grab them.
// It never stops a boot: every failure is logged and the boot goes on. Built
// without exceptions (no_exceptions.cc): what cannot happen aborts the process.
// This file parses arguments, calls the library and logs; one function per
// mode (skip, check the config, print the snippet, dry run, claim).
#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "basic/bounded.h"
#include "basic/fs.h"
#include "basic/read_limits.h"
#include "boot/boot_options.h"
#include "boot/claim.h"
#include "boot/config.h"
#include "boot/kmod.h"
#include "boot/modprobe_conf.h"
#include "boot/pci.h"
#include "boot/plan.h"
#include "boot/release.h"
#include "boot/scan.h"
#include "tools/cli.h"
#include "tools/log.h"

namespace {

enum Exit { kOk = 0, kRefused = 1, kUsage = 2 };

struct Options {
    std::string config = vb::kDefaultConfigPath;
    bool config_given = false; // --config: that file, even at a trial boot
    std::string root = "/";
    std::string kver;
    int timeout = 0; // seconds; 0: no bound
    bool dry_run = false, verbose = false, modprobe_conf = false, check_config = false;
};

const vb::ToolCli kCli{"vfio-bind",
                       "Claim the PCI devices listed in the config for vfio-pci before host drivers bind them.\n",
                       "  -c, --config FILE    config file (default /etc/vfio-devices.ini)\n"
                       "  -r, --root DIR       treat DIR as / (sysfs, /etc, /lib/modules); modules are\n"
                       "                       resolved against DIR, never inserted\n"
                       "  -k, --kver VERSION   kernel release whose modules to use (default: running)\n"
                       "  -n, --dry-run        print what would be done, change nothing\n"
                       "      --modprobe-conf  print the modprobe.d snippet for the initramfs and exit\n"
                       "      --check-config   only validate the config\n"
                       "  -t, --timeout SECS   give up after SECS seconds and let the boot go on (the\n"
                       "                       initramfs hooks pass 30)\n"
                       "  -v, --verbose        more detail\n",
                       "vfio_bind=off on the kernel command line makes it do nothing.\n"
                       "Exit status: 0 all claimed or nothing to do (an id-only entry's match the host\n"
                       "keeps, such as the boot VGA, is expected), 1 something refused or failed,\n"
                       "2 usage or config error.\n"};

bool parse_args(int argc, char** argv, Options& o, int& exit_code) {
    enum { kModprobeConf = 256, kCheckConfig };
    static const option longopts[] = {{"config", required_argument, nullptr, 'c'},
                                      {"root", required_argument, nullptr, 'r'},
                                      {"kver", required_argument, nullptr, 'k'},
                                      {"dry-run", no_argument, nullptr, 'n'},
                                      {"verbose", no_argument, nullptr, 'v'},
                                      {"help", no_argument, nullptr, 'h'},
                                      {"version", no_argument, nullptr, 'V'},
                                      {"modprobe-conf", no_argument, nullptr, kModprobeConf},
                                      {"check-config", no_argument, nullptr, kCheckConfig},
                                      {"timeout", required_argument, nullptr, 't'},
                                      {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "c:r:k:t:nvhV", longopts, nullptr)) != -1) {
        switch (c) {
        case 'c':
            o.config = optarg;
            o.config_given = true;
            break;
        case 'r': o.root = optarg; break;
        case 'k': o.kver = optarg; break;
        case 't':
            o.timeout = std::atoi(optarg);
            if (o.timeout <= 0 || o.timeout > 3600) {
                std::fprintf(stderr, "vfio-bind: --timeout takes seconds, 1 to 3600\n");
                exit_code = kUsage;
                return false;
            }
            break;
        case 'n': o.dry_run = true; break;
        case 'v': o.verbose = true; break;
        case kModprobeConf: o.modprobe_conf = true; break;
        case kCheckConfig: o.check_config = true; break;
        default: return !vb::stop_on_common_option(kCli, c, exit_code);
        }
    }
    return vb::no_operands(kCli, argc, argv, optind, exit_code);
}

const char* to_string(vb::Outcome o) {
    switch (o) {
    case vb::Outcome::Claimed: return "claimed by vfio-pci";
    case vb::Outcome::AlreadyClaimed: return "already bound to vfio-pci";
    case vb::Outcome::Failed: return "FAILED";
    case vb::Outcome::Released: return "given back to the host";
    }
    return "?";
}

std::string group_str(const vb::PciDevice& d) {
    return d.iommu_group ? "group " + std::to_string(*d.iommu_group) : "no group";
}

std::string module_list(const vb::LoadResult& r) {
    std::string mods;
    for (const auto& m : r.modules) mods += " " + m;
    return mods;
}

// vfio_bind=off: nothing is claimed. In the initramfs our modprobe.d snippet
// would still load vfio-pci ahead of the host drivers (softdeps): the escape
// hatch gives the host its devices back entirely.
int skip(vb::Fs& fs, vb::Log& log) {
    log.info("skipped (vfio_bind=off on the kernel command line)");
    if (vb::in_initramfs(fs) && fs.exists(vb::kInitrdModprobeConf)) {
        if (auto st = fs.remove(vb::kInitrdModprobeConf); st)
            log.info(std::string("removed ") + vb::kInitrdModprobeConf + " for this boot, vfio-pci stays unloaded");
        else log.warning(st.error().message);
    }
    return kOk;
}

// The config, or the exit status when there is none to act on.
std::optional<vb::Config> load_config(const vb::Fs& fs, const Options& o, vb::Log& log, int& exit_code) {
    auto text = fs.read(o.config, vb::kMaxConfigBytes);
    if (!text && text.error().code == ENOENT) {
        log(o.check_config ? vb::Level::Error : vb::Level::Info,
            fs.host_path(o.config) + " does not exist: nothing to do");
        exit_code = o.check_config ? kUsage : kOk;
        return std::nullopt;
    }
    if (!text) {
        log.error(text.error().message);
        exit_code = kUsage;
        return std::nullopt;
    }
    auto config = vb::parse_config(*text, fs.host_path(o.config));
    if (!config) {
        log.error(config.error().message);
        log.error("config not valid: nothing claimed");
        exit_code = kUsage;
        return std::nullopt;
    }
    return std::move(*config);
}

// What one run decides on: the config, the devices it involves, the plan,
// and libkmod for this kernel (which only resolves, when nothing may be inserted).
struct Session {
    vb::Config config;
    vb::Plan plan;
    vb::Result<std::unique_ptr<vb::KmodLoader>> loader = vb::make_error(0, "not opened");
};

std::optional<Session> prepare(const vb::Fs& fs, const Options& o, vb::Config config, vb::Log& log) {
    std::vector<std::string> skipped;
    auto devices = vb::scan_for_config(fs, config, &skipped);
    if (!devices) {
        log.error("cannot scan PCI devices: " + devices.error().message);
        if (!o.modprobe_conf) return std::nullopt;
        devices = std::vector<vb::PciDevice>{}; // the snippet can still carry softdeps and options
    }
    for (const auto& s : skipped) log.debug("skipped unreadable device " + s);
    Session s{std::move(config), {}, vb::make_error(0, "")};
    s.plan = vb::make_plan(s.config, *devices);

    std::string kver = o.kver;
    if (kver.empty()) {
        auto k = vb::kernel_release(fs);
        if (k) kver = *k;
        else log.warning(k.error().message);
    }
    // Under --root, and for anything that only prints, nothing is inserted.
    s.loader = vb::KmodLoader::open(o.root, kver, fs.is_rooted() || o.dry_run || o.modprobe_conf);
    return s;
}

int print_modprobe_conf(Session& s, vb::Log& log) {
    if (!s.loader) {
        log.error(s.loader.error().message);
        return kRefused;
    }
    auto conf = vb::modprobe_conf(s.config, s.plan, **s.loader);
    if (!conf) {
        log.error(conf.error().message);
        return kRefused;
    }
    std::fputs(conf->c_str(), stdout);
    return kOk;
}

int dry_run(vb::Fs& fs, Session& s, vb::Log& log) {
    for (const auto& t : s.plan.targets)
        std::printf("would claim %s %s %s (%s)%s\n", t.device.address.str().c_str(), t.device.id_str().c_str(),
                    group_str(t.device).c_str(), t.why.c_str(),
                    t.device.driver.empty() ? "" : (", now bound to " + t.device.driver).c_str());
    for (const auto& r : vb::release_unwanted(fs, s.config, s.plan, true).devices)
        std::printf("would give back %s %s to the host: %s\n", r.device.address.str().c_str(),
                    r.device.id_str().c_str(), r.detail.c_str());
    if (!s.loader) {
        log.error(s.loader.error().message);
        return kRefused;
    }
    auto res = (*s.loader)->load("vfio-pci", s.plan.module_options);
    if (!res) {
        log.error(res.error().message);
        return kRefused;
    }
    const std::string mods = module_list(*res);
    std::printf("would load vfio-pci (%s)%s%s%s\n", to_string(res->outcome), mods.empty() ? "" : ": insert",
                mods.c_str(), s.plan.module_options.empty() ? "" : (" with options " + s.plan.module_options).c_str());
    return s.plan.has_unexpected_refusal() ? kRefused : kOk;
}

// The claim itself, then the release of what vfio-pci must not hold.
int claim_now(vb::Fs& fs, Session& s, vb::Log& log) {
    bool all_ok = !s.plan.has_unexpected_refusal();
    std::vector<vb::DeviceResult> results;
    if (s.plan.targets.empty()) {
        log.error("nothing to claim");
        all_ok = false;
    } else {
        if (!s.loader) log.warning(s.loader.error().message);
        vb::UnavailableLoader fallback(fs, s.loader ? "" : s.loader.error().message);
        vb::ModuleLoader& ml = s.loader ? static_cast<vb::ModuleLoader&>(**s.loader) : fallback;
        vb::ClaimReport report = vb::claim(fs, ml, s.plan);
        if (report.module) {
            const std::string mods = module_list(*report.module);
            log.info(std::string("vfio-pci ") + vb::to_string(report.module->outcome) +
                     (mods.empty() ? "" : ":" + mods) +
                     (s.plan.module_options.empty() ? "" : " (options " + s.plan.module_options + ")"));
            // A built-in vfio-pci took the command line's options when it
            // registered (modprobe.d's never reach it): release gives back
            // what they claimed beyond the plan.
            if (!report.module->ignored_options.empty())
                log.warning("modprobe.d or the kernel command line sets '" + report.module->ignored_options +
                            (report.module->outcome == vb::LoadOutcome::BuiltIn
                                 ? "' for the built-in vfio-pci: what the command line sets applied when it "
                                   "registered; vfio-bind gives back what its plan does not claim"
                                 : "' for vfio-pci: not applied, vfio-bind loads it with its own options only"));
        }
        for (const auto& w : report.warnings) log.warning(w);
        results = std::move(report.devices);
    }
    // Whatever loaded vfio-pci, it keeps only what the plan chose.
    vb::ReleaseReport released = vb::release_unwanted(fs, s.config, s.plan);
    for (const auto& w : released.warnings) log.warning(w);
    results.insert(results.end(), released.devices.begin(), released.devices.end());

    for (const auto& r : results) {
        std::string line = r.device.address.str() + " " + r.device.id_str() + " " + group_str(r.device) + ": " +
                           to_string(r.outcome) + (r.detail.empty() ? "" : " (" + r.detail + ")");
        if (r.outcome == vb::Outcome::Failed) {
            log.error(line);
            all_ok = false;
        } else if (!r.detail.empty()) {
            log.warning(line); // a host driver had it first, or vfio-pci had what it must not: worth knowing
        } else {
            log.info(line);
        }
    }
    return all_ok ? kOk : kRefused;
}

int run(Options o, vb::Log& log) {
    vb::DiskFs fs(o.root);
    const vb::BootOptions boot = vb::read_boot_options(fs);
    const bool claiming = !o.modprobe_conf && !o.check_config;
    if (claiming && boot.off) return skip(fs, log);
    // The trial boot of changed claims claims what they say.
    if (claiming && boot.trial && !o.config_given && fs.exists(vb::kTrialConfigPath)) {
        o.config = vb::kTrialConfigPath;
        log.info(std::string("trial boot: claiming what ") + vb::kTrialConfigPath + " says");
    }
    int exit_code = kOk;
    auto config = load_config(fs, o, log, exit_code);
    if (!config) return exit_code;
    if (o.check_config) {
        // The rules boot applies whatever devices are present.
        int refused = 0;
        for (const auto& e : config->devices)
            if (std::string why = vb::entry_refusal(e); !why.empty()) {
                log.error(fs.host_path(o.config) + ":" + std::to_string(e.line) + ": " + why + "; boot refuses it");
                refused++;
            }
        if (refused) return kRefused;
        std::printf("%s: valid, %zu device entr%s\n", fs.host_path(o.config).c_str(), config->devices.size(),
                    config->devices.size() == 1 ? "y" : "ies");
        return kOk;
    }
    if (config->devices.empty() && !o.modprobe_conf) {
        log.info("no devices configured: nothing to do");
        return kOk;
    }
    std::vector<std::string> errors;
    config->host_needs = vb::load_host_needs(fs, &errors);
    for (const auto& e : errors) log.warning(e);
    for (const auto& n : config->host_needs) log.debug("the host needs " + n.str());
    auto session = prepare(fs, o, std::move(*config), log);
    if (!session) return kRefused;
    if (o.modprobe_conf) return print_modprobe_conf(*session, log);
    for (const auto& w : session->plan.warnings) log.warning(w);
    for (const auto& r : session->plan.refused)
        log(r.expected ? vb::Level::Info : vb::Level::Error, r.subject + " refused: " + r.reason);
    return o.dry_run ? dry_run(fs, *session, log) : claim_now(fs, *session, log);
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    int exit_code = kOk;
    if (!parse_args(argc, argv, o, exit_code)) return exit_code;
    // dmesg gets the real runs only; --root and printing modes touch nothing of the host.
    const bool kmsg = o.root == "/" && !o.dry_run && !o.modprobe_conf && !o.check_config;
    vb::Log log("vfio-bind", kmsg, o.verbose);
    if (!o.timeout) return run(o, log);
    // A driver stuck in unbind can hold the run in the kernel, where no signal
    // reaches it: the boot must not wait on it.
    auto rc = vb::run_bounded([&] { return run(o, log); }, o.timeout * 1000);
    if (rc) return *rc;
    if (rc.error().code == EAGAIN) {
        log.warning("cannot bound the run (" + rc.error().message + "): running it unbounded");
        return run(o, log);
    }
    if (rc.error().code != ETIMEDOUT) {
        log.warning("the run " + rc.error().message + ": the boot goes on without it");
        return kRefused;
    }
    log.warning("still running after " + std::to_string(o.timeout) + " s (" + rc.error().message +
                "): the boot goes on without it");
    return kRefused;
}
