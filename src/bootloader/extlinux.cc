// extlinux/syslinux: every label's `APPEND args` line (keywords are
// case-insensitive), each label being one entry.
#include <strings.h>

#include "bootloader/line_file.h"

namespace vb {

std::unique_ptr<Bootloader> make_extlinux_bootloader() {
    auto match = [](std::string_view line) -> std::optional<Span> {
        size_t i = skip_blanks(line, 0);
        if (line.size() < i + 7 || strncasecmp(line.data() + i, "append", 6) != 0) return std::nullopt;
        if (line[i + 6] != ' ' && line[i + 6] != '\t') return std::nullopt;
        return Span{skip_blanks(line, i + 6), line.size()};
    };
    return std::make_unique<LineBootloader>("extlinux",
                                            std::vector<std::string>{"/boot/extlinux/extlinux.conf",
                                                                     "/boot/syslinux/syslinux.cfg",
                                                                     "/boot/syslinux/extlinux.conf"},
                                            match);
}

} // namespace vb
