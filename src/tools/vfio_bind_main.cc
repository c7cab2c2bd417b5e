// vfio-bind: claims the devices listed in /etc/vfio-devices.ini for vfio-pci,
// early in boot, before udev coldplug lets host drivers grab them.
// It never stops a boot: every failure is logged and the boot goes on.
#include <getopt.h>

#include <cstdio>
#include <memory>

#include "basic/fs.h"
#include "basic/kernel_params.h"
#include "basic/read_limits.h"
#include "boot/claim.h"
#include "boot/config.h"
#include "boot/kmod.h"
#include "boot/modprobe_conf.h"
#include "boot/pci.h"
#include "boot/plan.h"
#include "boot/release.h"
#include "boot/scan.h"
#include "tools/log.h"

namespace {

enum Exit { kOk = 0, kRefused = 1, kUsage = 2 };

struct Options {
    std::string config = vb::kDefaultConfigPath;
    std::string root = "/";
    std::string kver;
    bool dry_run = false, verbose = false, modprobe_conf = false, check_config = false;
};

void usage(FILE* out) {
    std::fputs("Usage: vfio-bind [OPTION]...\n"
               "Claim the PCI devices listed in the config for vfio-pci before host drivers bind them.\n"
               "\n"
               "  -c, --config FILE    config file (default /etc/vfio-devices.ini)\n"
               "  -r, --root DIR       treat DIR as / (sysfs, /etc, /lib/modules); modules are\n"
               "                       resolved against DIR, never inserted\n"
               "  -k, --kver VERSION   kernel release whose modules to use (default: running)\n"
               "  -n, --dry-run        print what would be done, change nothing\n"
               "      --modprobe-conf  print the modprobe.d snippet for the initramfs and exit\n"
               "      --check-config   only validate the config\n"
               "  -v, --verbose        more detail\n"
               "  -h, --help           show this help and exit\n"
               "  -V, --version        show the version and exit\n"
               "\n"
               "vfio_bind=off on the kernel command line makes it do nothing.\n"
               "Exit status: 0 all claimed or nothing to do, 1 something refused or failed,\n"
               "2 usage or config error.\n",
               out);
}

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
                                      {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "c:r:k:nvhV", longopts, nullptr)) != -1) {
        switch (c) {
        case 'c': o.config = optarg; break;
        case 'r': o.root = optarg; break;
        case 'k': o.kver = optarg; break;
        case 'n': o.dry_run = true; break;
        case 'v': o.verbose = true; break;
        case kModprobeConf: o.modprobe_conf = true; break;
        case kCheckConfig: o.check_config = true; break;
        case 'h':
            usage(stdout);
            exit_code = kOk;
            return false;
        case 'V':
            std::printf("vfio-bind %s\n", VFIO_BIND_VERSION);
            exit_code = kOk;
            return false;
        default:
            usage(stderr);
            exit_code = kUsage;
            return false;
        }
    }
    if (optind < argc) {
        std::fprintf(stderr, "vfio-bind: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        exit_code = kUsage;
        return false;
    }
    return true;
}

// vfio_bind=off (or vfio-bind=off) on the kernel command line.
bool disabled_on_cmdline(const vb::Fs& fs) {
    auto text = fs.read("/proc/cmdline", vb::kMaxKernelCmdline);
    if (!text) return false;
    for (const std::string& word : vb::split(vb::trim(*text), ' '))
        if (vb::param_key(word) == "vfio_bind" && word.substr(word.find('=') + 1) == "off") return true;
    return false;
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

int run(const Options& o, vb::Log& log) {
    vb::DiskFs fs(o.root);
    if (!o.modprobe_conf && !o.check_config && disabled_on_cmdline(fs)) {
        log.info("skipped (vfio_bind=off on the kernel command line)");
        // In the initramfs our modprobe.d snippet would still load vfio-pci
        // ahead of the host drivers (softdeps) and let ids= claim devices:
        // the escape hatch must give the host its devices back entirely.
        if (fs.exists("/etc/initrd-release") && fs.exists(vb::kInitrdModprobeConf)) {
            if (auto st = fs.remove(vb::kInitrdModprobeConf); st)
                log.info(std::string("removed ") + vb::kInitrdModprobeConf + " for this boot, vfio-pci stays unloaded");
            else log.warning(st.error().message);
        }
        return kOk;
    }

    auto text = fs.read(o.config, vb::kMaxConfigBytes + 1);
    if (!text) {
        if (text.error().code == ENOENT) {
            log(o.check_config ? vb::Level::Error : vb::Level::Info,
                fs.host_path(o.config) + " does not exist: nothing to do");
            return o.check_config ? kUsage : kOk;
        }
        log.error(text.error().message);
        return kUsage;
    }
    auto config = vb::parse_config(*text, fs.host_path(o.config));
    if (!config) {
        log.error(config.error().message);
        log.error("config not valid: nothing claimed");
        return kUsage;
    }
    if (o.check_config) {
        std::printf("%s: valid, %zu device entr%s\n", fs.host_path(o.config).c_str(), config->devices.size(),
                    config->devices.size() == 1 ? "y" : "ies");
        return kOk;
    }
    if (config->devices.empty() && !o.modprobe_conf) {
        log.info("no devices configured: nothing to do");
        return kOk;
    }

    std::vector<std::string> skipped;
    auto devices = vb::scan_for_config(fs, *config, &skipped);
    if (!devices) {
        log.error("cannot scan PCI devices: " + devices.error().message);
        if (!o.modprobe_conf) return kRefused;
        devices = std::vector<vb::PciDevice>{}; // the snippet can still carry ids= and options
    }
    for (const auto& s : skipped) log.debug("skipped unreadable device " + s);
    vb::Plan plan = vb::make_plan(*config, *devices);

    std::string kver = o.kver;
    if (kver.empty()) {
        auto k = vb::kernel_release(fs);
        if (k) kver = *k;
        else log.warning(k.error().message);
    }
    // Under --root, and for anything that only prints, nothing is inserted.
    const bool simulate = fs.is_rooted() || o.dry_run || o.modprobe_conf;
    auto loader = vb::KmodLoader::open(o.root, kver, simulate);

    if (o.modprobe_conf) {
        if (!loader) {
            log.error(loader.error().message);
            return kRefused;
        }
        auto conf = vb::modprobe_conf(*config, plan, **loader);
        if (!conf) {
            log.error(conf.error().message);
            return kRefused;
        }
        std::fputs(conf->c_str(), stdout);
        return kOk;
    }

    for (const auto& w : plan.warnings) log.warning(w);
    for (const auto& r : plan.refused) log.error(r.subject + " refused: " + r.reason);

    if (o.dry_run) {
        for (const auto& t : plan.targets)
            std::printf("would claim %s %s %s (%s)%s\n", t.device.address.str().c_str(), t.device.id_str().c_str(),
                        group_str(t.device).c_str(), t.why.c_str(),
                        t.device.driver.empty() ? "" : (", now bound to " + t.device.driver).c_str());
        if (!loader) {
            log.error(loader.error().message);
            return kRefused;
        }
        for (const auto& r : vb::release_unwanted(fs, *config, plan, true).devices)
            std::printf("would give back %s %s to the host: %s\n", r.device.address.str().c_str(),
                        r.device.id_str().c_str(), r.detail.c_str());
        auto res = (*loader)->load("vfio-pci", plan.module_options);
        if (!res) log.error(res.error().message);
        else {
            std::string mods;
            for (const auto& m : res->modules) mods += " " + m;
            std::printf("would load vfio-pci (%s)%s%s%s\n", to_string(res->outcome), mods.empty() ? "" : ": insert",
                        mods.c_str(),
                        plan.module_options.empty() ? "" : (" with options " + plan.module_options).c_str());
        }
        return plan.refused.empty() && res ? kOk : kRefused;
    }

    bool all_ok = plan.refused.empty();
    std::vector<vb::DeviceResult> results;
    if (plan.targets.empty()) {
        log.error("nothing to claim");
        all_ok = false;
    } else {
        if (!loader) log.warning(loader.error().message);
        vb::UnavailableLoader fallback(fs, loader ? "" : loader.error().message);
        vb::ModuleLoader& ml = loader ? static_cast<vb::ModuleLoader&>(**loader) : fallback;
        vb::ClaimReport report = vb::claim(fs, ml, plan);
        if (report.module) {
            std::string mods;
            for (const auto& m : report.module->modules) mods += " " + m;
            log.info(std::string("vfio-pci ") + vb::to_string(report.module->outcome) +
                     (mods.empty() ? "" : ":" + mods) +
                     (plan.module_options.empty() ? "" : " (options " + plan.module_options + ")"));
            if (!report.module->ignored_options.empty())
                log.warning("modprobe.d or the kernel command line sets '" + report.module->ignored_options +
                            "' for vfio-pci: not applied, vfio-bind loads it with its own options only");
        }
        for (const auto& w : report.warnings) log.warning(w);
        results = std::move(report.devices);
    }
    // Whatever loaded vfio-pci, it keeps only what the plan chose.
    vb::ReleaseReport released = vb::release_unwanted(fs, *config, plan);
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

} // namespace

int main(int argc, char** argv) {
    Options o;
    int exit_code = kOk;
    if (!parse_args(argc, argv, o, exit_code)) return exit_code;
    // dmesg gets the real runs only; --root and printing modes touch nothing of the host.
    const bool kmsg = o.root == "/" && !o.dry_run && !o.modprobe_conf && !o.check_config;
    vb::Log log("vfio-bind", kmsg, o.verbose);
    try {
        return run(o, log);
    } catch (const std::exception& e) {
        // Never crash in the initramfs: report and let the boot go on.
        log.error(std::string("internal error: ") + e.what());
        return kRefused;
    }
}
