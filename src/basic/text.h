// Small string helpers shared by every tool.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vb {

// Without leading and trailing white space.
std::string trim(std::string_view s);
inline bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
inline bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
// ASCII lower case (names in os-release, firmware strings, config keywords).
std::string lower(std::string_view s);
// Last path component of a link target or path ("../../x/vfio-pci" -> "vfio-pci").
std::string basename_of(std::string_view path);
// "/etc/default/grub.d/x.cfg" -> "/etc/default/grub.d"; "/x" -> "/"; "x" -> ".".
std::string dirname_of(std::string_view path);
// Splits on every `sep`; empty fields are kept.
std::vector<std::string> split(std::string_view s, char sep);
// The words between runs of blanks (space, tab, newline, CR), as /proc
// tables and sourced lists are read; no empty words.
std::vector<std::string> split_blanks(std::string_view s);

// The lines of a text, each keeping its own line ending ("a\r\n", "b").
std::vector<std::string_view> split_lines(std::string_view text);
// The text's own line ending ("\r\n" or "\n"), so edits keep CRLF files CRLF.
std::string line_ending_of(std::string_view text);

} // namespace vb
