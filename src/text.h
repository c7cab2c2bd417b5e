// Small string helpers shared by every tool.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vb {

// Without leading and trailing white space.
std::string trim(std::string_view s);
// Last path component of a link target or path ("../../x/vfio-pci" -> "vfio-pci").
std::string basename_of(std::string_view path);
// Splits on every `sep`; empty fields are kept.
std::vector<std::string> split(std::string_view s, char sep);

} // namespace vb
