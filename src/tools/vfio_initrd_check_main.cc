// vfio-initrd-check: will every installed kernel claim the configured devices
// at its next boot? Checks each initramfs (and the command line) before the
// reboot, and with --fix rebuilds the images that need it.
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "basic/fs.h"
#include "check/initrd_check.h"
#include "check/initrd_report.h"
#include "tools/cli.h"
#include "tools/run_command.h"

namespace {

enum Exit { kOk = 0, kProblems = 1, kUsage = 2, kImageChanged = 3 };

struct Options {
    std::string root = "/";
    vb::CheckOptions check;
    bool json = false, quiet = false, fix = false;
};

const vb::ToolCli kCli{"vfio-initrd-check",
                       "Check that every installed kernel's initramfs will claim the devices in\n"
                       "/etc/vfio-devices.ini: vfio-bind, its run point, an identical config, the\n"
                       "modprobe.d snippet and the vfio modules; and that the kernel command line\n"
                       "turns the IOMMU on. Each problem comes with the command that fixes it.\n",
                       "  -k, --kver VERSION   check only this kernel release\n"
                       "  -i, --image PATH     check only this image (initramfs or UKI; under --root)\n"
                       "  -r, --root DIR       treat DIR as / (fixes are printed, not run)\n"
                       "      --fix            rebuild the images that need it with the machine's\n"
                       "                       generator, then check again\n"
                       "      --no-cmdline     do not check the boot loader's kernel command line\n"
                       "      --json           machine-readable output\n"
                       "  -q, --quiet          print only the problems and warnings\n",
                       "Exit status: 0 all good (or not configured), 1 problems found (also: --image\n"
                       "names a file that is no initramfs or UKI), 2 usage error, 3 an image changed\n"
                       "while it was read (a generator was writing it: run again).\n"};

bool parse_args(int argc, char** argv, Options& o, int& exit_code) {
    enum { kFix = 256, kJson, kNoCmdline };
    static const option longopts[] = {
        {"kver", required_argument, nullptr, 'k'}, {"image", required_argument, nullptr, 'i'},
        {"root", required_argument, nullptr, 'r'}, {"fix", no_argument, nullptr, kFix},
        {"json", no_argument, nullptr, kJson},     {"no-cmdline", no_argument, nullptr, kNoCmdline},
        {"quiet", no_argument, nullptr, 'q'},      {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, 'V'},    {nullptr, 0, nullptr, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "k:i:r:qhV", longopts, nullptr)) != -1) {
        switch (c) {
        case 'k': o.check.kver = optarg; break;
        case 'i': o.check.image = optarg; break;
        case 'r': o.root = optarg; break;
        case 'q': o.quiet = true; break;
        case kFix: o.fix = true; break;
        case kJson: o.json = true; break;
        case kNoCmdline: o.check.cmdline = false; break;
        default: return !vb::stop_on_common_option(kCli, c, exit_code);
        }
    }
    if (!vb::no_operands(kCli, argc, argv, optind, exit_code)) return false;
    if (o.json && o.quiet) {
        std::fputs("vfio-initrd-check: --json and --quiet do not go together\n", stderr);
        exit_code = kUsage;
        return false;
    }
    return true;
}

void print(const vb::CheckReport& r, const Options& o) {
    if (o.json) {
        std::fputs(vb::format_json(r).c_str(), stdout);
    } else if (o.quiet) {
        for (const auto& f : r.findings) std::puts(vb::finding_line(f).c_str());
    } else {
        std::fputs(vb::format_table(r).c_str(), stdout);
    }
}

// Images are mapped (Fs::read_bytes): one cut short while it is read (a
// generator that rewrites it in place, as dracut's cp does) faults on the
// missing pages. Say so and let the admin run again, rather than die of SIGBUS.
void on_sigbus(int) {
    static const char msg[] = "vfio-initrd-check: an image changed size while it was read (is a generator "
                              "writing it now?); run again when it is done\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(kImageChanged);
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    int exit_code = kOk;
    if (!parse_args(argc, argv, o, exit_code)) return exit_code;
    struct sigaction sa {};
    sa.sa_handler = on_sigbus;
    ::sigaction(SIGBUS, &sa, nullptr);
    vb::DiskFs fs(o.root == "/" ? "" : o.root);

    vb::CheckReport report = vb::check_initrds(fs, o.check);
    if (o.fix && report.has_problems()) {
        auto commands = report.rebuild_commands();
        // Under --root the images belong to another system: say what to run there.
        for (const auto& cmd : commands) {
            const std::string line = vb::command_line(cmd);
            if (fs.is_rooted()) {
                std::printf("would run: %s\n", line.c_str());
                continue;
            }
            if (!o.json) std::printf("running: %s\n", line.c_str());
            std::fflush(stdout);
            if (vb::run_command(cmd) != 0) std::fprintf(stderr, "vfio-initrd-check: '%s' failed\n", line.c_str());
        }
        if (!fs.is_rooted() && !commands.empty()) report = vb::check_initrds(fs, o.check);
    }
    print(report, o);
    return report.has_problems() ? kProblems : kOk;
}
