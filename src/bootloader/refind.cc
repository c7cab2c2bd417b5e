// rEFInd: /boot/refind_linux.conf holds one entry per line,
// "label" "options", both double-quoted.
#include "bootloader/line_file.h"

namespace vb {

std::unique_ptr<Bootloader> make_refind_bootloader() {
    auto match = [](std::string_view line) -> std::optional<Span> {
        size_t i = skip_blanks(line, 0);
        if (i >= line.size() || line[i] != '"') return std::nullopt; // comment or blank
        size_t label_end = line.find('"', i + 1);
        if (label_end == std::string_view::npos) return std::nullopt;
        size_t open = skip_blanks(line, label_end + 1);
        if (open >= line.size() || line[open] != '"') return std::nullopt;
        size_t close = line.find('"', open + 1);
        if (close == std::string_view::npos) return std::nullopt;
        return Span{open + 1, close};
    };
    return std::make_unique<LineBootloader>("rEFInd", std::vector<std::string>{"/boot/refind_linux.conf"}, match);
}

} // namespace vb
