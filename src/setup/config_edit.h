// Editing /etc/vfio-devices.ini the way an admin would with a text editor:
// line by line, so comments, spacing and every line we do not mean to touch
// stay byte for byte. Both edits refuse a config that does not parse and
// check that what they produce parses (vfio-bind would reject it otherwise).
//
// add appends, after one blank line, one section per device:
//     [label]
//     address = 0000:01:00.0
//     id = 1002:6818
// remove deletes a section with the comment lines directly above its header
// (no blank line between: they describe it), its key lines and any comments
// among them, and one blank line that separated it from its neighbours. So
// add followed by remove gives back the original bytes; the one exception is
// a file whose last line had no newline, which add has to terminate.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "basic/result.h"
#include "boot/config.h"
#include "boot/pci_address.h"

namespace vb {

struct NewSection {
    std::string label; // section name: letters, digits and "-_.:" only
    PciAddress address;
    PciId id;
};

// The comment a new config file starts with.
std::string new_config_header(const std::string& rebuild);

// `text` with `sections` appended. With `set_boot_vga`, `boot_vga = yes` is
// also set in [options] (the value replaced in place, the key added after
// the header, or an [options] section appended when there is none).
Result<std::string> config_add(std::string_view text, const std::vector<NewSection>& sections, bool set_boot_vga,
                               const std::string& path);

struct RemoveResult {
    std::string text;
    std::vector<std::string> removed; // labels of the sections taken out
};

// `text` without the sections whose address `match` accepts; ENOENT when none.
Result<RemoveResult> config_remove(std::string_view text, const std::function<bool(const PciAddress&)>& match,
                                   const std::string& path);

// "base", or "base-2", "base-3"... whichever no section of `config` uses yet.
std::string unique_label(const Config& config, const std::string& base);

} // namespace vb
