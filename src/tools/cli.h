// What every tool's command line has besides its own options: the usage
// text's frame, -h, -V, unknown options and stray operands, handled at the
// end of its getopt loop.
#pragma once

#include <cstdio>

namespace vb {

struct ToolCli {
    const char* name;    // "vfio-bind"
    const char* summary; // what it does, after the "Usage:" line
    const char* options; // its own options, one per line, indented by two
    const char* footer;  // after the options: notes, exit status
};

enum { kExitOk = 0, kExitUsage = 2 };

// "Usage: NAME [OPTION]...", the summary, the options with -h and -V, the footer.
void print_usage(const ToolCli& cli, std::FILE* out);
// An option getopt_long returned that the tool's own switch did not handle:
// -h and -V print and stop with 0, anything else is a usage error (2).
// Always stops the parse; the exit status goes to `exit_code`.
bool stop_on_common_option(const ToolCli& cli, int c, int& exit_code);
// After the loop: leftover operands are a usage error. True to go on.
bool no_operands(const ToolCli& cli, int argc, char** argv, int optind_now, int& exit_code);

} // namespace vb
