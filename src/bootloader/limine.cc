// Limine: `cmdline: args` (also `kernel_cmdline:`) in limine.conf since
// version 8, `CMDLINE=args` / `KERNEL_CMDLINE=args` in the older limine.cfg.
#include <strings.h>

#include "bootloader/line_file.h"

namespace vb {

std::unique_ptr<Bootloader> make_limine_bootloader() {
    auto match = [](std::string_view line) -> std::optional<Span> {
        size_t i = skip_blanks(line, 0);
        for (const char* key : {"cmdline", "kernel_cmdline"}) {
            size_t n = std::char_traits<char>::length(key);
            if (line.size() <= i + n || strncasecmp(line.data() + i, key, n) != 0) continue;
            size_t j = skip_blanks(line, i + n);
            if (j < line.size() && (line[j] == ':' || line[j] == '='))
                return Span{skip_blanks(line, j + 1), line.size()};
        }
        return std::nullopt;
    };
    return std::make_unique<LineBootloader>("Limine",
                                            std::vector<std::string>{"/boot/limine.conf", "/boot/limine/limine.conf",
                                                                     "/boot/EFI/BOOT/limine.conf", "/boot/limine.cfg"},
                                            match);
}

} // namespace vb
