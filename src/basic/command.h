// An external command as an argument vector, and how to show it: what the
// bootloader backends and vfio-initrd-check ask the tools to run (the tools
// run it, src/tools/run_command.h).
#pragma once

#include <string>
#include <vector>

namespace vb {

using Command = std::vector<std::string>;

// The command as a line a shell reads back to the same argv: plain words as
// they are, anything else in single quotes ("dracut -f '/boot/my image'").
std::string command_line(const Command& argv);

} // namespace vb
