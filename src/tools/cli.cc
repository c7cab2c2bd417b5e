#include "tools/cli.h"

namespace vb {

void print_usage(const ToolCli& cli, std::FILE* out) {
    std::fprintf(out,
                 "Usage: %s [OPTION]...\n%s\n%s"
                 "  -h, --help           show this help and exit\n"
                 "  -V, --version        show the version and exit\n"
                 "\n%s",
                 cli.name, cli.summary, cli.options, cli.footer);
}

bool stop_on_common_option(const ToolCli& cli, int c, int& exit_code) {
    if (c == 'h') {
        print_usage(cli, stdout);
        exit_code = kExitOk;
    } else if (c == 'V') {
        std::printf("%s %s\n", cli.name, VFIO_BIND_VERSION);
        exit_code = kExitOk;
    } else {
        print_usage(cli, stderr);
        exit_code = kExitUsage;
    }
    return true;
}

bool no_operands(const ToolCli& cli, int argc, char** argv, int optind_now, int& exit_code) {
    if (optind_now >= argc) return true;
    std::fprintf(stderr, "%s: unexpected argument '%s'\n", cli.name, argv[optind_now]);
    print_usage(cli, stderr);
    exit_code = kExitUsage;
    return false;
}

} // namespace vb
