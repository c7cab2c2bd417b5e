// A kernel command line held in a shell variable (GRUB's /etc/default/grub):
// read and edited as the shell reads the word that assigns it, whatever its
// quoting, escapes and continued lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "basic/kernel_params.h"
#include "basic/result.h"

namespace vb {

// The parameters of the value `raw` assigns, as the kernel will split it.
Result<std::vector<std::string>> shell_word_params(std::string_view raw);

// `edit` applied to the value where `raw` writes it: parameters removed or
// replaced where they are written, new ones after the last kept one, inside
// its quotes (a bare word is given double quotes once it holds several).
// Refused, saying why, when the edited word would not read as the edited
// command line (a parameter written across two quoted parts).
Result<EditOutcome> edit_shell_word(std::string_view raw, const ParamEdit& edit);

} // namespace vb
