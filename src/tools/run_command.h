// Running the commands the library asks for (update-grub, dracut -f...):
// only the tools do, and only through this.
#pragma once

#include "basic/command.h"

namespace vb {

// Runs argv (searched in PATH) with our stdin, stdout and stderr and waits
// for it, through EINTR. Its exit status; 127 when it cannot be started,
// 128 + N when signal N ended it.
int run_command(const Command& argv);

} // namespace vb
